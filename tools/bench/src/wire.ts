/**
 * Yjs updates written and read by hand, so that a simulated client costs a few microseconds per message instead of
 * a Y.Doc's work. Frames around them are @tandem/protocol's to write and read.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

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
 * Calls `onMarker` for every marker in the strings of a Yjs update (v1), such as the view `readMessage` gives: the
 * update is walked struct by struct, so bytes of ids and lengths are never mistaken for marker text. An update
 * with content other than strings and deletions (which load clients never send) is scanned byte by byte instead.
 */
export function markersInUpdate(update: Uint8Array, onMarker: (id: number) => void): void {
  const decoder = decoding.createDecoder(update)
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
          const from = decoder.pos
          decoder.pos += length
          scanMarkers(update, from, from + length, collect)
        } else throw new Error(`content ref ${ref}`)
      }
    }
  } catch {
    // Report nothing twice: what the walk found is dropped, and the raw scan finds it again.
    found.length = 0
    scanMarkers(update, 0, update.length, onMarker)
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
