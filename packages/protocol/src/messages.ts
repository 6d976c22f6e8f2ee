/**
 * Readers and writers for the messages Tandem speaks, over lib0's encoding. Pure functions: no I/O.
 *
 * Byte layout (varUint is lib0's 7-bit variable-length unsigned integer, varUint8Array is varUint(length)
 * followed by the bytes, varString a varUint8Array of UTF-8):
 *
 * ```
 * sync step 1   varUint(0) varUint(0) varUint8Array(stateVector)
 * sync step 2   varUint(0) varUint(1) varUint8Array(update)
 * sync update   varUint(0) varUint(2) varUint8Array(update)
 * awareness     varUint(1) varUint8Array(awarenessUpdate)
 * query aw.     varUint(3)
 * saved         varUint(100) varUint(count)            (Tandem, opt-in)
 * loading       varUint(101) varUint(sent) varUint(total)   (Tandem, opt-in)
 *
 * awarenessUpdate  varUint(n) { varUint(clientId) varUint(clock) varString(JSON state, or "null") }*n
 * ```
 *
 * Type 2 (y-protocols' auth) is part of y-websocket, but neither Tandem nor the reference server sends it, so
 * {@link readMessage} counts it as unknown.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as string from 'lib0/string'
import {
  messageAwareness,
  messageLoading,
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
export function encodeUpdateMessage(update: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeSyncMessage(syncUpdate, update)
}

/** Encodes sync step 1, carrying the sender's encoded state vector. */
export function encodeSyncStep1Message(stateVector: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeSyncMessage(syncStep1, stateVector)
}

/** Encodes sync step 2, carrying the update the receiver is missing. */
export function encodeSyncStep2Message(update: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeSyncMessage(syncStep2, update)
}

function encodeSyncMessage(subtype: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageSync)
  encoding.writeVarUint(encoder, subtype)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** Encodes an awareness message carrying an encoded awareness update. */
export function encodeAwarenessMessage(awarenessUpdate: Uint8Array): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageAwareness)
  encoding.writeVarUint8Array(encoder, awarenessUpdate)
  return encoding.toUint8Array(encoder)
}

/** Encodes a query-awareness message. */
export function encodeQueryAwarenessMessage(): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageQueryAwareness)
  return encoding.toUint8Array(encoder)
}

/** Encodes Tandem's saved acknowledgement: the first `count` document-changing messages are durable. */
export function encodeSavedMessage(count: number): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageSaved)
  encoding.writeVarUint(encoder, count)
  return encoding.toUint8Array(encoder)
}

/**
 * Encodes Tandem's loading progress: `sent` of `total` bytes of a big document's state have been sent in pieces.
 */
export function encodeLoadingMessage(sent: number, total: number): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, messageLoading)
  encoding.writeVarUint(encoder, sent)
  encoding.writeVarUint(encoder, total)
  return encoding.toUint8Array(encoder)
}

/**
 * One message, as {@link readMessage} reads it. Byte arrays are views into the frame that was read, not copies:
 * copy one (`slice()`) to keep it while the frame's buffer is reused.
 */
export type Message =
  | { readonly type: 'sync-step-1'; readonly stateVector: Uint8Array }
  | { readonly type: 'sync-step-2'; readonly update: Uint8Array }
  | { readonly type: 'sync-update'; readonly update: Uint8Array }
  | { readonly type: 'awareness'; readonly update: Uint8Array }
  | { readonly type: 'query-awareness' }
  | { readonly type: 'saved'; readonly count: number }
  | { readonly type: 'loading'; readonly sent: number; readonly total: number }

/**
 * Thrown by {@link readMessage} and {@link readAwarenessEntries} for bytes that are not a well-formed message.
 * The message says what was wrong, in the words of the close reason a server sends for it: `unknown message
 * type 42`, `unknown sync message type 7`, `malformed message: truncated in the update`, `malformed message:
 * trailing bytes`.
 */
export class MalformedMessage extends Error {
  override name = 'MalformedMessage'
}

/**
 * Reads one whole frame. Checks the framing only (types, lengths, nothing left over), not what the payloads
 * hold: a Yjs update is still for Yjs to accept or refuse. Throws {@link MalformedMessage} when the frame is
 * malformed.
 */
export function readMessage(frame: Uint8Array): Message {
  const decoder = decoding.createDecoder(frame)
  const type = readUint(decoder, 'message type')
  let message: Message
  switch (type) {
    case messageSync: {
      const subtype = readUint(decoder, 'sync message type')
      if (subtype === syncStep1) message = { type: 'sync-step-1', stateVector: readBytes(decoder, 'state vector') }
      else if (subtype === syncStep2) message = { type: 'sync-step-2', update: readBytes(decoder, 'update') }
      else if (subtype === syncUpdate) message = { type: 'sync-update', update: readBytes(decoder, 'update') }
      else throw new MalformedMessage(`unknown sync message type ${subtype}`)
      break
    }
    case messageAwareness:
      message = { type: 'awareness', update: readBytes(decoder, 'awareness update') }
      break
    case messageQueryAwareness:
      message = { type: 'query-awareness' }
      break
    case messageSaved:
      message = { type: 'saved', count: readUint(decoder, 'saved count') }
      break
    case messageLoading:
      message = { type: 'loading', sent: readUint(decoder, 'loading sent'), total: readUint(decoder, 'loading total') }
      break
    default:
      throw new MalformedMessage(`unknown message type ${type}`)
  }
  if (decoding.hasContent(decoder)) throw new MalformedMessage('malformed message: trailing bytes')
  return message
}

/** A message a client sends: every {@link Message} but Tandem's saved and loading messages, which only servers send. */
export type ClientMessage = Exclude<Message, { readonly type: 'saved' | 'loading' }>

/**
 * Reads one whole frame as a server receives it: as {@link readMessage}, except that a type only servers send
 * (the saved acknowledgement, loading progress) is an unknown message type. Throws {@link MalformedMessage}.
 */
export function readClientMessage(frame: Uint8Array): ClientMessage {
  const type = readUint(decoding.createDecoder(frame), 'message type')
  if (type === messageSaved || type === messageLoading) throw new MalformedMessage(`unknown message type ${type}`)
  return readMessage(frame) as ClientMessage
}

/** One entry of an awareness update: a client's presence state at a clock. */
export interface AwarenessEntry {
  /** The Yjs client id whose state this is. */
  readonly clientId: number
  /** The state's version; a receiver ignores an entry whose clock is below the one it has. */
  readonly clock: number
  /** The state as JSON text, exactly as sent; `"null"` removes the client's state. */
  readonly state: string
}

/**
 * Reads the entries of an awareness update (the payload of an awareness message), in order. Each state is left as
 * the JSON text that was sent: parsing it is the caller's choice. Throws {@link MalformedMessage} when the
 * update is malformed (truncated, trailing bytes, a state that is not UTF-8).
 */
export function readAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update)
  const count = readUint(decoder, 'awareness entry count')
  // Every entry takes at least 3 bytes: a count past that is truncated, however large it claims to be.
  if (count > (update.length - decoder.pos) / 3) throw truncated('awareness entries')
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = readUint(decoder, 'awareness client id')
    const clock = readUint(decoder, `clock of client ${clientId}`)
    const bytes = readBytes(decoder, `state of client ${clientId}`)
    let state: string
    try {
      // lib0's decoder, which y-protocols reads states with: it throws on bytes that are not UTF-8.
      state = string.decodeUtf8(bytes)
    } catch {
      throw new MalformedMessage(`malformed message: the state of client ${clientId} is not UTF-8`)
    }
    entries.push({ clientId, clock, state })
  }
  if (decoding.hasContent(decoder)) {
    throw new MalformedMessage('malformed message: trailing bytes after the awareness entries')
  }
  return entries
}

/**
 * Writes an awareness update of `entries`, as y-protocols' `encodeAwarenessUpdate` does. Each state is written as
 * the text given, not checked to be JSON: stringify it first. Throws a RangeError for a client id or clock that
 * is not a whole number from 0 to 2^53 - 1.
 */
export function writeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array<ArrayBuffer> {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const { clientId, clock, state } of entries) {
    checkUint(clientId, 'clientId')
    checkUint(clock, 'clock')
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, state)
  }
  return encoding.toUint8Array(encoder)
}

function checkUint(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`The ${name} of an awareness entry must be a whole number from 0 to 2^53 - 1, not ${value}.`)
  }
}

function truncated(what: string): MalformedMessage {
  return new MalformedMessage(`malformed message: truncated in the ${what}`)
}

function readUint(decoder: decoding.Decoder, what: string): number {
  try {
    return decoding.readVarUint(decoder)
  } catch {
    // lib0 throws at the end of the bytes, or once the number is past Number.MAX_SAFE_INTEGER.
    if (!decoding.hasContent(decoder)) throw truncated(what)
    throw new MalformedMessage(`malformed message: the ${what} is over 2^53`)
  }
}

function readBytes(decoder: decoding.Decoder, what: string): Uint8Array {
  const length = readUint(decoder, `length of the ${what}`)
  if (length > decoder.arr.length - decoder.pos) throw truncated(what)
  // A view into the frame, not a copy.
  return decoding.readUint8Array(decoder, length)
}

/**
 * Whether a message, as sent by a client, can change the document: sync step 2 or a sync update. These are
 * the messages that Tandem's saved acknowledgement counts. Never throws; a malformed message is `false`.
 */
export function isDocumentChangingMessage(message: Uint8Array): boolean {
  // Both varUints are below 128 for these messages, so each is one byte.
  return message.length >= 2 && message[0] === messageSync && (message[1] === syncStep2 || message[1] === syncUpdate)
}
