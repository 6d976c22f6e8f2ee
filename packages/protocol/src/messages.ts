/**
 * Readers and writers for the messages Tandem speaks, over lib0's encoding. Pure functions: no I/O.
 *
 * Byte layout (varUint is lib0's 7-bit variable-length unsigned integer, varUint8Array is varUint(length)
 * followed by the bytes):
 *
 * ```
 * sync step 1   varUint(0) varUint(0) varUint8Array(stateVector)
 * sync step 2   varUint(0) varUint(1) varUint8Array(update)
 * sync update   varUint(0) varUint(2) varUint8Array(update)
 * awareness     varUint(1) varUint8Array(awarenessUpdate)
 * auth denied   varUint(2) varUint(0) varString(reason)
 * query aw.     varUint(3)
 * saved         varUint(100) varUint(count)            (Tandem, opt-in)
 * ```
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import {
  messageAwareness,
  messageQueryAwareness,
  messageSaved,
  messageSync,
  syncStep1,
  syncStep2,
  syncUpdate,
} from './message-types.js'

/** Whether `update` is the Yjs (v1) update of nothing: no structs, no deletions, as `[0, 0]`. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0
}

/** Encodes a sync update message carrying a Yjs update. */
export function encodeUpdateMessage(update: Uint8Array): Uint8Array {
  return encodeSyncMessage(syncUpdate, update)
}

/** Encodes sync step 1, carrying the sender's encoded state vector. */
export function encodeSyncStep1Message(stateVector: Uint8Array): Uint8Array {
  return encodeSyncMessage(syncStep1, stateVector)
}

/** Encodes sync step 2, carrying the update the receiver is missing. */
export function encodeSyncStep2Message(update: Uint8Array): Uint8Array {
  return encodeSyncMessage(syncStep2, update)
}

function encodeSyncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageSync)
  encoding.writeVarUint(encoder, subtype)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** Encodes an awareness message carrying an encoded awareness update. */
export function encodeAwarenessMessage(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageAwareness)
  encoding.writeVarUint8Array(encoder, awarenessUpdate)
  return encoding.toUint8Array(encoder)
}

/** Encodes a query-awareness message. */
export function encodeQueryAwarenessMessage(): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageQueryAwareness)
  return encoding.toUint8Array(encoder)
}

/** Encodes Tandem's saved acknowledgement: the first `count` document-changing messages are durable. */
export function encodeSavedMessage(count: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageSaved)
  encoding.writeVarUint(encoder, count)
  return encoding.toUint8Array(encoder)
}

/** Reads the payload of a saved acknowledgement, after its message type was read. */
export function readSavedPayload(decoder: decoding.Decoder): number {
  return decoding.readVarUint(decoder)
}

/**
 * Whether a message, as sent by a client, can change the document: sync step 2 or a sync update. These are
 * the messages that Tandem's saved acknowledgement counts. Never throws; a malformed message is `false`.
 */
export function isDocumentChangingMessage(message: Uint8Array): boolean {
  // Both varUints are below 128 for these messages, so each is one byte.
  return message.length >= 2 && message[0] === messageSync && (message[1] === syncStep2 || message[1] === syncUpdate)
}
