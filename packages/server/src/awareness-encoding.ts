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
 * them all for each one (a `JSON.stringify` per state) made joining a room cost in proportion to its size. Only
 * the states that changed are encoded again, and the change that the room is sent is encoded once, for both.
 */
export class AwarenessEncoding {
  /** The entries of every state as of the last rebuild, concatenated, and how many there are. */
  private entries = new Uint8Array(0)
  private count = 0
  /** Client ids whose state changed since then; created when there are some. */
  private stale: Set<number> | null = null

  constructor(private readonly awareness: Awareness) {
    awareness.on('update', this.onUpdate)
  }

  /** An awareness update with every state of the room. */
  all(): Uint8Array {
    if (this.stale) this.rebuild(null)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, this.count)
    encoding.writeUint8Array(encoder, this.entries)
    return encoding.toUint8Array(encoder)
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
    const fresh = new Map<number, Uint8Array>()
    for (const [id, start, end] of spans) fresh.set(id, update.subarray(start, end))
    this.rebuild(fresh)
    return update
  }

  /** Stops following the awareness. */
  destroy(): void {
    this.awareness.off('update', this.onUpdate)
  }

  private readonly onUpdate = ({ added, updated, removed }: AwarenessChange): void => {
    this.stale ??= new Set()
    const stale = this.stale
    for (const id of added) stale.add(id)
    for (const id of updated) stale.add(id)
    for (const id of removed) stale.add(id)
  }

  /** Drops the entries of stale ids and appends their current ones, taken from `fresh` where it has them. */
  private rebuild(fresh: Map<number, Uint8Array> | null): void {
    const encoder = encoding.createEncoder()
    let count = 0
    const decoder = decoding.createDecoder(this.entries)
    for (let i = 0; i < this.count; i++) {
      const start = decoder.pos
      const id = decoding.readVarUint(decoder)
      decoding.readVarUint(decoder)
      const length = decoding.readVarUint(decoder)
      decoder.pos += length
      if (this.stale?.has(id) || fresh?.has(id)) continue
      encoding.writeUint8Array(encoder, this.entries.subarray(start, decoder.pos))
      count++
    }
    for (const id of this.stale ?? []) {
      if (fresh?.has(id)) continue
      const state = this.awareness.states.get(id)
      if (state === undefined) continue
      writeEntry(encoder, id, this.awareness.meta.get(id)?.clock ?? 0, state)
      count++
    }
    if (fresh) {
      for (const entry of fresh.values()) encoding.writeUint8Array(encoder, entry)
      count += fresh.size
    }
    this.stale = null
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
