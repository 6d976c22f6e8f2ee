import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/**
 * About how many bytes of document state one piece of a streamed sync carries: 256 KiB, a quarter of a second
 * at 1 MB/s and a few seconds on a poor mobile link, well inside any client's patience between two messages.
 */
export const PIECE_BYTES = 256 * 1024

/** A sync whose answer would carry more than this many bytes is streamed in pieces: 1 MiB. */
export const STREAM_ABOVE = 1024 * 1024

/** What a struct costs in a piece beyond its content, in bytes: its info, ids and lengths. */
const STRUCT_OVERHEAD = 8

type Struct = Y.Item | Y.GC

/** One client's structs in one piece: a run of clocks from `start`, as structs with the part of each to send. */
interface Run {
  readonly start: number
  readonly parts: { struct: Struct; offset: number; end: number }[]
}

/**
 * A document's state cut into pieces for one client: each piece is a Yjs update (v1) that the client can apply on
 * its own, holding only structs whose every reference (origin, right origin, parent) the client already has from
 * the pieces before it, or gets in the same piece. So no piece ever leaves Yjs pending structs to merge again
 * with every later one.
 *
 * The pieces are cut from the live Y.Doc, one at a time, as they are asked for: the document may change between
 * two pieces. They cover the document as it was when the pieces were made (`target`); whatever changed after, and
 * every deletion, comes in {@link rest}, the last message. A creation order of the structs exists (every struct's
 * references were made before it), so the next piece is never empty while something is left.
 */
export class StatePieces {
  /** For each client, the first clock the receiver does not have yet. */
  private readonly cursor: Map<number, number>
  /** For each client, the clock the pieces go up to: the document's state vector when they were made. */
  private readonly target: Map<number, number>
  /** The estimated bytes of all pieces. */
  readonly total: number
  /** The estimated bytes of the pieces cut so far. */
  sent = 0

  /** `stateVector`: the receiver's encoded state vector, as its sync step 1 carries it. */
  constructor(
    private readonly doc: Y.Doc,
    stateVector: Uint8Array,
  ) {
    this.cursor = Y.decodeStateVector(stateVector)
    this.target = Y.decodeStateVector(Y.encodeStateVector(doc))
    let total = 0
    for (const [client, target] of this.target) {
      const structs = doc.store.clients.get(client) as Struct[]
      let clock = this.cursor.get(client) ?? 0
      if (clock >= target) continue
      for (let index = Y.findIndexSS(structs, clock); clock < target; index++) {
        const struct = structs[index] as Struct
        const end = Math.min(struct.length, target - struct.id.clock)
        total += cost(struct, clock - struct.id.clock, end)
        clock = struct.id.clock + end
      }
    }
    this.total = total
  }

  /** Whether every piece has been cut. */
  get finished(): boolean {
    for (const [client, target] of this.target) if ((this.cursor.get(client) ?? 0) < target) return false
    return true
  }

  /**
   * The next piece, of about `budget` bytes (at least one struct, or part of one), or `null` once none is left.
   */
  next(budget = PIECE_BYTES): Uint8Array | null {
    const runs = new Map<number, Run>()
    let left = budget
    let advanced = true
    // Round after round over the clients: a struct held back for another client's struct can follow it in the
    // same piece once that one is in.
    while (left > 0 && advanced) {
      advanced = false
      for (const [client, target] of this.target) {
        let clock = this.cursor.get(client) ?? 0
        if (clock >= target) continue
        const structs = this.doc.store.clients.get(client) as Struct[]
        for (let index = Y.findIndexSS(structs, clock); clock < target && left > 0; index++) {
          const struct = structs[index] as Struct
          const offset = clock - struct.id.clock
          if (!this.ready(struct, offset)) break
          const whole = Math.min(struct.length, target - struct.id.clock)
          let end = whole
          let spent = cost(struct, offset, end)
          if (spent > left && splittable(struct)) {
            end = cutAt(struct, offset, offset + Math.max(1, left - (spent - (end - offset))), end)
            spent = cost(struct, offset, end)
          }
          const run = runs.get(client) ?? { start: clock, parts: [] }
          runs.set(client, run)
          run.parts.push({ struct, offset, end })
          left -= spent
          this.sent += spent
          clock = struct.id.clock + end
          this.cursor.set(client, clock)
          advanced = true
          // The rest of a struct cut short goes into the next piece.
          if (end < whole) left = 0
        }
      }
    }
    if (runs.size === 0) return null
    return encodeRuns(runs)
  }

  /**
   * The update that completes the sync once the pieces are sent: every deletion, and any struct the receiver
   * still lacks (those made after the pieces were, and all of them should a piece never have been cut).
   */
  rest(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(this.cursor))
  }

  /** Whether the receiver has, or gets in this piece, everything `struct` from `offset` refers to. */
  private ready(struct: Struct, offset: number): boolean {
    if (!(struct instanceof Y.Item)) return true
    const { origin, rightOrigin } = struct
    // From an offset, the struct's origin is its own previous clock, which the receiver has.
    if (offset === 0 && origin !== null && !this.has(origin)) return false
    if (rightOrigin !== null && !this.has(rightOrigin)) return false
    if (offset === 0 && origin === null && rightOrigin === null) {
      const parent = (struct.parent as Y.AbstractType<unknown> | null)?._item
      if (parent && !this.has(parent.id)) return false
    }
    return true
  }

  private has(id: Y.ID): boolean {
    return id.clock < (this.cursor.get(id.client) ?? 0)
  }
}

/**
 * The estimated bytes that clocks `offset` to `end` of `struct` take in an update. A struct's overhead is counted
 * with its first part only, so that the parts of a struct cut across pieces cost what the whole struct does.
 */
function cost(struct: Struct, offset: number, end: number): number {
  const overhead = offset === 0 ? STRUCT_OVERHEAD : 0
  if (!(struct instanceof Y.Item)) return overhead
  const content = struct.content
  if (content instanceof Y.ContentString) return overhead + (end - offset)
  if (content instanceof Y.ContentDeleted) return overhead
  if (content instanceof Y.ContentBinary) return overhead + content.content.byteLength
  return overhead + 16 * (end - offset)
}

/** Whether part of `struct` can be sent: only a long string, which is what makes a document big. */
function splittable(struct: Struct): struct is Y.Item {
  return struct instanceof Y.Item && struct.content instanceof Y.ContentString && struct.length > 1
}

/** Where to end a part of a string struct near `wanted`: never between the two halves of a surrogate pair. */
function cutAt(struct: Y.Item, offset: number, wanted: number, end: number): number {
  if (wanted >= end) return end
  const text = (struct.content as Y.ContentString).str
  const code = text.charCodeAt(wanted - 1)
  if (code >= 0xd800 && code <= 0xdbff) return wanted - 1 > offset ? wanted - 1 : wanted + 1
  return wanted
}

/** Encodes runs of structs as a Yjs update (v1) with no deletions, as Yjs's own `writeStructs` does. */
function encodeRuns(runs: Map<number, Run>): Uint8Array {
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, runs.size)
  // Higher client ids first, as Yjs writes them.
  for (const [client, run] of [...runs].sort((a, b) => b[0] - a[0])) {
    encoding.writeVarUint(encoder.restEncoder, run.parts.length)
    encoder.writeClient(client)
    encoding.writeVarUint(encoder.restEncoder, run.start)
    for (const { struct, offset, end } of run.parts) {
      if (end === struct.length) struct.write(encoder, offset)
      else truncated(struct, end).write(encoder, offset)
    }
  }
  // No deletions: they all come with the last message.
  encoding.writeVarUint(encoder.restEncoder, 0)
  return encoder.toUint8Array()
}

/**
 * The first `length` clocks of `struct`, as a detached struct to write: the document may have merged a struct
 * made after the pieces were into it, and a piece may end inside a long string.
 */
function truncated(struct: Struct, length: number): Struct {
  if (!(struct instanceof Y.Item)) return new Y.GC(struct.id, length)
  const content = struct.content
  let part: Y.Item['content']
  if (content instanceof Y.ContentString) part = new Y.ContentString(content.str.slice(0, length))
  else if (content instanceof Y.ContentDeleted) part = new Y.ContentDeleted(length)
  else if (content instanceof Y.ContentAny) part = new Y.ContentAny(content.arr.slice(0, length))
  else if (content instanceof Y.ContentJSON) part = new Y.ContentJSON(content.arr.slice(0, length))
  else throw new Error(`a struct with ${content.constructor.name} cannot be cut`)
  return new Y.Item(struct.id, null, struct.origin, null, struct.rightOrigin, struct.parent, struct.parentSub, part)
}
