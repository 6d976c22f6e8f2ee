import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { VersionDraft } from '@tandem/server'
import { runAccessRecordsContract, runDocStoreContract, runHistoryStoreContract } from '@tandem/test-utils'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DEFAULT_DATABASE_FILE, openSqliteStore, SCHEMA_VERSION, SqliteStore } from './index.js'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
/** Turns a current database back into one of schema version 6, with each snapshot in its document's row. */
const snapshotsInRows = `ALTER TABLE documents ADD COLUMN snapshot BLOB;
  UPDATE documents SET snapshot = (SELECT data FROM snapshots s WHERE s.name = documents.name); DROP TABLE snapshots;`
/** Turns a current database back into one of schema version 5, before history was kept. */
const withoutHistory = `${snapshotsInRows} DROP TABLE versions; ALTER TABLE updates DROP COLUMN author; ALTER TABLE updates DROP COLUMN at;
  ALTER TABLE documents DROP COLUMN spans; ALTER TABLE documents DROP COLUMN last_version;
  ALTER TABLE documents DROP COLUMN history_size;`

runAccessRecordsContract('SqliteStore', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-sqlite-access-'))
  let current = await openSqliteStore({ dataDir })
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = await openSqliteStore({ dataDir })
      return current
    },
    cleanup: async () => {
      await current.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
})

runDocStoreContract('SqliteStore', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-sqlite-contract-'))
  let current = await openSqliteStore({ dataDir })
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = await openSqliteStore({ dataDir })
      return current
    },
    // A trigger added through a second connection makes SQLite itself abort the transaction on that row.
    rejectUpdatesOf: async (name) => {
      const raw = new Database(current.path)
      try {
        raw.exec(`CREATE TRIGGER reject_poison BEFORE INSERT ON updates WHEN NEW.name = '${name.replaceAll("'", "''")}'
          BEGIN SELECT RAISE(ABORT, 'poisoned update'); END`)
      } finally {
        raw.close()
      }
    },
    cleanup: async () => {
      await current.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
})

describe('SqliteStore', () => {
  let dir: string
  let path: string
  const opened: SqliteStore[] = []

  async function open(options: { busyTimeoutMs?: number } = {}): Promise<SqliteStore> {
    const store = await SqliteStore.open({ path, ...options })
    opened.push(store)
    return store
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-sqlite-'))
    path = join(dir, DEFAULT_DATABASE_FILE)
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('runs in WAL mode with synchronous = FULL, a busy timeout and foreign keys, also when reopening a WAL file', async () => {
    const first = await open()
    expect(await first.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 'FULL',
      busyTimeoutMs: 5000,
      foreignKeys: true,
      schemaVersion: SCHEMA_VERSION,
    })
    await first.close()

    // A fresh connection to a file already in WAL mode starts at synchronous = NORMAL in this SQLite build; the
    // store must raise it again.
    const raw = new Database(path)
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(raw.pragma('synchronous', { simple: true })).toBe(1)
    raw.close()

    const second = await open({ busyTimeoutMs: 250 })
    expect(await second.settings()).toMatchObject({ journalMode: 'wal', synchronous: 'FULL', busyTimeoutMs: 250 })
  })

  it('creates the data directory and the default file inside it', async () => {
    const dataDir = join(dir, 'nested', 'data')
    const store = await openSqliteStore({ dataDir })
    opened.push(store)

    expect(store.path).toBe(join(dataDir, 'tandem.sqlite'))
    expect(existsSync(join(dataDir, 'tandem.sqlite'))).toBe(true)
    expect((await store.settings()).schemaVersion).toBe(SCHEMA_VERSION)
  })

  it('keeps the stored size equal to the bytes of the snapshot and log rows', async () => {
    const store = await open()
    await store.append([
      { name: 'a', update: new Uint8Array(3) },
      { name: 'b', update: new Uint8Array(40) },
    ])
    await store.compact('a', new Uint8Array(11))
    await store.append([
      { name: 'a', update: new Uint8Array(2) },
      { name: 'b', update: new Uint8Array(1) },
    ])

    const raw = new Database(path, { readonly: true })
    const rows = raw
      .prepare(
        `SELECT name, size,
           COALESCE((SELECT length(data) FROM snapshots s WHERE s.name = d.name), 0) + (SELECT COALESCE(SUM(length(data)), 0) FROM updates u WHERE u.name = d.name)
             AS actual
         FROM documents d ORDER BY name`,
      )
      .all()
    raw.close()
    expect(rows).toEqual([
      { name: 'a', size: 13, actual: 13 },
      { name: 'b', size: 41, actual: 41 },
    ])
  })

  it('rejects a batch with an invalid entry before writing any of it, saying what to pass', async () => {
    const store = await open()
    const good = { name: 'doc', update: Uint8Array.of(1) }

    await expect(store.append([good, { name: '', update: Uint8Array.of(2) }])).rejects.toThrow(
      "SqliteStore.append (entry 1) got an empty string as a document name; pass the document's name as a non-empty string.",
    )
    await expect(store.append([good, { name: 'doc', update: 'text' as unknown as Uint8Array }])).rejects.toThrow(
      'SqliteStore got a string as the update of entry 1 (document "doc"); pass the Yjs update as a Uint8Array',
    )
    await expect(store.compact('doc', [1, 2] as unknown as Uint8Array)).rejects.toThrow(
      'SqliteStore got an array as the state passed to compact for document "doc"; pass the Yjs update as a Uint8Array',
    )
    await expect(store.load('')).rejects.toThrow('SqliteStore.load got an empty string as a document name')
    await expect(
      store.quarantine('doc', [
        { update: Uint8Array.of(1), reason: 'refused' },
        { update: 'text' as unknown as Uint8Array, reason: 'refused' },
      ]),
    ).rejects.toThrow(
      'SqliteStore got a string as the update of quarantined entry 1 (document "doc"); pass the Yjs update as a Uint8Array',
    )
    await expect(
      store.quarantine('doc', [{ update: Uint8Array.of(1), reason: undefined as unknown as string }]),
    ).rejects.toThrow('SqliteStore.quarantine got no reason for entry 0 (document "doc"); pass a sentence saying why')
    expect(await store.quarantined('doc')).toEqual([])
    await expect(store.append([good, { ...good, at: new Date(Number.NaN) }])).rejects.toThrow(
      'SqliteStore.append got an instance of Date as the time of entry 1 (document "doc"); pass a valid Date or leave it out.',
    )
    const version = {
      kind: 'named',
      label: 7,
      by: null,
      at: new Date(),
      snapshot: Uint8Array.of(0, 0),
      authors: [],
      inserted: 0,
      deleted: 0,
      restoredFrom: null,
    } as const
    await expect(store.addVersion('doc', version as unknown as VersionDraft)).rejects.toThrow(
      'SqliteStore.addVersion got a version of "doc" that is not valid: its label must be a string or null.',
    )

    expect(await store.list()).toEqual([])
  })

  it('refuses a database written by a newer schema version, naming both versions, and leaves it untouched', async () => {
    await (await open()).close()
    const raw = new Database(path)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()

    const refusal = SqliteStore.open({ path })
    await expect(refusal).rejects.toThrow(
      `Cannot open the SQLite database at ${path}: its schema version is ${SCHEMA_VERSION + 1}, but this version ` +
        `of @tandem/store-sqlite only knows versions up to ${SCHEMA_VERSION}; upgrade Tandem to open it, or point ` +
        'it at another data directory.',
    )

    const check = new Database(path, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1)
    check.close()
  })

  it('migrates idempotently: reopening a current database keeps its schema version and data', async () => {
    const store = await open()
    await store.append([{ name: 'doc', update: Uint8Array.of(7) }])
    await store.close()

    const again = await open()
    expect((await again.settings()).schemaVersion).toBe(SCHEMA_VERSION)
    expect(await again.load('doc')).toEqual({ snapshot: null, updates: [Uint8Array.of(7)] })
  })

  it('migrates a version 1 database to add the quarantine, titles, the trash and old names, keeping its documents', async () => {
    const store = await open()
    await store.append([{ name: 'doc', update: Uint8Array.of(7) }])
    await store.compact('doc', Uint8Array.of(8))
    await store.close()
    // Version 1 is the current version without the quarantine table and everything added after it.
    const raw = new Database(path)
    raw.exec(`${withoutHistory} DROP TABLE quarantine; DROP TABLE aliases; DROP INDEX documents_in_trash;
      DROP TABLE share_links; DROP TABLE revocations;
      ALTER TABLE documents DROP COLUMN title; ALTER TABLE documents DROP COLUMN updated_by;
      ALTER TABLE documents DROP COLUMN deleted_at; ALTER TABLE documents DROP COLUMN deleted_by;`)
    raw.pragma('user_version = 1')
    raw.close()

    const migrated = await open()
    expect((await migrated.settings()).schemaVersion).toBe(SCHEMA_VERSION)
    expect(await migrated.load('doc')).toEqual({ snapshot: Uint8Array.of(8), updates: [] })
    expect(await migrated.info('doc')).toMatchObject({ title: null, updatedBy: null, deletedAt: null })
    await migrated.quarantine('doc', [{ update: Uint8Array.of(9), reason: 'refused' }])
    expect((await migrated.quarantined('doc')).map(({ update, reason }) => ({ update, reason }))).toEqual([
      { update: Uint8Array.of(9), reason: 'refused' },
    ])
    await migrated.rename('doc', 'renamed')
    expect(await migrated.resolve('doc')).toBe('renamed')
    expect((await migrated.quarantined('renamed')).length).toBe(1)
  })

  it('migrates a version 4 database: the revocation of a recorded link learns when the link expires', async () => {
    const store = await open()
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000)
    const link = { document: 'doc', access: 'read', label: null, createdBy: 'alice', createdAt: new Date() } as const
    await store.recordLink({ ...link, id: 'a-link', expiresAt })
    await store.revoke('a-link')
    await store.revoke('a-token')
    await store.close()
    // Version 4 is the current version without the revocations' expiry.
    const raw = new Database(path)
    raw.exec(`${withoutHistory} DROP INDEX revocations_by_expiry; ALTER TABLE revocations DROP COLUMN expires_at`)
    raw.pragma('user_version = 4')
    raw.close()

    const migrated = await open()
    expect((await migrated.settings()).schemaVersion).toBe(SCHEMA_VERSION)
    const reader = new Database(path, { readonly: true })
    try {
      expect(reader.prepare('SELECT id, kind, expires_at FROM revocations ORDER BY id').all()).toEqual([
        { id: 'a-link', kind: 'link', expires_at: expiresAt.getTime() },
        { id: 'a-token', kind: 'token', expires_at: null },
      ])
    } finally {
      reader.close()
    }
    expect(await migrated.pruneRevocations(new Date(expiresAt.getTime() + 1))).toBe(1)
    expect((await migrated.revocationsSince(new Date(0))).map((r) => r.id)).toEqual(['a-token'])
  })

  it("migrates a version 5 database: its log rows have no author and their document's time, and compact", async () => {
    const store = await open()
    const writer = new Y.Doc()
    writer.getText('content').insert(0, 'before history')
    const update = Y.encodeStateAsUpdate(writer)
    await store.append([{ name: 'doc', update, author: { id: 'user:a', name: 'A', verified: true } }])
    const { updatedAt } = (await store.info('doc'))!
    await store.close()
    // Version 5 is the current version without history.
    const raw = new Database(path)
    raw.exec(withoutHistory)
    raw.pragma('user_version = 5')
    raw.close()

    const migrated = await open()
    expect((await migrated.settings()).schemaVersion).toBe(SCHEMA_VERSION)
    expect(await migrated.loadHistory('doc')).toEqual({ spans: [], changes: [{ update, author: null, at: updatedAt }] })
    expect((await migrated.info('doc'))?.historySize).toBe(0)
    await migrated.compact('doc', update)
    expect((await migrated.loadHistory('doc'))?.spans).toEqual([
      {
        author: null,
        from: updatedAt,
        to: updatedAt,
        inserted: [{ client: writer.clientID, clock: 0, length: 14 }],
        deleted: [],
      },
    ])
  })

  it('migrates a version 6 database: each snapshot moves into its own table, and goes with its document', async () => {
    const store = await open()
    await store.append([
      { name: 'compacted', update: Uint8Array.of(1) },
      { name: 'log-only', update: Uint8Array.of(2) },
    ])
    await store.compact('compacted', Uint8Array.of(3, 4))
    await store.close()
    const raw = new Database(path)
    raw.exec(snapshotsInRows)
    raw.pragma('user_version = 6')
    raw.close()

    const migrated = await open()
    expect((await migrated.settings()).schemaVersion).toBe(SCHEMA_VERSION)
    expect(await migrated.load('compacted')).toEqual({ snapshot: Uint8Array.of(3, 4), updates: [] })
    expect(await migrated.load('log-only')).toEqual({ snapshot: null, updates: [Uint8Array.of(2)] })
    expect((await migrated.info('compacted'))?.size).toBe(2)
    await migrated.append([{ name: 'compacted', update: Uint8Array.of(5) }])
    await migrated.rename('compacted', 'renamed')
    expect(await migrated.load('renamed')).toEqual({ snapshot: Uint8Array.of(3, 4), updates: [Uint8Array.of(5)] })
    await migrated.compact('log-only', Uint8Array.of(6))
    await migrated.purge('renamed')
    await migrated.close()
    const reader = new Database(path, { readonly: true })
    try {
      expect(reader.prepare('SELECT name, data FROM snapshots ORDER BY name').all()).toEqual([
        { name: 'log-only', data: Buffer.of(6) },
      ])
      const columns = reader.prepare<[], string>("SELECT name FROM pragma_table_info('documents')").pluck().all()
      expect(columns).not.toContain('snapshot')
    } finally {
      reader.close()
    }
  })

  it('rejects a file that is not a SQLite database, naming the path and the cause, without changing it', async () => {
    const text = 'These are my notes, not a database.\n'.repeat(40)
    await writeFile(path, text)

    await expect(SqliteStore.open({ path })).rejects.toThrow(
      `Cannot open the SQLite database at ${path}: file is not a database. Check that its directory exists`,
    )
    expect(await readFile(path, 'utf8')).toBe(text)
  })

  it('rejects a path whose directory does not exist, naming the path', async () => {
    const missing = join(dir, 'missing', 'tandem.sqlite')
    await expect(SqliteStore.open({ path: missing })).rejects.toThrow(
      `Cannot open the SQLite database at ${missing}: Cannot open database because the directory does not exist.`,
    )
  })

  it('rejects a data directory that cannot be created, naming it and the cause', async () => {
    const blocker = join(dir, 'a-file')
    await writeFile(blocker, 'not a directory')
    const dataDir = join(blocker, 'data')

    await expect(openSqliteStore({ dataDir })).rejects.toThrow(`Cannot create the data directory ${dataDir}: ENOTDIR`)
  })

  it('rejects every call after close with a sentence saying to open a new store', async () => {
    const store = await open()
    await store.close()
    await expect(store.close()).resolves.toBeUndefined()

    const message = `This SqliteStore (${path}) is closed; open a new one with SqliteStore.open().`
    await expect(store.load('doc')).rejects.toThrow(message)
    await expect(store.append([{ name: 'doc', update: Uint8Array.of(1) }])).rejects.toThrow(message)
    await expect(store.check()).rejects.toThrow(message)
  })

  it('keeps an update that append resolved for when the process is killed right after', async () => {
    const writer = new Y.Doc()
    writer.getText('content').insert(0, 'survives SIGKILL')
    const update = Y.encodeStateAsUpdate(writer)

    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(packageDir, 'test', 'fixtures', 'append-and-hang.ts'),
        path,
        'crash/doc',
        Buffer.from(update).toString('hex'),
      ],
      { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    await new Promise<void>((resolve, reject) => {
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('appended\n')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`The child exited (${code}) before appending:\n${stderr}`)))
    })

    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    // The child never closed its store: the commit is still in the WAL, not checkpointed into the main file.
    expect(existsSync(`${path}-wal`)).toBe(true)

    const store = await open()
    const stored = await store.load('crash/doc')
    expect(stored).toEqual({ snapshot: null, updates: [update] })
    const reader = new Y.Doc()
    for (const part of stored?.updates ?? []) Y.applyUpdate(reader, part)
    expect(reader.getText('content').toString()).toBe('survives SIGKILL')
  })
})

runHistoryStoreContract('SqliteStore', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-sqlite-history-'))
  let current = await openSqliteStore({ dataDir })
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = await openSqliteStore({ dataDir })
      return current
    },
    cleanup: async () => {
      await current.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
})
