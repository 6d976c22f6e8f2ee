/**
 * The bounds and budgets of one connection's writes, in process with small limits, so each one is reached in a
 * few messages. The real CLI under attack, with the defaults, is tested in apps/server/test.
 */
import { CloseCode, encodeSyncStep1Message, encodeUpdateMessage, readMessage } from '@tandem/protocol'
import { openRawClient, type RawClient, waitFor } from '@tandem/test-utils'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { setup } from './harness.js'

/** The update `change` makes to `doc`. */
function updateOf(doc: Y.Doc, change: (text: Y.Text) => void): Uint8Array {
  const before = Y.encodeStateVector(doc)
  change(doc.getText('content'))
  return Y.encodeStateAsUpdate(doc, before)
}

/** Two updates of one made-up client: `first`, and `after` inserted after it, which waits without `first`. */
function dependentPair(first: string, after: string): { first: Uint8Array; after: Uint8Array } {
  const doc = new Y.Doc()
  return {
    first: updateOf(doc, (text) => text.insert(0, first)),
    after: updateOf(doc, (text) => text.insert(first.length, after)),
  }
}

/** The counts of every saved acknowledgement `client` received. */
function savedCounts(client: RawClient): number[] {
  return client.received.map(readMessage).flatMap((message) => (message.type === 'saved' ? [message.count] : []))
}

describe('pending content', () => {
  it('never reaches another client or storage, and closes its sender with 4002 past the size bound', async () => {
    const { url, connect, store } = await setup({ commitDelay: 0, limits: { maxPendingBytes: 2048 } })
    const reader = connect('pending/size')
    await reader.synced()
    reader.text.insert(0, 'kept')
    const writer = await openRawClient(url, 'pending/size')
    // Each waits for a first part nobody sends; together they pass 2 KiB.
    for (let i = 0; i < 8; i++) writer.send(encodeUpdateMessage(dependentPair('never sent', 'x'.repeat(400)).after))
    const closed = await writer.closed
    expect(closed.code).toBe(CloseCode.pendingUnresolved)
    expect(closed.reason).toBe('its changes waiting for missing content passed 2048 bytes')
    expect(reader.doc.store.pendingStructs).toBeNull()
    expect(reader.text.toString()).toBe('kept')
    await waitFor(async () => (await store.storedText('pending/size')) === 'kept', 'the reader’s text in storage')
    const stored = await store.inner.load('pending/size')
    for (const update of [...(stored?.snapshot ? [stored.snapshot] : []), ...(stored?.updates ?? [])]) {
      expect(new TextDecoder().decode(update)).not.toContain('xxxx')
    }
  })

  it('closes its sender with 4002 once it waited past the age bound', async () => {
    const { url } = await setup({ limits: { maxPendingAge: 300 } })
    const writer = await openRawClient(url, 'pending/age')
    writer.send(encodeUpdateMessage(dependentPair('never sent', '!').after))
    const closed = await writer.closed
    expect(closed).toEqual({
      code: CloseCode.pendingUnresolved,
      reason: 'changes waited more than 300 ms for content they depend on',
    })
  })

  it('is applied, stored and acknowledged once what it waits for arrives', async () => {
    const { url, connect, store } = await setup({ commitDelay: 0 })
    const reader = connect('pending/resolved')
    await reader.synced()
    const writer = await openRawClient(url, 'pending/resolved?tandem=saved')
    const { first, after } = dependentPair('first', ' then')
    writer.send(encodeUpdateMessage(after))
    // A second, independent change after it: not acknowledged either while the first one waits.
    const other = new Y.Doc()
    writer.send(encodeUpdateMessage(updateOf(other, () => other.getMap('meta').set('title', 'waiting'))))
    await waitFor(() => reader.doc.getMap('meta').get('title') === 'waiting', 'the independent change to arrive')
    expect(savedCounts(writer)).toEqual([])
    expect(reader.text.toString()).toBe('')
    writer.send(encodeUpdateMessage(first))
    await waitFor(() => reader.text.toString() === 'first then', 'the change that waited to arrive')
    await waitFor(() => savedCounts(writer).includes(3), 'all three changes to be acknowledged')
    expect(await store.storedText('pending/resolved')).toBe('first then')
  })
})

describe('budgets', () => {
  it('closes a connection that sends more messages than its budget with 4029', async () => {
    const { url, connect } = await setup({ limits: { messagesPerSecond: 10 } })
    const reader = connect('budget/messages')
    await reader.synced()
    const writer = await openRawClient(url, 'budget/messages')
    const doc = new Y.Doc()
    // One second's worth is the burst: 10 messages; the 11th is one too many.
    for (let i = 0; i < 30; i++) writer.send(encodeUpdateMessage(updateOf(doc, (text) => text.insert(0, 'a'))))
    expect(await writer.closed).toEqual({
      code: CloseCode.rateLimited,
      reason: 'the connection sent more messages than its budget allows',
    })
    await waitFor(() => reader.text.length === 10, 'the 10 messages within the budget')
    expect(reader.text.toString()).toBe('a'.repeat(10))
  })

  it('closes a connection that asks for the document more often than its budget with 4029', async () => {
    const { url, connect } = await setup({ limits: { syncRequestsPerMinute: 3 } })
    const writer = connect('budget/sync')
    await writer.synced()
    writer.text.insert(0, 'x'.repeat(10_000))
    const asker = await openRawClient(url, 'budget/sync')
    const stateVector = Y.encodeStateVector(new Y.Doc({ gc: true }))
    const someone = new Uint8Array([1, 42, 0])
    for (let i = 0; i < 10; i++) asker.send(encodeSyncStep1Message(i % 2 === 0 ? someone : stateVector))
    expect(await asker.closed).toEqual({
      code: CloseCode.rateLimited,
      reason: 'the connection sent more sync requests than its budget allows',
    })
    const answers = asker.received.filter((frame) => readMessage(frame).type === 'sync-step-2')
    expect(answers).toHaveLength(3)
  })
})
