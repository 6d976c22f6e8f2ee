import type { Access } from '@tandem/protocol'

/**
 * What a store keeps about access, beside the documents: the share links minted for each document (never their
 * tokens, which cannot be shown again) and the ids of revoked tokens. Revocations are durable, and shared by
 * every instance on one database: the token check and the instances' polls read them from here.
 *
 * One contract test suite (`runAccessRecordsContract` in @tandem/test-utils) runs over every implementation.
 */
export interface AccessRecords {
  /**
   * Records a share link; durable when it resolves. Rejects when a link with the same id is recorded. A link is
   * filed under its document's current name: one made for an old name of a renamed document is filed under the
   * new name, and a rename (`DocStore.rename`) moves the links of a document with it, in the same transaction.
   */
  recordLink(link: ShareLinkRecord): Promise<void>
  /** The share link with this id, revoked or expired or not; `null` when none was recorded. */
  link(id: string): Promise<ShareLinkRecord | null>
  /** The share links of `document` that have not expired by `now` and are not revoked, oldest first. */
  activeLinks(document: string, now: Date): Promise<ShareLinkRecord[]>
  /**
   * Revokes the token `id`, durably when it resolves. Its kind is `link` when a share link with that id is
   * recorded, else `token`; a link's revocation keeps the link's `expiresAt`, for {@link pruneRevocations}.
   * Revoking an id again changes nothing and resolves the first revocation, with `already` set.
   */
  revoke(id: string): Promise<{ revocation: TokenRevocation; already: boolean }>
  /** The revocation of the token `id`, or `null` when it is not revoked. */
  revocation(id: string): Promise<TokenRevocation | null>
  /** Every revocation recorded at or after `since` (by the store's clock), oldest first. */
  revocationsSince(since: Date): Promise<TokenRevocation[]>
  /**
   * Deletes the revocations of tokens that expired before `expiredBefore`, which every check refuses as expired
   * anyway; resolves to how many it deleted. Only a share link's revocation knows when its token expires (the
   * link's `expiresAt`); the revocation of any other token is kept for good, as the store never learns when that
   * token expires.
   */
  pruneRevocations(expiredBefore: Date): Promise<number>
}

/** A share link as recorded when it was minted: everything about it except its token. */
export interface ShareLinkRecord {
  /** Its token's id (`jti`). */
  readonly id: string
  /**
   * The one document the link opens, by its current name: after a rename, the new name, while the link's token
   * still names the old one (which leads to the document).
   */
  readonly document: string
  readonly access: Access
  /** A label for people ("for the reviewers"), or `null`. */
  readonly label: string | null
  readonly createdAt: Date
  readonly expiresAt: Date
  /** Who made it: the `sub` of the token they made it with. */
  readonly createdBy: string
}

/** A revoked token id. */
export interface TokenRevocation {
  readonly id: string
  /** `link` when the id is a recorded share link's, `token` for any other token (revoked with the admin key). */
  readonly kind: 'link' | 'token'
  readonly revokedAt: Date
}

/** Whether `store` keeps {@link AccessRecords} (Tandem's own stores all do). */
export function hasAccessRecords<T extends object>(store: T): store is T & AccessRecords {
  const candidate = store as Partial<AccessRecords>
  return typeof candidate.recordLink === 'function' && typeof candidate.revoke === 'function'
}
