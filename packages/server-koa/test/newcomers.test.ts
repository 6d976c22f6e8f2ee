import { encodeSyncStep1Message, encodeUpdateMessage } from '@tandem/protocol'
import { openRawClient, waitFor } from '@tandem/test-utils'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { setup } from './harness.js'

/** Opens a connection that asks for the whole document, and resolves with what it gets. */
async function newcomerOf(url: string, name: string): Promise<Y.Doc> {
  const client = await openRawClient(url, name)
  client.send(encodeSyncStep1Message(new Uint8Array([0])))
  const { update } = await client.nextMessage('sync-step-2')
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  client.ws.close()
  return doc
}

describe('newcomers to a document in memory', () => {
  it('sends every newcomer the document as the last change left it, deletions included and pending content not', async () => {
    const { url, connect } = await setup()
    const writer = connect('cached/changes')
    await writer.synced()
    writer.text.insert(0, 'hello world')
    const newcomer = () => newcomerOf(url, 'cached/changes')
    await waitFor(async () => (await newcomer()).getText('content').toString() === 'hello world', 'the text')
    writer.text.delete(5, 6)
    await waitFor(
      async () => (await newcomer()).getText('content').toString() === 'hello',
      'a newcomer to see the deletion',
    )
    // An update that depends on one the server has not got yet waits apart: no newcomer gets it.
    const source = new Y.Doc()
    const first = updateOf(source, () => source.getText('content').insert(0, ' and more'))
    const then = updateOf(source, () => source.getText('content').insert(9, '!'))
    const gap = await openRawClient(url, 'cached/changes')
    gap.send(encodeUpdateMessage(then))
    // Sent after it on the same connection: once a newcomer sees this, the server has handled the pending one.
    const marker = new Y.Doc()
    gap.send(encodeUpdateMessage(updateOf(marker, () => marker.getMap('meta').set('marker', 1))))
    await waitFor(async () => (await newcomer()).getMap('meta').get('marker') === 1, 'a newcomer to see the marker')
    const meanwhile = await newcomer()
    expect(meanwhile.store.pendingStructs).toBeNull()
    expect(meanwhile.getText('content').toString()).toBe('hello')
    // Once what it waited for arrives, it is part of the document like any other change.
    gap.send(encodeUpdateMessage(first))
    await waitFor(
      async () => (await newcomer()).getText('content').toString().includes(' and more!'),
      'a newcomer to see the change that waited',
    )
    const after = await newcomer()
    expect(after.store.pendingStructs).toBeNull()
    expect(after.getText('content').toString()).toMatch(/^(hello and more!| and more!hello)$/)
  })
})

/** The update `change` makes to `doc`. */
function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  const before = Y.encodeStateVector(doc)
  change()
  return Y.encodeStateAsUpdate(doc, before)
}
