import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  backupSqliteStore,
  DEFAULT_DATABASE_FILE,
  openSqliteStore,
  restoreSqliteStore,
  SCHEMA_VERSION,
  type SqliteCopyProgress,
  type SqliteStore,
} from './index.js'

describe('backupSqliteStore and restoreSqliteStore', () => {
  let dir: string
  let dataDir: string
  const opened: SqliteStore[] = []

  async function open(at = dataDir): Promise<SqliteStore> {
    const store = await openSqliteStore({ dataDir: at })
    opened.push(store)
    return store
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-backup-'))
    dataDir = join(dir, 'data')
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('copies the snapshot taken when it began, in steps, while another connection keeps writing', async () => {
    const writer = await open()
    // 120 documents of 3000 bytes: about 100 pages, so 5 pages a step takes some 20 steps.
    await writer.append(Array.from({ length: 120 }, (_, i) => ({ name: `doc/${i}`, update: new Uint8Array(3000) })))
    // The server's connection, in another "process": a write between every two steps, as people keep editing.
    const server = await open()
    const steps: SqliteCopyProgress[] = []
    const destination = join(dir, 'backup.sqlite')

    const report = await backupSqliteStore({
      dataDir,
      destination,
      pagesPerStep: 5,
      onProgress: (progress) => {
        steps.push(progress)
        // Bounded, so that a backup that restarts on every write (no read transaction) still ends, and fails below
        // rather than by timing out.
        if (steps.length <= 40) void server.append([{ name: `late/${steps.length}`, update: Uint8Array.of(1, 2) }])
      },
    })

    expect(steps.length).toBeGreaterThan(10)
    expect(new Set(steps.map((step) => step.totalPages)).size).toBe(1)
    expect(steps.map((step) => step.remainingPages)).toEqual(
      [...steps.map((step) => step.remainingPages)].sort((a, b) => b - a),
    )
    expect(report).toMatchObject({ path: destination, documents: 120, schemaVersion: SCHEMA_VERSION })
    // The late writes were committed while the copy ran: the server was not held up.
    expect((await server.list()).length).toBe(120 + Math.min(steps.length, 40))

    // One self-contained file in rollback-journal mode, holding the 120 documents and none of the late ones.
    expect(existsSync(`${destination}-wal`)).toBe(false)
    const copy = new Database(destination, { readonly: true })
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete')
    expect(copy.prepare("SELECT count(*) FROM documents WHERE name LIKE 'late/%'").pluck().get()).toBe(0)
    copy.close()

    const restoredDir = join(dir, 'restored')
    expect(await restoreSqliteStore({ source: destination, dataDir: restoredDir })).toEqual({
      path: join(restoredDir, DEFAULT_DATABASE_FILE),
      documents: 120,
      bytes: report.bytes,
      schemaVersion: SCHEMA_VERSION,
    })
    const restored = await open(restoredDir)
    expect((await restored.settings()).journalMode).toBe('wal')
    expect(await restored.load('doc/7')).toEqual({ snapshot: null, updates: [new Uint8Array(3000)] })
    expect(await restored.info('late/1')).toBeNull()
  })

  it('refuses to back up over the database itself, or a data directory without one', async () => {
    await open()
    const live = join(dataDir, DEFAULT_DATABASE_FILE)
    await expect(backupSqliteStore({ dataDir, destination: live })).rejects.toThrow(
      `${live} is the database being backed up; write the backup to another file.`,
    )
    const empty = join(dir, 'empty')
    await expect(backupSqliteStore({ dataDir: empty, destination: join(dir, 'b.sqlite') })).rejects.toThrow(
      `There is no Tandem database in ${empty} (no tandem.sqlite there); pass the data directory Tandem serves.`,
    )
  })

  it('refuses to restore a backup written by a newer schema, saying what to do, and writes nothing', async () => {
    await (await open()).append([{ name: 'doc', update: Uint8Array.of(1) }])
    const source = join(dir, 'newer.sqlite')
    await backupSqliteStore({ dataDir, destination: source })
    const raw = new Database(source)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()

    const target = join(dir, 'target')
    await expect(restoreSqliteStore({ source, dataDir: target })).rejects.toThrow(
      `${source} was written by a newer version of Tandem (schema version ${SCHEMA_VERSION + 1}; this one knows ` +
        `versions up to ${SCHEMA_VERSION}); restore it with the Tandem that wrote it, or upgrade this one.`,
    )
    expect(existsSync(target)).toBe(false)
  })

  it("refuses a SQLite database that is not Tandem's, and a directory that is not empty, naming what is there", async () => {
    const other = join(dir, 'other.sqlite')
    const raw = new Database(other)
    raw.exec('CREATE TABLE notes (body TEXT)')
    raw.close()
    await expect(restoreSqliteStore({ source: other, dataDir: join(dir, 'a') })).rejects.toThrow(
      `${other} is a SQLite database, but not one of Tandem's (it has no Tandem schema); pass a file made by ` +
        'tandem backup.',
    )

    await (await open()).append([{ name: 'doc', update: Uint8Array.of(1) }])
    const source = join(dir, 'good.sqlite')
    await backupSqliteStore({ dataDir, destination: source })
    const busy = join(dir, 'busy')
    await mkdir(busy)
    await writeFile(join(busy, 'b.txt'), '')
    await writeFile(join(busy, 'a.txt'), '')
    await expect(restoreSqliteStore({ source, dataDir: busy })).rejects.toThrow(
      `The data directory ${busy} is not empty: it holds a.txt and 1 more. Restore into an empty directory`,
    )
    expect(existsSync(join(busy, DEFAULT_DATABASE_FILE))).toBe(false)
  })
})
