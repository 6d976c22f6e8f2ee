import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { messageSaved, messageSync, parseExtensions } from './message-types.js'
import {
  encodeSavedMessage,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  isDocumentChangingMessage,
  readSavedPayload,
} from './messages.js'
import { SavedTracker } from './saved-tracker.js'

describe('messages', () => {
  it('writes sync messages that y-protocols reads', () => {
    const source = new Y.Doc()
    source.getText('content').insert(0, 'hello')
    const target = new Y.Doc()
    const message = encodeUpdateMessage(Y.encodeStateAsUpdate(source))
    const decoder = decoding.createDecoder(message)
    expect(decoding.readVarUint(decoder)).toBe(messageSync)
    syncProtocol.readSyncMessage(decoder, { length: 0 } as never, target, 'test')
    expect(target.getText('content').toString()).toBe('hello')
  })

  it('round-trips the saved acknowledgement', () => {
    const decoder = decoding.createDecoder(encodeSavedMessage(300))
    expect(decoding.readVarUint(decoder)).toBe(messageSaved)
    expect(readSavedPayload(decoder)).toBe(300)
  })

  it('tells document-changing messages from the rest', () => {
    const update = Y.encodeStateAsUpdate(new Y.Doc())
    expect(isDocumentChangingMessage(encodeUpdateMessage(update))).toBe(true)
    expect(isDocumentChangingMessage(encodeSyncStep2Message(update))).toBe(true)
    expect(isDocumentChangingMessage(encodeSyncStep1Message(Y.encodeStateVector(new Y.Doc())))).toBe(false)
    expect(isDocumentChangingMessage(new Uint8Array([1, 2]))).toBe(false)
    expect(isDocumentChangingMessage(new Uint8Array([0]))).toBe(false)
  })

  it('tracks what one connection sent against what the server acknowledged', () => {
    const tracker = new SavedTracker()
    const update = encodeUpdateMessage(Y.encodeStateAsUpdate(new Y.Doc()))
    expect(tracker.saved).toBe(true)
    tracker.onSend(update)
    tracker.onSend(update)
    tracker.onSend(encodeSyncStep1Message(new Uint8Array([0])))
    expect(tracker.sent).toBe(2)
    expect(tracker.onSaved(1)).toBe(false)
    expect(tracker.onSaved(2)).toBe(true)
    expect(tracker.onSaved(1)).toBe(true)
  })

  it('parses the opt-in parameter and ignores unknown extensions', () => {
    expect([...parseExtensions('saved,unknown')]).toEqual(['saved'])
    expect(parseExtensions(null).size).toBe(0)
  })
})
