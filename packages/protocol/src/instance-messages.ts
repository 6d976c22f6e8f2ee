/**
 * The messages Tandem server instances exchange about one document, over a message bus (Redis pub/sub): one
 * channel per document, every message tagged with the instance that sent it. Pure functions: no I/O.
 *
 * Byte layout (lib0 encoding; varString is varUint(length) followed by UTF-8):
 *
 * ```
 * header     varString(sender) varUint(kind) varUint(sentAt, ms since the epoch)
 * update     header(0) varUint(seq) varUint(committed) varUint8Array(update)
 * awareness  header(1) varUint8Array(awarenessUpdate)
 * sync-req   header(2) varUint8Array(stateVector)
 * sync-reply header(3) varString(to) varUint8Array(update) varUint8Array(awarenessUpdate) varUint8Array(stateVector)
 * committed  header(4) varUint(seq)
 * gone       header(5) varUint(closeCode) varString(movedTo)
 * ```
 *
 * - `update`: a change a client of the sender made. `seq` is the sender's count of stored updates of the
 *   document once this one is stored; `committed` (or a `committed` message) at least as high says it is in
 *   storage. Carrying `committed` on every update spares most standalone `committed` messages.
 * - `sync-req`: "send me what I lack": the sender's state vector, after it loaded the document or came back from
 *   a bus outage. Every other holder of the document answers with a `sync-reply` addressed to it.
 * - `sync-reply`: the update the requester lacks, the awareness states of the replier's own clients, and the
 *   replier's state vector, so the requester can send back what the replier lacks (a `sync-reply` with an
 *   empty state vector, which asks for nothing back). Empty byte arrays stand for "nothing".
 * - `committed`: the sender's updates of the document up to `seq` are in storage; sent when no update carried
 *   that news soon after the commit.
 * - `gone`: the document was renamed (`movedTo` is its new name) or moved to the trash or purged (`movedTo` is
 *   empty) on the sender; every other holder closes its connections to it with `closeCode` and drops it from
 *   memory, after storing what they changed (storage sends it after the old name to the renamed document).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export const instanceUpdate = 0
export const instanceAwareness = 1
export const instanceSyncRequest = 2
export const instanceSyncReply = 3
export const instanceCommitted = 4
export const instanceGone = 5

/** A message from another instance, decoded. */
export type InstanceMessage =
  | {
      kind: typeof instanceUpdate
      sender: string
      sentAt: number
      seq: number
      committed: number
      update: Uint8Array
    }
  | { kind: typeof instanceAwareness; sender: string; sentAt: number; update: Uint8Array }
  | { kind: typeof instanceSyncRequest; sender: string; sentAt: number; stateVector: Uint8Array }
  | {
      kind: typeof instanceSyncReply
      sender: string
      sentAt: number
      to: string
      update: Uint8Array
      awareness: Uint8Array
      stateVector: Uint8Array
    }
  | { kind: typeof instanceCommitted; sender: string; sentAt: number; seq: number }
  | { kind: typeof instanceGone; sender: string; sentAt: number; code: number; movedTo: string }

function header(sender: string, kind: number): encoding.Encoder {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, sender)
  encoding.writeVarUint(encoder, kind)
  encoding.writeVarUint(encoder, Date.now())
  return encoder
}

/** Encodes an `update` message. */
export function encodeInstanceUpdate(sender: string, seq: number, committed: number, update: Uint8Array): Uint8Array {
  const encoder = header(sender, instanceUpdate)
  encoding.writeVarUint(encoder, seq)
  encoding.writeVarUint(encoder, committed)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Encodes an `awareness` message. */
export function encodeInstanceAwareness(sender: string, update: Uint8Array): Uint8Array {
  const encoder = header(sender, instanceAwareness)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** Encodes a `sync-req` message. */
export function encodeInstanceSyncRequest(sender: string, stateVector: Uint8Array): Uint8Array {
  const encoder = header(sender, instanceSyncRequest)
  encoding.writeVarUint8Array(encoder, stateVector)
  return encoding.toUint8Array(encoder)
}

/** Encodes a `sync-reply` message addressed to the instance `to`. */
export function encodeInstanceSyncReply(
  sender: string,
  to: string,
  update: Uint8Array,
  awareness: Uint8Array,
  stateVector: Uint8Array,
): Uint8Array {
  const encoder = header(sender, instanceSyncReply)
  encoding.writeVarString(encoder, to)
  encoding.writeVarUint8Array(encoder, update)
  encoding.writeVarUint8Array(encoder, awareness)
  encoding.writeVarUint8Array(encoder, stateVector)
  return encoding.toUint8Array(encoder)
}

/** Encodes a `committed` message. */
export function encodeInstanceCommitted(sender: string, seq: number): Uint8Array {
  const encoder = header(sender, instanceCommitted)
  encoding.writeVarUint(encoder, seq)
  return encoding.toUint8Array(encoder)
}

/** Encodes a `gone` message: `movedTo` is the new name after a rename, empty otherwise. */
export function encodeInstanceGone(sender: string, code: number, movedTo: string): Uint8Array {
  const encoder = header(sender, instanceGone)
  encoding.writeVarUint(encoder, code)
  encoding.writeVarString(encoder, movedTo)
  return encoding.toUint8Array(encoder)
}

/** Thrown by {@link decodeInstanceMessage} for a malformed message; the message names the problem. */
export class MalformedInstanceMessage extends Error {
  override name = 'MalformedInstanceMessage'
}

/** Decodes a message of another instance; throws {@link MalformedInstanceMessage} when it is malformed. */
export function decodeInstanceMessage(message: Uint8Array): InstanceMessage {
  const decoder = decoding.createDecoder(message)
  try {
    const sender = decoding.readVarString(decoder)
    const kind = decoding.readVarUint(decoder)
    const sentAt = decoding.readVarUint(decoder)
    let decoded: InstanceMessage
    switch (kind) {
      case instanceUpdate:
        decoded = {
          kind,
          sender,
          sentAt,
          seq: decoding.readVarUint(decoder),
          committed: decoding.readVarUint(decoder),
          update: decoding.readVarUint8Array(decoder),
        }
        break
      case instanceAwareness:
        decoded = { kind, sender, sentAt, update: decoding.readVarUint8Array(decoder) }
        break
      case instanceSyncRequest:
        decoded = { kind, sender, sentAt, stateVector: decoding.readVarUint8Array(decoder) }
        break
      case instanceSyncReply:
        decoded = {
          kind,
          sender,
          sentAt,
          to: decoding.readVarString(decoder),
          update: decoding.readVarUint8Array(decoder),
          awareness: decoding.readVarUint8Array(decoder),
          stateVector: decoding.readVarUint8Array(decoder),
        }
        break
      case instanceCommitted:
        decoded = { kind, sender, sentAt, seq: decoding.readVarUint(decoder) }
        break
      case instanceGone:
        decoded = {
          kind,
          sender,
          sentAt,
          code: decoding.readVarUint(decoder),
          movedTo: decoding.readVarString(decoder),
        }
        break
      default:
        throw new MalformedInstanceMessage(`unknown instance message kind ${kind}`)
    }
    if (decoding.hasContent(decoder)) {
      throw new MalformedInstanceMessage(`${message.byteLength - decoder.pos} bytes after the instance message`)
    }
    return decoded
  } catch (error) {
    if (error instanceof MalformedInstanceMessage) throw error
    throw new MalformedInstanceMessage(`truncated instance message (${message.byteLength} bytes)`)
  }
}
