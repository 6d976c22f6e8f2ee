import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Awareness } from 'y-protocols/awareness'

interface AwarenessChange {
  added: number[]
  updated: number[]
  removed: number[]
}

/**
 * A room's awareness, encoded as y-protocols encodes it (`varUint(count)`, then per state `varUint(clientId)
 * varUint(clock) varString(JSON)`), and kept between changes: every newcomer is sent every state, and encoding
 * them all for each one (a `JSON.stringify` per state) made joining a room cost in proportion to its size. A
 * change is encoded once, for the room's broadcast, and its entries are kept; the room's whole encoding is put
 * together from the kept entries only when a newcomer asks for it, so a busy room's cursor moves cost no more
 * than their own encoding.
 */
export class AwarenessEncoding {
  /** The entries of every state as of the last rebuild, concatenated, and how many there are. */
  private entries = new Uint8Array(0)
  private count = 0
  /** Client ids whose state changed since the last rebuild; created when there are some. */
  private stale: Set<number> | null = null
  /** Entries encoded by {@link changed} since the last rebuild and still current, by client id. */
  private fresh: Map<number, Uint8Array> | null = null
  /** The last result of {@link all}, until the next change. */
  private whole: Uint8Array | null = null

  constructor(private readonly awareness: Awareness) {
    awareness.on('update', this.onUpdate)
  }

  /** An awareness update with every state of the room. */
  all(): Uint8Array {
    if (this.whole) return this.whole
    if (this.stale) this.rebuild()
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, this.count)
    encoding.writeUint8Array(encoder, this.entries)
    this.whole = encoding.toUint8Array(encoder)
    return this.whole
  }

  /**
   * An awareness update with the states of `ids` (removed ones as `null`), as `encodeAwarenessUpdate` writes it;
   * the room's encoding takes the same entries.
   */
  changed(ids: readonly number[]): Uint8Array {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, ids.length)
    const spans: [id: number, start: number, end: number][] = []
    for (const id of ids) {
      const start = encoding.length(encoder)
      const state = this.awareness.states.get(id)
      writeEntry(encoder, id, this.awareness.meta.get(id)?.clock ?? 0, state)
      if (state !== undefined) spans.push([id, start, encoding.length(encoder)])
    }
    const update = encoding.toUint8Array(encoder)
    if (spans.length > 0) this.fresh ??= new Map()
    for (const [id, start, end] of spans) this.fresh?.set(id, update.subarray(start, end))
    return update
  }

  private readonly onUpdate = ({ added, updated, removed }: AwarenessChange): void => {
    this.stale ??= new Set()
    this.whole = null
    for (const ids of [added, updated, removed]) {
      for (const id of ids) {
        this.stale.add(id)
        // An entry encoded before this change is out of date.
        this.fresh?.delete(id)
      }
    }
  }

  /** Drops the entries of stale ids and appends their current ones, from {@link fresh} where it has them. */
  private rebuild(): void {
    const { stale, fresh } = this
    const encoder = encoding.createEncoder()
    let count = 0
    const decoder = decoding.createDecoder(this.entries)
    for (let i = 0; i < this.count; i++) {
      const start = decoder.pos
      const id = decoding.readVarUint(decoder)
      decoding.readVarUint(decoder)
      const length = decoding.readVarUint(decoder)
      decoder.pos += length
      if (stale?.has(id)) continue
      encoding.writeUint8Array(encoder, this.entries.subarray(start, decoder.pos))
      count++
    }
    for (const id of stale ?? []) {
      const entry = fresh?.get(id)
      if (entry) {
        encoding.writeUint8Array(encoder, entry)
      } else {
        const state = this.awareness.states.get(id)
        if (state === undefined) continue
        writeEntry(encoder, id, this.awareness.meta.get(id)?.clock ?? 0, state)
      }
      count++
    }
    this.stale = null
    this.fresh = null
    this.entries = encoding.toUint8Array(encoder)
    this.count = count
  }
}

function writeEntry(encoder: encoding.Encoder, id: number, clock: number, state: unknown): void {
  encoding.writeVarUint(encoder, id)
  encoding.writeVarUint(encoder, clock)
  // `|| null` as y-protocols writes it: a falsy state is sent as null.
  encoding.writeVarString(encoder, JSON.stringify(state || null))
}
