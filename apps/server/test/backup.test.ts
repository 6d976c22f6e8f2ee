/**
 * `tandem backup` and `tandem restore` as an operator runs them: the real CLI processes, next to a real server
 * on a real SQLite file while people edit. A restored data directory holds every edit acknowledged as saved
 * before the backup began, and a fresh server serves it.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backupSqliteStore, openSqliteStore, SCHEMA_VERSION } from '@tandem/store-sqlite'
import {
  connectClient,
  startTandem,
  storedText,
  type TandemProcess,
  type TestClient,
  waitFor,
} from '@tandem/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './support/cli-process.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-backup-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}
async function tandem(options?: Parameters<typeof startTandem>[0]): Promise<TandemProcess> {
  const server = await startTandem(options)
  cleanups.push(() => server.dispose())
  return server
}
function client(url: string, room: string): TestClient {
  const c = connectClient(url, room, { saved: true })
  cleanups.push(() => c.destroy())
  return c
}

describe('tandem backup and tandem restore', () => {
  it('back up while people edit; the restored directory holds every edit saved before the backup began', async () => {
    const dir = await tempDir()
    const server = await tandem()
    const rooms = ['backup/a', 'backup/b']
    const typists = [0, 1, 2, 3].map((id) => {
      const room = rooms[id % rooms.length] as string
      return { id, room, client: client(server.url, room), markers: [] as { text: string; sentCount: number }[] }
    })
    await Promise.all(typists.map((t) => t.client.synced()))

    // Each marker with the count of changes this connection had sent once it was out; markers go at a marker
    // boundary so that concurrent inserts never split one.
    let typing = true
    const typing$ = typists.map(async (t) => {
      for (let n = 0; typing; n++) {
        const content = t.client.text.toString()
        const boundaries = [0, ...[...content.matchAll(/;/g)].map((m) => (m.index as number) + 1)]
        const marker = `t${t.id}-${n};`
        t.client.text.insert(boundaries[n % boundaries.length] as number, marker)
        t.markers.push({ text: marker, sentCount: t.client.saves.sent })
        await new Promise((resolve) => setTimeout(resolve, 5 + (n % 3) * 5))
      }
    })
    await waitFor(() => typists.every((t) => t.client.saves.acknowledged >= 10), 'edits to be acknowledged as saved')

    // Everything acknowledged now was committed before the backup process even started.
    const savedBefore = typists.flatMap((t) =>
      t.markers.filter((m) => m.sentCount <= t.client.saves.acknowledged).map((m) => ({ room: t.room, text: m.text })),
    )
    const acknowledgedAtStart = typists.map((t) => t.client.saves.acknowledged)
    const file = join(dir, 'tandem-backup.sqlite')
    const backup = await runCli(['backup', file, '--data-dir', server.dataDir])
    // The server kept committing and acknowledging while the backup ran.
    expect(typists.every((t, i) => t.client.saves.acknowledged > (acknowledgedAtStart[i] as number))).toBe(true)
    typing = false
    await Promise.all(typing$)

    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    const bytes = (await stat(file)).size
    expect(backup.stdout).toBe(
      `Backed up 2 documents (${bytes} bytes, schema version ${SCHEMA_VERSION}) from ${server.dataDir} to ${file}.\n`,
    )
    expect(existsSync(`${file}-wal`)).toBe(false)

    const restoredDir = join(dir, 'restored')
    const restore = await runCli(['restore', file, '--data-dir', restoredDir])
    expect(restore.stderr).toBe('')
    expect(restore.code).toBe(0)
    expect(restore.stdout).toBe(
      `Restored 2 documents (${bytes} bytes, schema version ${SCHEMA_VERSION}) from ${file} to ` +
        `${join(restoredDir, 'tandem.sqlite')}. Start Tandem with --data-dir ${restoredDir}.\n`,
    )
    const restored = new Map<string, string>()
    for (const room of rooms) restored.set(room, await storedText(restoredDir, room))
    expect(savedBefore.length).toBeGreaterThanOrEqual(30)
    expect(savedBefore.filter((m) => !restored.get(m.room)?.includes(m.text))).toEqual([])

    // A fresh server on the restored directory serves exactly what it holds.
    const fresh = await tandem({ dataDir: restoredDir })
    for (const room of rooms) {
      const response = await fetch(`${fresh.httpUrl}/api/docs/${encodeURIComponent(room)}/text`)
      expect(await response.text()).toBe(restored.get(room))
    }
  })

  it('refuses to overwrite a file without --force, to restore into a non-empty directory, or a file that is no database', async () => {
    const dir = await tempDir()
    const dataDir = join(dir, 'data')
    const store = await openSqliteStore({ dataDir })
    await store.append([{ name: 'doc', update: Uint8Array.of(0, 0) }])
    await store.close()
    const good = join(dir, 'good.sqlite')
    await backupSqliteStore({ dataDir, destination: good })

    const existing = join(dir, 'existing.sqlite')
    await writeFile(existing, 'an older backup')
    const busy = join(dir, 'busy')
    await mkdir(busy)
    await writeFile(join(busy, 'notes.txt'), 'keep me')
    const notes = join(dir, 'notes.txt')
    await writeFile(notes, 'These are my notes, not a database.\n'.repeat(40))
    const fresh = join(dir, 'fresh')

    const [overwrite, intoBusy, notDatabase] = await Promise.all([
      runCli(['backup', existing, '--data-dir', dataDir]),
      runCli(['restore', good, '--data-dir', busy]),
      runCli(['restore', notes, '--data-dir', fresh]),
    ])
    expect(overwrite).toEqual({
      code: 1,
      stdout: '',
      stderr: `tandem backup: ${existing} already exists; choose another file, or pass --force to replace it.\n`,
    })
    expect(await readFile(existing, 'utf8')).toBe('an older backup')
    expect(intoBusy).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `tandem restore: The data directory ${busy} is not empty: it holds notes.txt. Restore into an empty ` +
        'directory, or move what is in this one elsewhere first.\n',
    })
    expect(existsSync(join(busy, 'tandem.sqlite'))).toBe(false)
    expect(notDatabase).toEqual({
      code: 1,
      stdout: '',
      stderr: `tandem restore: ${notes} is not a SQLite database; pass a file made by tandem backup.\n`,
    })
    expect(existsSync(fresh)).toBe(false)
  })
})
