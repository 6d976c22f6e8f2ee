import { readAwarenessEntries, writeAwarenessEntries } from '@tandem/protocol'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { AwarenessEncoding } from './awareness-encoding.js'
import { type AwarenessMember, AwarenessOwnership } from './awareness-ownership.js'

/** The most awareness client ids one member may set; a stock client uses one. */
export const MAX_AWARENESS_IDS_PER_MEMBER = 16

/** What a member's awareness update may do, decided on its parsed entries (see {@link Presence.judge}). */
export interface PresenceVerdict {
  /** The part to apply: the whole update, the entries it may set, or `null` for nothing. */
  readonly apply: Uint8Array | null
  /** Ids a live member owns: held back while that member is probed. */
  readonly claimed: readonly number[]
  /** Ids reserved for a person who left: never applied. */
  readonly reserved: readonly number[]
  /**
   * Ids whose state the server removed, which the member sets again at the clock the removal passed: it is told
   * of the removal (see {@link Presence.statesOf}), and its client answers with its state at a newer clock.
   */
  readonly stale: readonly number[]
}

/** Why an awareness update is refused outright: a state over the size bound, or too many client ids. */
export class PresenceRefused extends Error {
  constructor(
    readonly reason: 'too-large' | 'too-many-ids',
    message: string,
  ) {
    super(message)
  }
}

/**
 * A room's presence: who is here, with their name, colour and cursor (y-protocols' awareness), the one map of
 * who may set each client id (see {@link AwarenessOwnership}), and the room's encoding of it for newcomers.
 * Never stored.
 */
export class Presence<M extends AwarenessMember> {
  readonly awareness: Awareness
  /** The encoding newcomers and broadcasts are made from. */
  readonly encoding: AwarenessEncoding
  readonly ownership = new AwarenessOwnership<M>()

  constructor(doc: Y.Doc) {
    this.awareness = new Awareness(doc)
    // The server is not a person in the room.
    this.awareness.setLocalState(null)
    this.encoding = new AwarenessEncoding(this.awareness)
  }

  /**
   * What `member` may apply of an awareness update, decided on the parsed entries, as y-protocols reads them
   * (`" null"` is a removal as surely as `null`). Entries that would change nothing pass: the stock y-websocket
   * client re-broadcasts every awareness change it applies, other people's included, so echoes of others'
   * states at their current clock are routine. Throws {@link PresenceRefused} for a state over `maxStateBytes`
   * and what `readAwarenessEntries` or `JSON.parse` throws for malformed bytes.
   */
  judge(member: M, update: Uint8Array, maxStateBytes: number): PresenceVerdict {
    const { awareness, ownership } = this
    const entries = readAwarenessEntries(update)
    const kept: typeof entries = []
    const claimed: number[] = []
    const reserved: number[] = []
    const stale: number[] = []
    // Ids this update would add to the member's own; usually none (a client updates its own state).
    const added: number[] = []
    for (const entry of entries) {
      const { clientId: id, clock, state } = entry
      const size = Buffer.byteLength(state)
      if (size > maxStateBytes) {
        throw new PresenceRefused(
          'too-large',
          `the awareness state of client ${id} is ${size} bytes, over the bound of ${maxStateBytes}`,
        )
      }
      const parsed: unknown = JSON.parse(state)
      const current = awareness.meta.get(id)?.clock ?? 0
      // The same test applyAwarenessUpdate makes before it changes anything, on the same parsed state.
      const takesEffect = current < clock || (current === clock && parsed === null && awareness.states.has(id))
      if (takesEffect) {
        const verdict = ownership.judge(member, id)
        if (verdict === 'claimed') {
          claimed.push(id)
          continue
        }
        if (verdict === 'reserved') {
          reserved.push(id)
          continue
        }
        if (!member.awarenessIds.has(id) && !added.includes(id)) {
          added.push(id)
          // Checked as they come, so `added` stays short.
          if (member.awarenessIds.size + added.length > MAX_AWARENESS_IDS_PER_MEMBER) {
            throw new PresenceRefused(
              'too-many-ids',
              `a connection may set at most ${MAX_AWARENESS_IDS_PER_MEMBER} awareness states`,
            )
          }
        }
      } else if (parsed !== null && awareness.meta.has(id) && !awareness.states.has(id)) {
        if (ownership.judge(member, id) === 'own') stale.push(id)
      }
      kept.push(entry)
    }
    const whole = claimed.length === 0 && reserved.length === 0
    const apply = whole ? update : kept.length > 0 ? writeAwarenessEntries(kept) : null
    return { apply, claimed, reserved, stale }
  }

  /** Applies an update that {@link judge} allowed, on behalf of `origin` (a member, or another instance). */
  apply(update: Uint8Array, origin: unknown): void {
    applyAwarenessUpdate(this.awareness, update, origin)
  }

  /** Records a claim on ids live members own, and probes those members (see {@link AwarenessOwnership.claim}). */
  claim(member: M, ids: readonly number[], update: Uint8Array): void {
    this.ownership.claim(member, ids, update)
  }

  /** An awareness update with the states of `ids` (their removal, for ids whose state was removed). */
  statesOf(ids: readonly number[]): Uint8Array {
    return encodeAwarenessUpdate(this.awareness, [...ids])
  }

  /**
   * `member` left: the states it set are removed (the others see them leave at once), except those a live
   * claimant who is the same person takes over. The ids stay reserved for the person, who may come back.
   */
  leave(member: M, isLive: (member: M) => boolean): void {
    const { removed, handedOver } = this.ownership.leave(member, isLive)
    const present = removed.filter((id) => this.awareness.states.has(id))
    if (present.length > 0) removeAwarenessStates(this.awareness, present, member)
    for (const [claimant, update] of handedOver) applyAwarenessUpdate(this.awareness, update, claimant)
  }

  destroy(): void {
    this.awareness.destroy()
  }
}
