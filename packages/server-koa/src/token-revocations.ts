import { REVOKED_LINK_REASON, REVOKED_TOKEN_REASON } from '@tandem/protocol'
import { AccessDenied, type AccessRecords, type Logger, type SyncServer, type TokenRevocation } from '@tandem/server'
import type { AccessGrant } from './access-tokens.js'

/** Settings of {@link TokenRevocations}. */
export interface TokenRevocationsOptions {
  /** How often every instance reads the store for revocations other instances made, in ms. @default 2000 */
  pollInterval?: number
  /** Where failures of the poll are logged. @default none */
  logger?: Logger
}

/**
 * How far back each poll reads, in ms: a revocation is seen by the polls of a whole minute after it was made,
 * so one whose transaction committed late (after a later one) or whose time came from a clock a little behind
 * is not missed. Ending the access of an id again closes nothing: its connections are gone.
 */
const POLL_OVERLAP_MS = 60_000

/**
 * How long after its token expired a revocation is kept, in ms. Each instance refuses an expired token by its own
 * clock, so one whose clock is behind the pruning instance's would still accept a token for that long after
 * its revocation was dropped; an hour is more than any clock kept by NTP is off, and costs only rows.
 */
const KEEP_AFTER_EXPIRY_MS = 3_600_000

/**
 * Revocation of tokens by their id (`jti`): checks a grant against the store's revocations, revokes, and ends
 * the open connections a revoked token admitted: on this instance at once, on the others (scaled out on one
 * PostgreSQL) at their next poll of the store, within `pollInterval`.
 */
export class TokenRevocations {
  private readonly pollInterval: number
  private readonly logger: Logger | undefined
  private readonly servers = new Set<SyncServer>()
  private timer: ReturnType<typeof setInterval> | null = null
  private polling = false
  private since = new Date(Date.now() - POLL_OVERLAP_MS)

  constructor(
    readonly records: AccessRecords,
    options: TokenRevocationsOptions = {},
  ) {
    this.pollInterval = options.pollInterval ?? 2000
    this.logger = options.logger
  }

  /** Throws {@link AccessDenied} (403) when the grant's token was revoked. */
  async check(grant: AccessGrant): Promise<void> {
    if (grant.id === null) return
    const revocation = await this.records.revocation(grant.id)
    if (revocation) throw new AccessDenied(403, reasonOf(revocation))
  }

  /** Revokes the token `id` and closes the connections it opened on this instance at once. */
  async revoke(id: string): Promise<{ revocation: TokenRevocation; already: boolean }> {
    const result = await this.records.revoke(id)
    this.end(result.revocation)
    return result
  }

  /**
   * Drops the revocations of tokens that expired more than an hour before `now` (see
   * `AccessRecords.pruneRevocations`: a share link's, never one of a token whose expiry the store does not know);
   * resolves to how many it dropped. Run it now and then, as the server's trash sweep does.
   */
  prune(now: Date = new Date()): Promise<number> {
    return this.records.pruneRevocations(new Date(now.getTime() - KEEP_AFTER_EXPIRY_MS))
  }

  /** Ends, with 4403, the connections of `sync` that revoked tokens admitted, from now on, until the returned function is called. */
  watch(sync: SyncServer): () => void {
    this.servers.add(sync)
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.pollInterval)
      this.timer.unref()
    }
    return () => {
      this.servers.delete(sync)
      if (this.servers.size === 0 && this.timer) {
        clearInterval(this.timer)
        this.timer = null
      }
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      const revocations = await this.records.revocationsSince(this.since)
      for (const revocation of revocations) {
        this.end(revocation)
        const from = new Date(revocation.revokedAt.getTime() - POLL_OVERLAP_MS)
        if (from > this.since) this.since = from
      }
    } catch (error) {
      this.logger?.warn({ err: error }, 'reading revoked tokens from the store failed; trying again')
    } finally {
      this.polling = false
    }
  }

  private end(revocation: TokenRevocation): void {
    for (const sync of this.servers) sync.endAccess(revocation.id, `Access denied: ${reasonOf(revocation)}.`)
  }
}

/** The reason a revoked token is refused with. */
export function reasonOf(revocation: TokenRevocation): string {
  return revocation.kind === 'link' ? REVOKED_LINK_REASON : REVOKED_TOKEN_REASON
}
