import type { QuarantinedUpdate, QuarantineEntry } from '@tandem/server'
import { type PostgresServer, startPostgres } from '@tandem/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { COMPACTION_LOCK_CLASS } from './advisory-locks.js'
import { openPostgresStore, type PostgresStore } from './index.js'

// Nothing here crashes the server, so fsync = off changes no outcome (see durability.test.ts for crashes).
let server: PostgresServer
beforeAll(async () => {
  server = await startPostgres({ fsync: false })
})
afterAll(async () => {
  await server?.stop()
})

/** One server instance's view of a document: its own Y.Doc and store, and what it typed. */
interface Instance {
  readonly store: PostgresStore
  readonly doc: Y.Doc
  readonly typed: string[]
}

describe('PostgresStore compaction with several instances', () => {
  const opened: PostgresStore[] = []
  const clients: pg.Client[] = []
  let url: string

  async function instance(): Promise<Instance> {
    const store = await openPostgresStore({ url, poolSize: 4 })
    opened.push(store)
    return { store, doc: new Y.Doc(), typed: [] }
  }

  async function admin(): Promise<pg.Client> {
    const client = new pg.Client(url)
    await client.connect()
    clients.push(client)
    return client
  }

  /** Types `marker` into the instance's document and appends the resulting update, as a room does. */
  async function type(who: Instance, name: string, marker: string): Promise<void> {
    const updates: Uint8Array[] = []
    const record = (update: Uint8Array) => updates.push(update)
    who.doc.on('update', record)
    who.doc.getText('content').insert(0, `${marker} `)
    who.doc.off('update', record)
    await who.store.append(updates.map((update) => ({ name, update })))
    who.typed.push(marker)
  }

  async function storedText(store: PostgresStore, name: string): Promise<string> {
    const stored = await store.load(name)
    const doc = new Y.Doc()
    if (stored?.snapshot) Y.applyUpdate(doc, stored.snapshot)
    for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update)
    return doc.getText('content').toString()
  }

  async function actualSize(client: pg.Client, name: string): Promise<{ size: number; actual: number }> {
    const { rows } = await client.query<{ size: string; actual: string }>(
      `SELECT size, coalesce(octet_length(snapshot), 0)
         + (SELECT coalesce(sum(octet_length(data)), 0) FROM updates u WHERE u.name = d.name) AS actual
       FROM documents d WHERE name = $1`,
      [name],
    )
    return { size: Number(rows[0]?.size), actual: Number(rows[0]?.actual) }
  }

  beforeEach(async () => {
    url = await server.createSchema()
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    for (const client of clients.splice(0)) await client.end()
  })

  it('keeps every update when two instances compact one document at the same moment while a third appends', async () => {
    // The instances never exchange updates (no fan-out), the hardest case: each compacts with a state that lacks
    // everything the others typed.
    const [a, b, c] = await Promise.all([instance(), instance(), instance()])
    const rounds = 12
    for (let round = 0; round < rounds; round++) {
      await Promise.all([
        type(a, 'doc', `a${round}`).then(() => a.store.compact('doc', Y.encodeStateAsUpdate(a.doc))),
        type(b, 'doc', `b${round}`).then(() => b.store.compact('doc', Y.encodeStateAsUpdate(b.doc))),
        (async () => {
          for (let index = 0; index < 4; index++) await type(c, 'doc', `c${round}.${index}`)
        })(),
      ])
    }

    const words = (await storedText(a.store, 'doc')).trim().split(' ').sort()
    const expected = [...a.typed, ...b.typed, ...c.typed].sort()
    expect(expected).toHaveLength(rounds * 6)
    expect(words).toEqual(expected)
    const sizes = await actualSize(await admin(), 'doc')
    expect(sizes.size).toBe(sizes.actual)
    expect((await a.store.info('doc'))?.size).toBe(sizes.actual)
  })

  it('runs compactions of one document one at a time, while appends and other documents go on', async () => {
    const [a, b, c] = await Promise.all([instance(), instance(), instance()])
    await type(a, 'doc', 'from-a')
    await type(b, 'doc', 'from-b')
    const holder = await admin()
    await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [COMPACTION_LOCK_CLASS, 'doc'])

    const compactions = [
      a.store.compact('doc', Y.encodeStateAsUpdate(a.doc)),
      b.store.compact('doc', Y.encodeStateAsUpdate(b.doc)),
    ]
    await expect.poll(() => advisoryWaiters(holder), { timeout: 10_000 }).toBe(2)
    await type(c, 'doc', 'from-c')
    await type(c, 'other', 'elsewhere')
    await c.store.compact('other', Y.encodeStateAsUpdate(c.doc))
    expect(await advisoryWaiters(holder)).toBe(2)
    expect((await a.store.load('doc'))?.snapshot).toBeNull()

    await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [COMPACTION_LOCK_CLASS, 'doc'])
    await Promise.all(compactions)

    expect((await storedText(a.store, 'doc')).trim().split(' ').sort()).toEqual(['from-a', 'from-b', 'from-c'])
    expect(await a.store.load('doc')).toMatchObject({ updates: [] })
    expect(await storedText(a.store, 'other')).toBe('elsewhere from-c ')
  })

  it('writes the caller state byte for byte while one instance writes, and merges once another has', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await type(a, 'doc', 'one')
    const alone = Y.encodeStateAsUpdate(a.doc)
    await a.store.compact('doc', alone)
    expect(await a.store.load('doc')).toEqual({ snapshot: alone, updates: [] })

    await type(b, 'doc', 'two')
    await type(a, 'doc', 'three')
    const lacking = Y.encodeStateAsUpdate(a.doc)
    await a.store.compact('doc', lacking)

    const merged = await a.store.load('doc')
    expect(merged?.updates).toEqual([])
    expect(merged?.snapshot).not.toEqual(lacking)
    expect((await storedText(a.store, 'doc')).trim().split(' ').sort()).toEqual(['one', 'three', 'two'])
    // The merged snapshot holds another instance's edits, so it is merged again rather than trusted next time.
    await a.store.compact('doc', lacking)
    expect((await storedText(a.store, 'doc')).trim().split(' ').sort()).toEqual(['one', 'three', 'two'])
  })

  it('quarantines log rows that fail to merge, without their partial effects, instead of failing every compaction', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await type(a, 'doc', 'kept')
    const garbage = Uint8Array.of(1)
    // Yjs integrates this row's text before it fails on the truncated delete set that follows.
    const partial = truncatedDeleteSet(updateOf(new Y.Doc(), (doc) => doc.getText('content').insert(0, 'partial')))
    await b.store.append([
      { name: 'doc', update: garbage },
      { name: 'doc', update: partial },
    ])

    await a.store.compact('doc', Y.encodeStateAsUpdate(a.doc))

    expect(await a.store.load('doc')).toMatchObject({ updates: [] })
    expect(await storedText(a.store, 'doc')).toBe('kept ')
    expect(plain(await a.store.quarantined('doc'))).toEqual([
      {
        update: garbage,
        reason: 'log entry 2 of 3 (1 bytes) does not apply during compaction: Unexpected end of array',
      },
      {
        update: partial,
        reason: `log entry 3 of 3 (${partial.byteLength} bytes) does not apply during compaction: Unexpected end of array`,
      },
    ])
    const sizes = await actualSize(await admin(), 'doc')
    expect(sizes.size).toBe(sizes.actual)
  })

  it('never merges back the snapshot or a log row whose bytes the caller quarantined', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await type(b, 'doc', 'bad-snapshot')
    await b.store.compact('doc', Y.encodeStateAsUpdate(b.doc))
    await type(b, 'doc', 'bad-row')
    const bad = await a.store.load('doc')
    await type(a, 'doc', 'good')
    const refused = [
      { update: bad!.snapshot!, reason: 'snapshot is refused (test)' },
      { update: bad!.updates[0]!, reason: 'log entry 1 of 1 is refused (test)' },
    ]

    // As the server does: quarantine first, then compact with a state that leaves the refused parts out.
    await a.store.quarantine('doc', refused)
    await a.store.compact('doc', Y.encodeStateAsUpdate(a.doc))

    expect(await a.store.load('doc')).toMatchObject({ updates: [] })
    expect(await storedText(a.store, 'doc')).toBe('good ')
    expect(plain(await a.store.quarantined('doc'))).toEqual(
      refused.map(({ update, reason }) => ({ update: Uint8Array.from(update), reason })),
    )
  })

  it('drops content left pending by the merge, quarantining it, so it is not carried from snapshot to snapshot', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await type(a, 'doc', 'kept')
    const stranger = new Y.Doc()
    stranger.clientID = 999
    const missing = updateOf(stranger, (doc) => doc.getText('content').insert(0, 'x'))
    const dependent = updateOf(stranger, (doc) => doc.getText('content').insert(1, 'y'.repeat(64 * 1024)))
    await b.store.append([{ name: 'doc', update: dependent }])

    await a.store.compact('doc', Y.encodeStateAsUpdate(a.doc))

    const stored = await a.store.load('doc')
    expect(stored?.updates).toEqual([])
    const reader = new Y.Doc()
    Y.applyUpdate(reader, stored!.snapshot!)
    expect(reader.store.pendingStructs).toBeNull()
    expect(reader.getText('content').toString()).toBe('kept ')
    expect(stored!.snapshot!.byteLength).toBeLessThan(1024)
    const quarantined = await a.store.quarantined('doc')
    expect(quarantined.map(({ reason }) => reason)).toEqual([
      'pending content dropped during compaction: it needs client 999 clock 0, which no stored part holds',
    ])
    // The bytes are kept whole: with the update they were waiting for, they give back the text.
    const recovered = new Y.Doc()
    Y.applyUpdate(recovered, missing)
    Y.applyUpdate(recovered, quarantined[0]!.update)
    expect(recovered.getText('content').toString()).toBe(`x${'y'.repeat(64 * 1024)}`)
    const sizes = await actualSize(await admin(), 'doc')
    expect(sizes.size).toBe(sizes.actual)
  })

  it('rejects a state passed to compact that is not a Yjs update, changing nothing', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    await type(a, 'doc', 'kept')
    await type(b, 'doc', 'other')
    const before = await a.store.load('doc')

    await expect(a.store.compact('doc', Uint8Array.of(1))).rejects.toThrow(
      'Cannot compact document "doc": the state passed to compact (1 bytes) is not a Yjs update',
    )
    expect(await a.store.load('doc')).toEqual(before)
    expect(await a.store.quarantined('doc')).toEqual([])
  })
})

/** The update `change` makes to `doc`. */
function updateOf(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const updates: Uint8Array[] = []
  const record = (update: Uint8Array) => updates.push(update)
  doc.on('update', record)
  change(doc)
  doc.off('update', record)
  return Y.mergeUpdates(updates)
}

/** `update` (which deletes nothing) with a delete set cut short: one client announced, its ranges missing. */
function truncatedDeleteSet(update: Uint8Array): Uint8Array {
  expect(update.at(-1)).toBe(0)
  return Uint8Array.of(...update.subarray(0, -1), 1, 9, 3, 0)
}

function plain(entries: QuarantineEntry[]): QuarantinedUpdate[] {
  return entries.map(({ update, reason }) => ({ update: Uint8Array.from(update), reason }))
}

async function advisoryWaiters(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    "SELECT count(*)::integer AS count FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
  )
  return rows[0]!.count
}
