/**
 * Scale-out in the core: two sync servers in this process on one store, linked by an in-memory bus instead of
 * Redis. Each stores its own members' changes; an instance holds another's until that one says it stored them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  type DocStore,
  type ErrorKind,
  MemoryBusNetwork,
  MemoryStore,
  noMetrics,
  type StoreEntry,
  SyncServer,
  type SyncServerOptions,
} from '../src/index.js'
import { MemoryClient, storedText, until } from './memory-transport.js'

const servers: SyncServer[] = []
const clients: MemoryClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await Promise.all(servers.splice(0).map((sync) => sync.close()))
})

/** A view of a shared store that records what one instance appended, and outlives it. */
function instanceStore(shared: MemoryStore): DocStore & { appended: StoreEntry[] } {
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
    close: async () => {},
  }
}

function instance(network: MemoryBusNetwork, store: DocStore, options: SyncServerOptions = {}) {
  const sync = new SyncServer({ store, bus: network.bus(), unloadDelay: 60_000, commitDelay: 5, ...options })
  servers.push(sync)
  return sync
}

async function join(sync: SyncServer, name: string) {
  const client = new MemoryClient()
  clients.push(client)
  await client.connect(sync, name)
  await until(() => client.synced, `${name} to sync`)
  return client
}

describe('instances linked by a bus', () => {
  it('relay each other’s changes and presence, and each stores only its own members’ changes', async () => {
    const network = new MemoryBusNetwork()
    const shared = new MemoryStore()
    const [storeA, storeB] = [instanceStore(shared), instanceStore(shared)]
    const errors: ErrorKind[] = []
    const a = instance(network, storeA)
    // B stores A's change itself if A says nothing of it for 3 s; A says it stored it 250 ms after its commit. The
    // margin is for a loaded machine: with 600 ms, A's notice once came too late.
    const b = instance(network, storeB, {
      peerCommitTimeout: 3000,
      metrics: { ...noMetrics, error: (kind) => errors.push(kind) },
    })
    const [ada, grace] = [await join(a, 'notes'), await join(b, 'notes')]
    ada.type('from A')
    await until(() => grace.text === 'from A', 'B’s member to see A’s change')
    grace.awareness.setLocalStateField('user', { name: 'Grace' })
    await until(
      () => (ada.awareness.getStates().get(grace.doc.clientID) as { user?: { name: string } })?.user?.name === 'Grace',
      'A’s member to see Grace',
    )
    await until(async () => (await storedText(shared, 'notes')) === 'from A', 'A to store its change')
    // Well past B's timeout, B had nothing left to store: A's notice came first.
    const deadline = Date.now() + 3500
    await until(() => Date.now() > deadline, 'the peer commit timeout to pass')
    expect(storeA.appended.length).toBeGreaterThan(0)
    expect(storeB.appended).toEqual([])
    expect(errors).toEqual([])
  })

  it('an instance that joins late gets what another holds and has not stored yet', async () => {
    const network = new MemoryBusNetwork()
    const shared = new MemoryStore()
    // A commits only after a minute: its change is in its memory, not in storage.
    const a = instance(network, instanceStore(shared), { commitDelay: 60_000 })
    const b = instance(network, instanceStore(shared))
    const writer = await join(a, 'late')
    writer.type('not stored yet')
    await until(() => a.documentCount === 1, 'A to hold the document')
    expect(await shared.load('late')).toBeNull()
    const reader = await join(b, 'late')
    await until(() => reader.text === 'not stored yet', 'B’s member to get the unstored change')
  })

  it('stores a change whose sender never says it stored it, after the peer commit timeout', async () => {
    const network = new MemoryBusNetwork()
    const shared = new MemoryStore()
    const [storeA, storeB] = [instanceStore(shared), instanceStore(shared)]
    const a = instance(network, storeA, { commitDelay: 60_000 })
    const b = instance(network, storeB, { peerCommitTimeout: 200 })
    const [writer, reader] = [await join(a, 'orphan'), await join(b, 'orphan')]
    writer.type('kept by the peer')
    await until(() => reader.text === 'kept by the peer', 'B’s member to see the change')
    await until(async () => (await storedText(shared, 'orphan')) === 'kept by the peer', 'B to store it')
    expect(storeA.appended).toEqual([])
  })

  it('catches up after the bus was down', async () => {
    const network = new MemoryBusNetwork()
    const shared = new MemoryStore()
    const a = instance(network, instanceStore(shared))
    const b = instance(network, instanceStore(shared))
    const [ada, grace] = [await join(a, 'outage'), await join(b, 'outage')]
    network.setConnected(false)
    ada.type('said while the bus was down')
    await until(async () => (await storedText(shared, 'outage')) === 'said while the bus was down', 'A to store it')
    expect(grace.text).toBe('')
    network.setConnected(true)
    await until(() => grace.text === 'said while the bus was down', 'B to catch up')
  })
})
