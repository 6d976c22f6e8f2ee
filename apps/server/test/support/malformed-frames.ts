/**
 * Seeded generation of malformed y-websocket frames, for throwing garbage at a real server reproducibly: the same
 * seed gives the same frames, so a failure found once can be replayed with `FUZZ_SEED=<seed>`.
 */
import { CloseCode, encodeAwarenessMessage, encodeSyncStep1Message, encodeUpdateMessage } from '@tandem/protocol'
import * as encoding from 'lib0/encoding'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'

/** A deterministic PRNG (mulberry32): a float in [0, 1) per call. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The kinds of malformed frame {@link malformedFrames} makes. */
export type FrameKind =
  | 'random-bytes'
  | 'truncated-message'
  | 'trailing-bytes'
  | 'garbage-update'
  | 'garbage-state-vector'
  | 'unknown-message-type'
  | 'unknown-sync-type'
  | 'awareness-garbage'
  | 'text-frame'
  | 'oversized'

/** One frame to send, and what the server may answer it with. */
export interface MalformedFrame {
  readonly index: number
  readonly kind: FrameKind
  readonly data: Uint8Array | string
  /** The close codes this frame may get. */
  readonly codes: readonly number[]
  /**
   * Whether the bytes may, by chance, be a valid message the server takes (for example random bytes that parse
   * as an empty update); the connection then stays open until the terminator.
   */
  readonly mayBeValid: boolean
  /** The exact close reason, when the frame determines it. */
  readonly reason?: string
  /** How the close reason starts, when only its prefix is determined. */
  readonly reasonPrefix?: string
}

/** Describes a frame in a failure message: kind, index and the first bytes. */
export function describeFrame(frame: MalformedFrame): string {
  const head =
    typeof frame.data === 'string'
      ? JSON.stringify(frame.data.slice(0, 24))
      : `${frame.data.byteLength} bytes [${[...frame.data.subarray(0, 16)].join(', ')}${frame.data.byteLength > 16 ? ', …' : ''}]`
  return `frame #${frame.index} (${frame.kind}): ${head}`
}

const weights: [FrameKind, number][] = [
  ['random-bytes', 20],
  ['truncated-message', 15],
  ['trailing-bytes', 5],
  ['garbage-update', 15],
  ['garbage-state-vector', 5],
  ['unknown-message-type', 10],
  ['unknown-sync-type', 5],
  ['awareness-garbage', 15],
  ['text-frame', 5],
  ['oversized', 2],
]

/**
 * `count` malformed frames from `seed`. The first frames cover every kind once, so that each kind is tried
 * whatever the seed; the rest are drawn by weight. `maxPayload` is the server's frame cap, which `oversized`
 * frames exceed by up to 36 KiB.
 */
export function malformedFrames(seed: number, count: number, maxPayload: number): MalformedFrame[] {
  const random = seededRandom(seed)
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const bytes = (length: number) => Uint8Array.from({ length }, () => int(0, 255))
  const realMessages = makeRealMessages(random)
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0)
  const pick = (): FrameKind => {
    let roll = random() * total
    for (const [kind, weight] of weights) {
      roll -= weight
      if (roll < 0) return kind
    }
    return 'random-bytes'
  }

  const make = (index: number, kind: FrameKind): MalformedFrame => {
    switch (kind) {
      case 'random-bytes':
        // Anything but an oversized frame or a text frame can come of random bytes.
        return {
          index,
          kind,
          data: bytes(int(0, 300)),
          codes: [CloseCode.protocolError, CloseCode.invalidPayload, CloseCode.updateRefused],
          mayBeValid: true,
        }
      case 'truncated-message': {
        const message = realMessages[int(0, realMessages.length - 1)]!
        return {
          index,
          kind,
          data: message.slice(0, int(0, message.byteLength - 1)),
          codes: [CloseCode.protocolError],
          mayBeValid: false,
          reasonPrefix: 'malformed message: ',
        }
      }
      case 'trailing-bytes': {
        const message = realMessages[int(0, realMessages.length - 1)]!
        const extra = bytes(int(1, 16))
        const data = new Uint8Array(message.byteLength + extra.byteLength)
        data.set(message)
        data.set(extra, message.byteLength)
        return {
          index,
          kind,
          data,
          codes: [CloseCode.protocolError],
          mayBeValid: false,
          reason: 'malformed message: trailing bytes',
        }
      }
      case 'garbage-update':
        // Random varints make clocks and client counts of any size: a well-formed update past a bound is refused.
        return {
          index,
          kind,
          data: syncMessage(int(1, 2), bytes(int(0, 200))),
          codes: [CloseCode.invalidPayload, CloseCode.updateRefused],
          mayBeValid: true,
        }
      case 'garbage-state-vector':
        return {
          index,
          kind,
          data: syncMessage(0, bytes(int(0, 64))),
          codes: [CloseCode.invalidPayload],
          mayBeValid: true,
          reasonPrefix: 'rejected payload: ',
        }
      case 'unknown-message-type': {
        // 2 (auth) and 100 (saved) are real types, but only the server sends them.
        const type = [2, 100, int(4, 99), int(101, 2 ** 21)][int(0, 3)]!
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, type)
        encoding.writeUint8Array(encoder, bytes(int(0, 32)))
        return {
          index,
          kind,
          data: encoding.toUint8Array(encoder),
          codes: [CloseCode.protocolError],
          mayBeValid: false,
          reason: `unknown message type ${type}`,
        }
      }
      case 'unknown-sync-type': {
        const subtype = int(3, 2 ** 14)
        return {
          index,
          kind,
          data: syncMessage(subtype, bytes(int(0, 32))),
          codes: [CloseCode.protocolError],
          mayBeValid: false,
          reason: `unknown sync message type ${subtype}`,
        }
      }
      case 'awareness-garbage': {
        // Either random bytes, or well-formed entries (at most 3 client ids, so never over the per-connection
        // cap) whose state is not JSON or is JSON of the wrong shape.
        const payload = random() < 0.5 ? bytes(int(0, 120)) : awarenessEntries(int(1, 3), int, bytes)
        return {
          index,
          kind,
          data: encodeAwarenessMessage(payload),
          codes: [CloseCode.protocolError, CloseCode.invalidPayload],
          mayBeValid: true,
        }
      }
      case 'text-frame':
        return {
          index,
          kind,
          data: String.fromCharCode(...Array.from({ length: int(0, 80) }, () => int(32, 0x2fff))),
          codes: [CloseCode.unsupportedData],
          mayBeValid: false,
          reason: 'text frames are not supported',
        }
      case 'oversized':
        return {
          index,
          kind,
          data: bytes(maxPayload + int(1, 36 * 1024)),
          codes: [CloseCode.messageTooBig],
          mayBeValid: false,
        }
    }
  }

  return Array.from({ length: count }, (_, index) => make(index, index < weights.length ? weights[index]![0] : pick()))
}

function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, subtype)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

const badStates = ['{', '', 'undefined', '{"user":', '\u0000', '[1,2', '{"user":{"name":"x"}']

function awarenessEntries(
  entries: number,
  int: (min: number, max: number) => number,
  bytes: (length: number) => Uint8Array,
): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries)
  for (let i = 0; i < entries; i++) {
    encoding.writeVarUint(encoder, int(1, 2 ** 30))
    encoding.writeVarUint(encoder, int(1, 1000))
    const state =
      int(0, 3) === 0 ? new TextDecoder().decode(bytes(int(0, 20))) : badStates[int(0, badStates.length - 1)]!
    encoding.writeVarString(encoder, state)
  }
  return encoding.toUint8Array(encoder)
}

/** Real messages a stock client sends (updates, step 1, awareness), for truncating and padding. */
function makeRealMessages(random: () => number): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  const text = doc.getText('content')
  for (let i = 0; i < 8; i++) {
    text.insert(Math.floor(random() * (text.length + 1)), `edit ${i} ${'x'.repeat(Math.floor(random() * 200))}`)
  }
  doc.getMap('meta').set('title', 'fuzz')
  const awareness = new Awareness(doc)
  awareness.setLocalState({ user: { name: 'fuzz', color: '#ff0000', colorLight: '#ff000033' } })
  const messages = [
    ...updates.map((update) => encodeUpdateMessage(update)),
    encodeSyncStep1Message(Y.encodeStateVector(doc)),
    encodeAwarenessMessage(encodeAwarenessUpdate(awareness, [doc.clientID])),
  ]
  awareness.destroy()
  doc.destroy()
  return messages
}
