import { CloseCode, encodeQueryAwarenessMessage, encodeUpdateMessage } from '@tandem/protocol'
import { openRawClient, waitFor } from '@tandem/test-utils'
import { describe, expect, it } from 'vitest'
import { setup, updateWithGap } from './harness.js'

describe('persistence', () => {
  it('commits the updates that arrive together in one append', async () => {
    const { store, connect } = await setup({ commitDelay: 20 })
    const client = connect('batched', true)
    await client.synced()
    const before = store.appendCalls
    // 100 separate updates within one event-loop turn: one message each on the wire, and one commit in storage
    // unless the machine is so loaded that they straddle a commit window; never one commit per update.
    for (let i = 0; i < 100; i++) client.text.insert(client.text.length, `${i % 10}`)
    await waitFor(() => client.saves.sent >= 100 && client.saves.saved, 'the batch to be saved')
    expect(store.appendCalls - before).toBeLessThanOrEqual(3)
    const stored = await store.inner.load('batched')
    expect(stored?.updates).toHaveLength(100)
  })

  it('compacts a document into a snapshot once its log passes the threshold, keeping every change', async () => {
    const { store, connect } = await setup({ compactAfter: 10, commitDelay: 0 })
    const client = connect('compacted', true)
    await client.synced()
    for (let i = 0; i < 25; i++) {
      client.text.insert(client.text.length, `${i},`)
      await waitFor(() => client.saves.saved, `edit ${i} to be saved`)
    }
    const stored = await store.inner.load('compacted')
    expect(stored?.snapshot).not.toBeNull()
    expect(stored?.updates.length).toBeLessThan(10)
    expect(await store.storedText('compacted')).toBe(Array.from({ length: 25 }, (_, i) => `${i},`).join(''))
  })

  it('compacts at most one document per commit, the one with the longest log', async () => {
    const { store, sync, connect } = await setup({ compactAfter: 5, commitDelay: 0 })
    const names = ['even/a', 'even/b', 'even/c']
    const clients = names.map((name) => connect(name, true))
    const other = connect('even/other', true)
    await Promise.all([...clients, other].map((client) => client.synced()))
    const rooms = await Promise.all(names.map((name) => sync.openRoom(name)))
    try {
      // A commit held in flight, so that what follows is committed together once it is released.
      const release = store.holdAppends()
      other.text.insert(0, 'held')
      await waitFor(() => store.appendCalls === 1, 'a commit to be in flight')
      // Six updates to each document, one more to c: all three logs pass the threshold in the same commit.
      for (const client of clients) for (let i = 0; i < 6; i++) client.text.insert(0, `${i}`)
      clients[2]?.text.insert(0, '+')
      await waitFor(() => rooms.every((room, i) => room.log.appended === (i === 2 ? 7 : 6)), 'the server to have them')
      release()
      await waitFor(() => clients.every((client) => client.saves.saved), 'the edits to be saved')
      expect(store.appendCalls).toBe(2)
      expect(store.compactions.map((c) => c.name)).toEqual(['even/c'])
      // The others are compacted by the next commits that store their updates, one per commit.
      for (let round = 0; round < 3 && store.compactions.length < 3; round++) {
        for (const client of clients) client.text.insert(0, 'x')
        await waitFor(() => clients.every((client) => client.saves.saved), `round ${round} to be saved`)
      }
      expect(store.compactions.map((c) => c.name).sort()).toEqual(names)
      expect(new Set(store.compactions.map((c) => c.afterAppends)).size).toBe(3)
    } finally {
      for (const room of rooms) sync.releaseRoom(room)
    }
  })

  it('compacts a document when it unloads', async () => {
    const { store, sync, connect } = await setup({ unloadDelay: 0 })
    const client = connect('unloaded', true)
    await client.synced()
    client.text.insert(0, 'abc')
    client.text.insert(3, 'def')
    await waitFor(() => client.saves.saved, 'the edits to be saved')
    client.destroy()
    await waitFor(() => sync.documentCount === 0, 'the document to unload')
    const stored = await store.inner.load('unloaded')
    expect(stored?.updates).toHaveLength(0)
    expect(await store.storedText('unloaded')).toBe('abcdef')
  })

  it('stores only what the document produced: a rejected update leaves it loadable and unchanged', async () => {
    const { store, sync, url, connect } = await setup({ unloadDelay: 0 })
    const writer = connect('poison', true)
    await writer.synced()
    writer.text.insert(0, 'good text')
    await waitFor(() => writer.saves.saved, 'the good edit to be saved')
    const attacker = await openRawClient(url, 'poison')
    // A valid envelope whose update claims 200 structs from a client and then ends.
    attacker.send(encodeUpdateMessage(new Uint8Array([200, 1, 7, 0, 0, 0, 0])))
    expect((await attacker.closed).code).toBe(CloseCode.invalidPayload)
    writer.destroy()
    await waitFor(() => sync.documentCount === 0, 'the document to unload')
    const reader = connect('poison')
    await reader.synced()
    expect(reader.text.toString()).toBe('good text')
    expect(await store.storedText('poison')).toBe('good text')
  })

  it("keeps acknowledging others while one client's update waits for content the server has not seen", async () => {
    const { url, connect } = await setup()
    const writer = connect('gaps', true)
    await writer.synced()
    // An update that depends on an earlier one the server never receives: Yjs keeps it pending.
    const gap = await openRawClient(url, 'gaps')
    gap.send(encodeUpdateMessage(updateWithGap('never sent', ', and this depends on it')))
    gap.send(encodeQueryAwarenessMessage())
    await gap.nextMessage('awareness')
    writer.text.insert(0, 'mine')
    await waitFor(() => writer.saves.sent > 0 && writer.saves.saved, "the writer's own edit to be acknowledged")
  })
})
