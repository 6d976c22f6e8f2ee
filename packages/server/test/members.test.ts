/**
 * The sync core over a transport that is not a WebSocket (see memory-transport.ts): members of one room
 * converge, presence reaches everyone, and a saved acknowledgement comes only once storage holds the change.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SyncServer } from '../src/index.js'
import { GatedStore, MemoryClient, storedText, until } from './memory-transport.js'

const servers: SyncServer[] = []
const clients: MemoryClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await Promise.all(servers.splice(0).map((sync) => sync.close()))
})

async function join(sync: SyncServer, name: string, saved = false) {
  const client = new MemoryClient()
  clients.push(client)
  await client.connect(sync, name, { saved })
  await until(() => client.synced, `${name} to sync`)
  return client
}

describe('members over an in-memory transport', () => {
  it('converge, and see each other’s presence', async () => {
    const sync = new SyncServer({ commitDelay: 5 })
    servers.push(sync)
    const [ada, grace] = [await join(sync, 'pair'), await join(sync, 'pair')]
    ada.type('Hello')
    grace.type(', world')
    await until(() => ada.text === grace.text && ada.text.length === 12, 'both to hold both edits')
    ada.awareness.setLocalStateField('user', { name: 'Ada' })
    await until(() => grace.awareness.getStates().has(ada.doc.clientID), 'Grace to see Ada')
    expect(grace.awareness.getStates().get(ada.doc.clientID)).toEqual({ user: { name: 'Ada' } })
  })

  it('are told "saved" only once storage holds their change', async () => {
    const store = new GatedStore()
    const sync = new SyncServer({ store, commitDelay: 5 })
    servers.push(sync)
    const writer = await join(sync, 'acked', true)
    await until(() => writer.savedCount === writer.sent, 'the sync to be acknowledged')
    store.hold()
    writer.type('durable')
    const sent = writer.sent
    // The commit has started and waits at the gate: an acknowledgement sent before it would have arrived by now.
    await until(() => store.waiting > 0, 'the commit to reach storage')
    expect(await sync.getText('acked')).toBe('durable')
    expect(writer.savedCount).toBeLessThan(sent)
    expect(await storedText(store, 'acked')).toBe('')
    store.open()
    await until(() => writer.savedCount === sent, 'the saved acknowledgement')
    expect(await storedText(store, 'acked')).toBe('durable')
  })
})
