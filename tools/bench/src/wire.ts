/**
 * The y-websocket messages the load clients speak, written and read by hand so that a simulated client costs a
 * few microseconds per message instead of a Y.Doc's work. Byte layout (docs/protocol.md):
 *
 * ```
 * sync step 1   varUint(0) varUint(0) varUint8Array(stateVector)
 * sync step 2   varUint(0) varUint(1) varUint8Array(update)
 * sync update   varUint(0) varUint(2) varUint8Array(update)
 * awareness     varUint(1) varUint8Array(varUint(n) n × (varUint(clientId) varUint(clock) varString(json)))
 * saved         varUint(100) varUint(count)          (Tandem, opt-in with ?tandem=saved)
 * ```
 */
import {
  messageAwareness as MESSAGE_AWARENESS,
  messageSaved as MESSAGE_SAVED,
  messageSync as MESSAGE_SYNC,
  syncStep1 as SYNC_STEP1,
  syncStep2 as SYNC_STEP2,
  syncUpdate as SYNC_UPDATE,
} from '@tandem/protocol'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

// The message types are @tandem/protocol's, under the names the load clients use.
export { MESSAGE_AWARENESS, MESSAGE_SAVED, MESSAGE_SYNC, SYNC_STEP1, SYNC_STEP2, SYNC_UPDATE }

/** A sync message (step 1, step 2 or update) around `payload`. */
export function syncMessage(subtype: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  encoding.writeVarUint(encoder, subtype)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** Sync step 1 of a client that has nothing: an empty state vector. */
export const EMPTY_STEP1 = syncMessage(SYNC_STEP1, new Uint8Array([0]))

/** Sync step 2 of a client that has nothing to give: an empty update (no structs, no deletions). */
export const EMPTY_STEP2 = syncMessage(SYNC_STEP2, new Uint8Array([0, 0]))

/** An awareness message setting one client's state. */
export function awarenessMessage(clientId: number, clock: number, state: unknown): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
  const inner = encoding.createEncoder()
  encoding.writeVarUint(inner, 1)
  encoding.writeVarUint(inner, clientId)
  encoding.writeVarUint(inner, clock)
  encoding.writeVarString(inner, JSON.stringify(state))
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner))
  return encoding.toUint8Array(encoder)
}

/** Calls `onClient` with every client id in an awareness message's payload (after the message type). */
export function readAwarenessClients(decoder: decoding.Decoder, onClient: (clientId: number) => void): void {
  const payload = decoding.readVarUint8Array(decoder)
  const inner = decoding.createDecoder(payload)
  const entries = decoding.readVarUint(inner)
  for (let i = 0; i < entries; i++) {
    onClient(decoding.readVarUint(inner))
    decoding.readVarUint(inner)
    decoding.readVarString(inner)
  }
}

// Yjs update format v1, for one Item carrying a string (ContentString, ref 4) in the root type `content`.
const CONTENT_STRING = 4
const HAS_ORIGIN = 0x80
const ROOT_TYPE = 'content'

/**
 * A Yjs update (format v1) in which client `clientId` inserts `text` (ASCII) right after its own previous
 * insertion, or at the start of the text for its first (`clock` 0). Every load client appends to its own run
 * of text, so its updates never depend on anyone else's and can be encoded without a Y.Doc: Yjs integrates
 * them exactly as if a real client had typed them.
 */
export function encodeInsertUpdate(clientId: number, clock: number, text: string): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // clients with structs
  encoding.writeVarUint(encoder, 1) // structs of this client
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, clock)
  if (clock === 0) {
    // No origin: the parent is named instead, as a root type key.
    encoding.writeUint8(encoder, CONTENT_STRING)
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarString(encoder, ROOT_TYPE)
  } else {
    encoding.writeUint8(encoder, CONTENT_STRING | HAS_ORIGIN)
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock - 1)
  }
  encoding.writeVarString(encoder, text)
  encoding.writeVarUint(encoder, 0) // delete set: no clients
  return encoding.toUint8Array(encoder)
}

/** The text of a marker: `~<id>;`, ASCII, unique in a run. */
export function markerText(id: number): string {
  return `~${id};`
}

const TILDE = 0x7e
const SEMICOLON = 0x3b
const ZERO = 0x30
const NINE = 0x39

/** Calls `onMarker` for every `~<digits>;` in `bytes[start, end)`. */
function scanMarkers(bytes: Uint8Array, start: number, end: number, onMarker: (id: number) => void): void {
  for (let i = start; i < end; i++) {
    if (bytes[i] !== TILDE) continue
    let id = 0
    let j = i + 1
    while (j < end) {
      const b = bytes[j] as number
      if (b < ZERO || b > NINE) break
      id = id * 10 + (b - ZERO)
      j++
    }
    if (j > i + 1 && j < end && bytes[j] === SEMICOLON) {
      onMarker(id)
      i = j
    }
  }
}

/**
 * Calls `onMarker` for every marker in the strings of a Yjs update (v1) at `bytes[start, end)`: the update is
 * walked struct by struct, so bytes of ids and lengths are never mistaken for marker text. An update with
 * content other than strings and deletions (which load clients never send) is scanned byte by byte instead.
 */
export function markersInUpdate(bytes: Uint8Array, start: number, end: number, onMarker: (id: number) => void): void {
  const decoder = decoding.createDecoder(bytes.subarray(start, end))
  found.length = 0
  try {
    const clients = decoding.readVarUint(decoder)
    for (let c = 0; c < clients; c++) {
      const structs = decoding.readVarUint(decoder)
      decoding.readVarUint(decoder) // client
      decoding.readVarUint(decoder) // clock
      for (let s = 0; s < structs; s++) {
        const info = decoding.readUint8(decoder)
        const ref = info & 0x1f
        if (ref === 0 || ref === 10) {
          decoding.readVarUint(decoder) // GC or Skip: a length
          continue
        }
        const hasOrigin = (info & 0x80) !== 0
        const hasRightOrigin = (info & 0x40) !== 0
        if (hasOrigin) skipIds(decoder, 1)
        if (hasRightOrigin) skipIds(decoder, 1)
        if (!hasOrigin && !hasRightOrigin) {
          if (decoding.readVarUint(decoder) === 1) decoding.readVarString(decoder)
          else skipIds(decoder, 1)
          if ((info & 0x20) !== 0) decoding.readVarString(decoder)
        }
        if (ref === 1)
          decoding.readVarUint(decoder) // ContentDeleted: a length
        else if (ref === 4) {
          const length = decoding.readVarUint(decoder)
          const from = start + decoder.pos
          decoder.pos += length
          scanMarkers(bytes, from, from + length, collect)
        } else throw new Error(`content ref ${ref}`)
      }
    }
  } catch {
    // Report nothing twice: what the walk found is dropped, and the raw scan finds it again.
    found.length = 0
    scanMarkers(bytes, start, end, onMarker)
    return
  }
  for (const id of found) onMarker(id)
}

const found: number[] = []
const collect = (id: number): void => {
  found.push(id)
}

function skipIds(decoder: decoding.Decoder, count: number): void {
  for (let i = 0; i < count; i++) {
    decoding.readVarUint(decoder)
    decoding.readVarUint(decoder)
  }
}
