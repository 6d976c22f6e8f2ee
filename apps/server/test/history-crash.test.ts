/**
 * History under kill -9, on SQLite and on PostgreSQL: a real server process, writers getting saved
 * acknowledgements while automatic versions are taken (every second) and the log is compacted into author spans
 * (every 20 entries), killed with SIGKILL and restarted on the same storage, round after round. After each kill,
 * storage holds every acknowledged edit, and its history loads: every version stored opens, and every character of
 * the text has its author.
 */
import { type DocStore, type HistoryStore, SyncServer } from '@tandem/server'
import { openPostgresStore } from '@tandem/store-postgres'
import { openSqliteStore } from '@tandem/store-sqlite'
import {
  connectClient,
  type PostgresServer,
  startPostgres,
  startTandem,
  type TandemProcess,
  type TestClient,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

const ROOM = 'crash/history'
const ROUNDS = 3
const TOOK_VERSION = 'took an automatic version'
/** Versions every second while typing goes on, and compactions every 20 log entries: both run all the time. */
const HISTORY_ARGS = ['--version-pause', '1s', '--version-max', '1s', '--compact-after', '20']

type Store = DocStore & HistoryStore

const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let postgres: PostgresServer | undefined
afterAll(async () => {
  await postgres?.stop()
})

/** A marker a writer typed, with the connection's save tracker and its count of sent changes once it was out. */
interface Marker {
  readonly text: string
  readonly saves: TestClient['saves']
  readonly sentCount: number
}

/**
 * Three writers typing markers (at marker boundaries, so none splits another) into {@link ROOM} until `stop()`,
 * through every kill and restart: offline, their edits wait for the reconnection.
 */
function startWriters(url: string) {
  const markers: Marker[] = []
  let typing = true
  const clients = [0, 1, 2].map(() => connectClient(url, ROOM, { saved: true }))
  cleanups.push(() => {
    for (const client of clients) client.destroy()
  })
  const typists = clients.map(async (client, c) => {
    await client.synced(20_000)
    for (let n = 0; typing; n++) {
      const content = client.text.toString()
      const boundaries = [0, ...[...content.matchAll(/;/g)].map((match) => (match.index as number) + 1)]
      const saves = client.saves
      const sentBefore = saves.sent
      client.text.insert(boundaries[Math.floor(Math.random() * boundaries.length)] as number, `w${c}-${n};`)
      // An edit made after the connection closed is not sent on it: no acknowledgement on it can cover the edit.
      const sentCount = saves.sent > sentBefore ? saves.sent : Number.POSITIVE_INFINITY
      markers.push({ text: `w${c}-${n};`, saves, sentCount })
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 10))
    }
  })
  return {
    /** The markers acknowledged as saved so far. */
    acknowledged: () => markers.filter((marker) => marker.sentCount <= marker.saves.acknowledged),
    stop: async () => {
      typing = false
      await Promise.all(typists)
    },
  }
}

/**
 * Rounds of: typing while versions are taken and the log is compacted, kill -9, then checks on what storage holds
 * (through `open`, while the server is down), then a restart on the same storage.
 */
async function crashRounds(server: TandemProcess, open: () => Promise<Store>): Promise<void> {
  const writers = startWriters(server.url)
  cleanups.push(() => writers.stop())
  const tookVersions = () => server.logs.filter((line) => line.msg === TOOK_VERSION && line.doc === ROOM).length
  for (let round = 1; round <= ROUNDS; round++) {
    const versionsBefore = tookVersions()
    const acknowledgedBefore = writers.acknowledged().length
    await waitFor(
      () => tookVersions() > versionsBefore && writers.acknowledged().length >= acknowledgedBefore + 40,
      `round ${round}: a version taken and 40 more edits acknowledged`,
      30_000,
    )
    await server.kill()
    // Acknowledgements on the wire when the process died are still true: they are sent only after the commit.
    const acknowledged = writers.acknowledged().map((marker) => marker.text)
    await expectHistoryIntact(open, { acknowledged, versionsTaken: tookVersions(), round })
    await server.restart()
  }
}

/** What storage holds after a kill: every acknowledged edit, versions that open, and an author for every character. */
async function expectHistoryIntact(
  open: () => Promise<Store>,
  expected: { acknowledged: string[]; versionsTaken: number; round: number },
): Promise<void> {
  const store = await open()
  const stored = await store.load(ROOM)
  const doc = new Y.Doc()
  for (const update of [stored?.snapshot, ...(stored?.updates ?? [])]) if (update) Y.applyUpdate(doc, update)
  const text = doc.getText('content').toString()
  doc.destroy()
  expect(expected.acknowledged.filter((marker) => !text.includes(marker))).toEqual([])
  // Compaction ran and folded the log it deleted into spans.
  expect((await store.loadHistory(ROOM))?.spans.length).toBeGreaterThan(0)

  // Read through the sync core as the server would, on the same storage: it closes the store when done.
  const sync = new SyncServer({ store })
  try {
    const history = sync.history(ROOM)
    const versions = await history.versions()
    expect(versions.length).toBeGreaterThanOrEqual(expected.versionsTaken)
    // Writers only insert: each version's markers are in the next one's and in the text now.
    let earlier: string[] = []
    for (const version of versions) {
      const markers: string[] = (await history.textAt(version.id)).match(/w\d+-\d+;/g) ?? []
      expect(earlier.filter((marker) => !markers.includes(marker))).toEqual([])
      earlier = markers
    }
    expect(earlier.filter((marker) => !text.includes(marker))).toEqual([])
    const authorship = await history.authorship()
    expect(authorship.map((range) => range.text).join('')).toBe(text)
    expect(authorship.filter((range) => range.author === null).map((range) => range.text)).toEqual([])
  } finally {
    await sync.close()
  }
}

describe('history after kill -9 while versions are taken and the log is compacted', () => {
  it('on SQLite, keeps every acknowledged edit, and its versions and authors load, round after round', async () => {
    const server = await startTandem({ args: HISTORY_ARGS })
    cleanups.push(() => server.dispose())
    await crashRounds(server, () => openSqliteStore({ dataDir: server.dataDir }))
  }, 90_000)

  it('on PostgreSQL, keeps every acknowledged edit, and its versions and authors load, round after round', async () => {
    postgres = await startPostgres({ fsync: false })
    const url = await postgres.createSchema()
    const server = await startTandem({ args: ['--database-url', url, ...HISTORY_ARGS] })
    cleanups.push(() => server.dispose())
    await crashRounds(server, () => openPostgresStore({ url, poolSize: 2 }))
  }, 90_000)
})
