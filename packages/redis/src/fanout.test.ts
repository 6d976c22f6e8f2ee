import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type DocStore,
  type ErrorKind,
  MemoryStore,
  noMetrics,
  type StoreEntry,
  type SyncMetrics,
  SyncServer,
} from '@tandem/server'
import { attachSyncServer } from '@tandem/server-koa'
import { type RedisServer, startRedis, useTestClients, waitFor } from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openRedisBus } from './redis-bus.js'

// Two sync servers in this process, each with its own Redis connections, sharing one store: two instances.
let redis: RedisServer
const closers: (() => Promise<unknown>)[] = []
const { connect } = useTestClients()

beforeAll(async () => {
  redis = await startRedis()
})

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

afterAll(async () => {
  await redis?.stop()
})

/** A view of a shared store that counts what one instance appended. */
function countingStore(shared: DocStore): DocStore & { appended: StoreEntry[] } {
  const appended: StoreEntry[] = []
  return {
    appended,
    load: (name) => shared.load(name),
    append: async (entries) => {
      await shared.append(entries)
      appended.push(...entries)
    },
    compact: (name, state) => shared.compact(name, state),
    quarantine: (name, entries) => shared.quarantine(name, entries),
    quarantined: (name) => shared.quarantined(name),
    list: (options) => shared.list(options),
    info: (name) => shared.info(name),
    resolve: (name) => shared.resolve(name),
    rename: (from, to) => shared.rename(from, to),
    create: (name, state, meta) => shared.create(name, state, meta),
    trash: (name, by) => shared.trash(name, by),
    restore: (name) => shared.restore(name),
    purge: (name) => shared.purge(name),
    purgeTrashed: (before) => shared.purgeTrashed(before),
    check: () => shared.check(),
    // The shared store outlives each instance.
    close: async () => {},
  }
}

async function instance(
  store: DocStore,
  options: { commitDelay?: number; peerCommitTimeout?: number; metrics?: SyncMetrics } = {},
) {
  const sync = new SyncServer({ store, bus: await openRedisBus({ url: redis.url }), unloadDelay: 60_000, ...options })
  const server = createServer()
  const endpoint = attachSyncServer(server, sync)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(async () => {
    endpoint.close()
    await sync.close()
    server.close()
  })
  return { sync, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function textOf(stored: Awaited<ReturnType<DocStore['load']>>): string {
  const doc = new Y.Doc()
  if (stored?.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update)
  return doc.getText('content').toString()
}

describe('instances sharing documents over Redis', () => {
  it('an instance loading a document gets from its peers what they hold but have not stored yet', async () => {
    const shared = new MemoryStore()
    // The first instance commits only after a minute: its edits are in its memory, not in storage.
    const a = await instance(countingStore(shared), { commitDelay: 60_000 })
    const b = await instance(countingStore(shared))
    const writer = connect(a.url, 'notes')
    await writer.synced()
    writer.text.insert(0, 'not stored yet')
    await waitFor(() => a.sync.documentCount === 1, 'the document to be loaded on the first instance')
    expect(await shared.load('notes')).toBeNull()

    const reader = connect(b.url, 'notes')
    await reader.synced()
    await waitFor(() => reader.text.toString() === 'not stored yet', 'the reader to get the unstored edit')
  })

  it('stores an update whose sender never says it stored it, once the peer commit timeout passes', async () => {
    const shared = new MemoryStore()
    const storeA = countingStore(shared)
    const storeB = countingStore(shared)
    // The sender never commits in this test's time (it may as well have died).
    const a = await instance(storeA, { commitDelay: 60_000 })
    const b = await instance(storeB, { peerCommitTimeout: 300 })
    const [writer, reader] = [connect(a.url, 'orphan'), connect(b.url, 'orphan')]
    await Promise.all([writer.synced(), reader.synced()])
    writer.text.insert(0, 'kept by the peer')
    await waitFor(() => reader.text.toString() === 'kept by the peer', 'the reader to see the edit')
    expect(storeB.appended).toEqual([])
    await waitFor(async () => textOf(await shared.load('orphan')) === 'kept by the peer', 'the peer to store it')
    expect(storeA.appended).toEqual([])
  })

  it('does not store a peer update again once the peer says it stored it', async () => {
    const shared = new MemoryStore()
    const errors: ErrorKind[] = []
    const a = await instance(countingStore(shared))
    // Longer than the sender's wait before it sends a standalone "committed" (250 ms), so the notice comes first.
    const b = await instance(countingStore(shared), {
      peerCommitTimeout: 1000,
      metrics: { ...noMetrics, error: (kind) => errors.push(kind) },
    })
    const [writer, reader] = [connect(a.url, 'confirmed'), connect(b.url, 'confirmed')]
    await Promise.all([writer.synced(), reader.synced()])
    for (let i = 0; i < 20; i++) writer.text.insert(writer.text.length, `${i} `)
    await waitFor(() => reader.text.length === writer.text.length, 'the reader to see every edit')
    await waitFor(async () => textOf(await shared.load('confirmed')) === writer.text.toString(), 'A to store them')
    // Well past the peer commit timeout, the reader's instance had no update left unconfirmed to store.
    // (It may store content it got in the catch-up when it joined: that is stored on receipt, by design.)
    const deadline = Date.now() + 2500
    await waitFor(() => errors.length > 0 || Date.now() > deadline, 'the peer commit timeout to pass')
    expect(errors).toEqual([])
  })
})
