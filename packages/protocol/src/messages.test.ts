import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { messageAwareness, messageQueryAwareness, messageSync, parseExtensions } from './message-types.js'
import {
  encodeAwarenessMessage,
  encodeLoadingMessage,
  encodeQueryAwarenessMessage,
  encodeSavedMessage,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  isDocumentChangingMessage,
  MalformedMessage,
  type Message,
  readAwarenessEntries,
  readClientMessage,
  readMessage,
  writeAwarenessEntries,
} from './messages.js'
import { SavedTracker } from './saved-tracker.js'

/** Bytes written with lib0, for frames no writer of ours makes. */
function bytes(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return bytes((encoder) => {
    for (const part of parts) encoding.writeUint8Array(encoder, part)
  })
}

/** A document with some text, its state vector and its whole state as an update. */
function sample() {
  const doc = new Y.Doc()
  doc.getText('content').insert(0, 'hello')
  return { doc, stateVector: Y.encodeStateVector(doc), update: Y.encodeStateAsUpdate(doc) }
}

/** An Awareness of a throwaway document with `state` set, and its update of every state. */
function awarenessWith(state: Record<string, unknown>) {
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalState(state)
  return { awareness, update: encodeAwarenessUpdate(awareness, [awareness.clientID]) }
}

/** The frame y-protocols' sync module writes, as y-websocket sends it. */
function ySyncFrame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  return bytes((encoder) => {
    encoding.writeVarUint(encoder, messageSync)
    write(encoder)
  })
}

describe('readMessage', () => {
  const { stateVector, update } = sample()

  it.each<[string, Uint8Array, Message]>([
    ['sync step 1', encodeSyncStep1Message(stateVector), { type: 'sync-step-1', stateVector }],
    ['sync step 2', encodeSyncStep2Message(update), { type: 'sync-step-2', update }],
    ['sync update', encodeUpdateMessage(update), { type: 'sync-update', update }],
    ['awareness', encodeAwarenessMessage(update), { type: 'awareness', update }],
    ['query awareness', encodeQueryAwarenessMessage(), { type: 'query-awareness' }],
    ['saved', encodeSavedMessage(300), { type: 'saved', count: 300 }],
    ['saved, with a count past 2^32', encodeSavedMessage(2 ** 40 + 1), { type: 'saved', count: 2 ** 40 + 1 }],
    ['loading', encodeLoadingMessage(262_144, 52_428_800), { type: 'loading', sent: 262_144, total: 52_428_800 }],
    ['an empty update', encodeUpdateMessage(new Uint8Array()), { type: 'sync-update', update: new Uint8Array() }],
  ])('round-trips %s', (_label, frame, expected) => {
    expect(readMessage(frame)).toEqual(expected)
  })

  it('returns payloads as views into the frame, not copies', () => {
    const frame = encodeUpdateMessage(update)
    const message = readMessage(frame)
    if (message.type !== 'sync-update') throw new Error(`read ${message.type}`)
    expect(message.update.buffer).toBe(frame.buffer)
    expect(message.update.byteOffset).toBe(frame.byteOffset + frame.length - update.length)
  })

  it('reads a frame that is a view into a larger buffer, and nothing outside it', () => {
    const frame = encodeUpdateMessage(update)
    const pool = new Uint8Array(frame.length + 20).fill(7)
    pool.set(frame, 10)
    expect(readMessage(pool.subarray(10, 10 + frame.length))).toEqual({ type: 'sync-update', update })
    // Cut short inside the pool: the bytes after the view are there, and must not be read.
    expect(() => readMessage(pool.subarray(10, 10 + frame.length - 1))).toThrow(
      'malformed message: truncated in the update',
    )
  })

  describe('agrees with y-protocols', () => {
    it('reads the sync messages y-protocols writes', () => {
      const { doc } = sample()
      expect(readMessage(ySyncFrame((encoder) => syncProtocol.writeSyncStep1(encoder, doc)))).toEqual({
        type: 'sync-step-1',
        stateVector: Y.encodeStateVector(doc),
      })
      expect(readMessage(ySyncFrame((encoder) => syncProtocol.writeSyncStep2(encoder, doc)))).toEqual({
        type: 'sync-step-2',
        update: Y.encodeStateAsUpdate(doc),
      })
      expect(readMessage(ySyncFrame((encoder) => syncProtocol.writeUpdate(encoder, update)))).toEqual({
        type: 'sync-update',
        update,
      })
    })

    it('reads the awareness and query-awareness messages y-websocket writes', () => {
      const { update: awarenessUpdate } = awarenessWith({ user: { name: 'Ada' } })
      const awarenessFrame = bytes((encoder) => {
        encoding.writeVarUint(encoder, messageAwareness)
        encoding.writeVarUint8Array(encoder, awarenessUpdate)
      })
      expect(readMessage(awarenessFrame)).toEqual({ type: 'awareness', update: awarenessUpdate })
      const query = bytes((encoder) => encoding.writeVarUint(encoder, messageQueryAwareness))
      expect(readMessage(query)).toEqual({ type: 'query-awareness' })
    })

    it('writes sync messages that y-protocols reads', () => {
      const target = new Y.Doc()
      const frame = encodeUpdateMessage(update)
      const message = readMessage(frame)
      expect(message.type).toBe('sync-update')
      const decoder = decoding.createDecoder(frame.subarray(1))
      syncProtocol.readSyncMessage(decoder, { length: 0 } as never, target, 'test')
      expect(target.getText('content').toString()).toBe('hello')
    })
  })

  it.each<[string, Uint8Array, string]>([
    ['an empty frame', new Uint8Array(), 'malformed message: truncated in the message type'],
    ['an unknown message type', new Uint8Array([42]), 'unknown message type 42'],
    ['auth, which Tandem never sends', new Uint8Array([2, 0, 0]), 'unknown message type 2'],
    ['a message type of several bytes', bytes((e) => encoding.writeVarUint(e, 300)), 'unknown message type 300'],
    ['a message type cut short', new Uint8Array([0x80]), 'malformed message: truncated in the message type'],
    [
      'a message type past 2^53',
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      'malformed message: the message type is over 2^53',
    ],
    ['sync without its sub-type', new Uint8Array([0]), 'malformed message: truncated in the sync message type'],
    ['an unknown sync message type', new Uint8Array([0, 7, 0]), 'unknown sync message type 7'],
    [
      'sync step 1 without a state vector',
      new Uint8Array([0, 0]),
      'malformed message: truncated in the length of the state vector',
    ],
    ['a state vector cut short', new Uint8Array([0, 0, 3, 1, 1]), 'malformed message: truncated in the state vector'],
    ['an update cut short', encodeUpdateMessage(update).subarray(0, -1), 'malformed message: truncated in the update'],
    ['a step 2 cut short', encodeSyncStep2Message(update).subarray(0, 4), 'malformed message: truncated in the update'],
    [
      'an update longer than the frame',
      new Uint8Array([0, 2, 0x80, 0x80, 0x04, 0]),
      'malformed message: truncated in the update',
    ],
    [
      'an awareness update cut short',
      new Uint8Array([1, 5, 1]),
      'malformed message: truncated in the awareness update',
    ],
    ['a saved message without its count', new Uint8Array([100]), 'malformed message: truncated in the saved count'],
    ['a saved count cut short', new Uint8Array([100, 0x81]), 'malformed message: truncated in the saved count'],
    [
      'bytes after a sync update',
      concat(encodeUpdateMessage(update), new Uint8Array([0])),
      'malformed message: trailing bytes',
    ],
    [
      'bytes after an awareness message',
      concat(encodeAwarenessMessage(update), new Uint8Array([1])),
      'malformed message: trailing bytes',
    ],
    ['bytes after query awareness', new Uint8Array([3, 0]), 'malformed message: trailing bytes'],
    ['bytes after a saved count', new Uint8Array([100, 5, 5]), 'malformed message: trailing bytes'],
    [
      'a loading message without its total',
      new Uint8Array([101, 5]),
      'malformed message: truncated in the loading total',
    ],
    ['bytes after a loading total', new Uint8Array([101, 5, 9, 1]), 'malformed message: trailing bytes'],
  ])('refuses %s', (_label, frame, message) => {
    expect(() => readMessage(frame)).toThrow(MalformedMessage)
    expect(() => readMessage(frame)).toThrow(new MalformedMessage(message))
  })

  it('names its error', () => {
    expect(() => readMessage(new Uint8Array([42]))).toThrow(expect.objectContaining({ name: 'MalformedMessage' }))
  })
})

describe('readClientMessage', () => {
  it('reads what a client sends, as readMessage does', () => {
    const update = new Uint8Array([0, 0])
    expect(readClientMessage(encodeUpdateMessage(update))).toEqual({ type: 'sync-update', update })
    expect(readClientMessage(encodeQueryAwarenessMessage())).toEqual({ type: 'query-awareness' })
  })

  it('calls a message only servers send an unknown type, whatever follows it', () => {
    expect(readMessage(encodeSavedMessage(3))).toEqual({ type: 'saved', count: 3 })
    for (const frame of [encodeSavedMessage(3), new Uint8Array([100, 12, 214, 6])]) {
      expect(() => readClientMessage(frame)).toThrow(new MalformedMessage('unknown message type 100'))
    }
    expect(readMessage(encodeLoadingMessage(1, 2))).toEqual({ type: 'loading', sent: 1, total: 2 })
    expect(() => readClientMessage(encodeLoadingMessage(1, 2))).toThrow(
      new MalformedMessage('unknown message type 101'),
    )
  })
})

describe('awareness entries', () => {
  it('round-trips entries, the state text exactly as written', () => {
    const entries = [
      { clientId: 1, clock: 0, state: '{"user":{"name":"Ada"}}' },
      { clientId: 2 ** 32 + 5, clock: 300, state: 'null' },
      { clientId: 7, clock: 2 ** 53 - 1, state: '{ "spaced" : "spelling", "ü": "ç" }' },
      { clientId: 8, clock: 1, state: 'not json at all' },
    ]
    expect(readAwarenessEntries(writeAwarenessEntries(entries))).toEqual(entries)
    expect(readAwarenessEntries(writeAwarenessEntries([]))).toEqual([])
  })

  it('reads what y-protocols writes, removals included', () => {
    const { awareness, update } = awarenessWith({ user: { name: 'Ada', color: '#30bced' }, cursor: null })
    const id = awareness.clientID
    const clock = awareness.meta.get(id)!.clock
    expect(readAwarenessEntries(update)).toEqual([
      { clientId: id, clock, state: '{"user":{"name":"Ada","color":"#30bced"},"cursor":null}' },
    ])
    const removals: Uint8Array[] = []
    awareness.on('update', ({ removed }: { removed: number[] }) => {
      removals.push(encodeAwarenessUpdate(awareness, removed))
    })
    removeAwarenessStates(awareness, [id], 'test')
    expect(readAwarenessEntries(removals[0]!)).toEqual([{ clientId: id, clock: clock + 1, state: 'null' }])
  })

  it('writes what y-protocols reads', () => {
    const receiver = new Awareness(new Y.Doc())
    applyAwarenessUpdate(
      receiver,
      writeAwarenessEntries([
        { clientId: 11, clock: 3, state: '{"user":{"name":"Ada"}}' },
        { clientId: 12, clock: 1, state: '{"user":{"name":"Grace"}}' },
      ]),
      'test',
    )
    expect(receiver.getStates().get(11)).toEqual({ user: { name: 'Ada' } })
    expect(receiver.getStates().get(12)).toEqual({ user: { name: 'Grace' } })
    expect(receiver.meta.get(11)?.clock).toBe(3)
  })

  const oneEntry = writeAwarenessEntries([{ clientId: 5, clock: 2, state: '{"a":1}' }])

  it.each<[string, Uint8Array, string]>([
    ['an empty update', new Uint8Array(), 'malformed message: truncated in the awareness entry count'],
    [
      'a count larger than the entries',
      new Uint8Array([2, 5, 2, 0]),
      'malformed message: truncated in the awareness entries',
    ],
    [
      'a huge count',
      bytes((e) => encoding.writeVarUint(e, 2 ** 40)),
      'malformed message: truncated in the awareness entries',
    ],
    [
      'an entry cut in its clock',
      new Uint8Array([1, 5, 0x80, 0x80]),
      'malformed message: truncated in the clock of client 5',
    ],
    ['an entry cut in its state', oneEntry.subarray(0, -1), 'malformed message: truncated in the state of client 5'],
    [
      'bytes after the entries',
      concat(oneEntry, new Uint8Array([0])),
      'malformed message: trailing bytes after the awareness entries',
    ],
    [
      'a state that is not UTF-8',
      new Uint8Array([1, 5, 2, 2, 0xc3, 0x28]),
      'malformed message: the state of client 5 is not UTF-8',
    ],
  ])('refuses %s', (_label, update, message) => {
    expect(() => readAwarenessEntries(update)).toThrow(new MalformedMessage(message))
  })

  it('refuses to write an entry that is not a whole number, with a sentence', () => {
    expect(() => writeAwarenessEntries([{ clientId: -1, clock: 0, state: 'null' }])).toThrow(
      'The clientId of an awareness entry must be a whole number from 0 to 2^53 - 1, not -1.',
    )
    expect(() => writeAwarenessEntries([{ clientId: 1, clock: 1.5, state: 'null' }])).toThrow(
      'The clock of an awareness entry must be a whole number from 0 to 2^53 - 1, not 1.5.',
    )
  })
})

describe('messages', () => {
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
    expect([...parseExtensions('saved,moved,loading')]).toEqual(['saved', 'moved', 'loading'])
    expect(parseExtensions(null).size).toBe(0)
  })
})
