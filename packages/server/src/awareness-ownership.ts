import type { AwarenessIdSet } from './awareness-ids.js'
import type { DocAuthor } from './doc-store.js'

/** Who the person behind a connection is, as far as the server can tell. */
export interface Identity {
  /** `user:<id>` for a person an `authenticate` hook named (a token's subject, say); `ip:<address>` otherwise. */
  readonly key: string
  /** Whether an `authenticate` hook vouched for it; otherwise it is only the client's address. */
  readonly verified: boolean
  /** A display name, when one is known (a token's `name` claim): shown, never used to tell people apart. */
  readonly name?: string | null
}

/**
 * `identity` as history and the store's listing name an author; `chosenName` stands in for a name the identity
 * lacks (the name a person chose for their cursor), still marked as unverified when the identity is.
 */
export function toDocAuthor(identity: Identity, chosenName: string | null = null): DocAuthor {
  return { id: identity.key, name: identity.name ?? chosenName, verified: identity.verified }
}

/** What the ownership map needs of a connection. */
export interface AwarenessMember {
  readonly identity: Identity
  /** Client ids whose awareness this member set. */
  readonly awarenessIds: AwarenessIdSet
  /** Checks at once that the member is still there, and drops it if it does not answer. */
  probe(): void
}

/** What may happen when a member sets the awareness state of a client id. */
export type AwarenessVerdict =
  /** The member set it before, or it is nobody's, or it was set by the same person, who left: it is the member's. */
  | 'own'
  /** A live member set it: the update waits while that member is checked on (see {@link AwarenessOwnership.claim}). */
  | 'claimed'
  /** Another person set it and left, and may come back: it stays theirs. */
  | 'reserved'

/** How many client ids of people who left a room keeps for them; the oldest are forgotten first. */
const MAX_RESERVED = 10_000

/**
 * Who may set each awareness client id of one room: the one map of ownership. A client id belongs to the member
 * that first set it; when that member leaves, it stays reserved for the same person (the same token subject, or
 * without tokens the same address) for as long as the room is open, so that their reconnect wins over anyone
 * else's claim on it. A live owner's id can pass to another member only if the owner turns out to be gone and the
 * claimant is the same person (a reconnect after a silent drop).
 */
export class AwarenessOwnership<P extends AwarenessMember> {
  /** Each id's owner: the live member that set it, or the identity key of the person who set it and left. */
  private readonly owners = new Map<number, P | string>()
  /** The latest awareness update of a member that claimed ids a live member owns, by id. */
  private readonly claims = new Map<number, { member: P; update: Uint8Array }>()
  private reserved = 0

  /** What happens if `member` sets the state of `id`. */
  judge(member: P, id: number): AwarenessVerdict {
    const owner = this.owners.get(id)
    if (owner === undefined || owner === member) return 'own'
    if (typeof owner === 'string') return owner === member.identity.key ? 'own' : 'reserved'
    return 'claimed'
  }

  /** Records that `member` set the state of `id` (it passed {@link judge} as `own`). */
  set(member: P, id: number): void {
    const owner = this.owners.get(id)
    if (owner === member) return
    if (typeof owner === 'string') this.reserved--
    this.owners.set(id, member)
    member.awarenessIds.add(id)
  }

  /** The live member that set `id`, if one did. */
  owner(id: number): P | undefined {
    const owner = this.owners.get(id)
    return typeof owner === 'string' ? undefined : owner
  }

  /** The client ids live members set. */
  liveIds(): number[] {
    const ids: number[] = []
    for (const [id, owner] of this.owners) if (typeof owner !== 'string') ids.push(id)
    return ids
  }

  /**
   * Records that `member` sent `update` setting `ids` that live members own, and asks those owners to prove they are
   * still there. If an owner turns out gone and `member` is the same person, `member` takes the ids over and
   * `update` is applied then (see {@link leave}); otherwise the claim had no effect.
   */
  claim(member: P, ids: readonly number[], update: Uint8Array): void {
    for (const id of ids) {
      this.claims.set(id, { member, update })
      this.owner(id)?.probe()
    }
  }

  /**
   * `member` left: its ids stay reserved for its person, or pass to a live claimant who is that person. Returns the
   * ids whose states should be removed, and the claimants' updates to apply now.
   */
  leave(member: P, isLive: (member: P) => boolean): { removed: number[]; handedOver: Map<P, Uint8Array> } {
    for (const [id, claim] of this.claims) if (claim.member === member) this.claims.delete(id)
    const removed: number[] = []
    const handedOver = new Map<P, Uint8Array>()
    for (const id of member.awarenessIds) {
      const claim = this.claims.get(id)
      this.claims.delete(id)
      if (claim && isLive(claim.member) && claim.member.identity.key === member.identity.key) {
        this.set(claim.member, id)
        handedOver.set(claim.member, claim.update)
      } else {
        this.reserve(id, member.identity.key)
        removed.push(id)
      }
    }
    member.awarenessIds.clear()
    return { removed, handedOver }
  }

  private reserve(id: number, key: string): void {
    // Re-inserted, so the map's order is the order of leaving and the oldest reservation comes first.
    this.owners.delete(id)
    this.owners.set(id, key)
    this.reserved++
    if (this.reserved <= MAX_RESERVED) return
    for (const [oldest, owner] of this.owners) {
      if (typeof owner !== 'string') continue
      this.owners.delete(oldest)
      this.reserved--
      break
    }
  }
}
