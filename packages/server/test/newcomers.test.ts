import { encodeSyncStep1Message, encodeUpdateMessage, messageSync, syncStep2 } from '@tandem/protocol'
import { openRawClient, waitFor } from '@tandem/test-utils'
import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { setup, updateWithGap } from './harness.js'

/** Opens a connection that asks for the whole document, and resolves with what it gets. */
async function newcomerOf(url: string, name: string): Promise<Y.Doc> {
  const client = await openRawClient(url, name)
  client.send(encodeSyncStep1Message(new Uint8Array([0])))
  const frame = await client.next((frame) => frame[0] === messageSync && frame[1] === syncStep2)
  const decoder = decoding.createDecoder(frame)
  decoding.readVarUint(decoder)
  decoding.readVarUint(decoder)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, decoding.readVarUint8Array(decoder))
  client.ws.close()
  return doc
}

describe('newcomers to a document in memory', () => {
  it('sends every newcomer the document as the last change left it, deletions and pending updates included', async () => {
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
    // An update that depends on one the server never got: Yjs keeps it pending, and sends it on.
    const gap = await openRawClient(url, 'cached/changes')
    gap.send(encodeUpdateMessage(updateWithGap('never sent', '!')))
    await waitFor(async () => (await newcomer()).store.pendingStructs !== null, 'a newcomer to get the pending update')
    expect((await newcomer()).getText('content').toString()).toBe('hello')
  })
})
