import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { Access } from '@tandem/protocol'
import { AccessDenied } from '@tandem/server'
import { type AccessGrant, TokenAuthority } from './access-tokens.js'
import { type RateLimitOptions, RateLimits } from './rate-limits.js'
import { headerValue, tokenFrom } from './token-authentication.js'
import type { TokenRevocations } from './token-revocations.js'

/** Settings of who may connect, from where, and how often. */
export interface AccessPolicyOptions extends RateLimitOptions {
  /**
   * `none`: anyone who can reach the server may read and edit every document. `token`: every connection and
   * API call needs a token (see {@link TokenAuthority}). @default 'none'
   */
  mode?: 'none' | 'token'
  /** Verifies tokens; required in `token` mode. */
  authority?: TokenAuthority
  /** Revoked token ids, checked after a token's signature: a revoked token is refused with 403. @default none */
  revocations?: TokenRevocations
  /**
   * Browser origins allowed to open connections, besides the server's own origin (and, when the server is
   * reached as localhost, any localhost origin, for development). `*` allows every origin. @default []
   */
  allowedOrigins?: readonly string[]
  /** Take the client's IP from the last `X-Forwarded-For` entry (set this only behind your own proxy). @default false */
  trustProxy?: boolean
}

/** An upgrade the policy refuses before anyone is authenticated: too many attempts, or a foreign origin. */
export interface UpgradeRefusal {
  readonly status: 403 | 429
  readonly message: string
  readonly retryAfter?: number
}

const localhostNames = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Who may connect to which document, from where and how often: the server's access rules, applied to every
 * WebSocket upgrade and every API request.
 */
export class AccessPolicy {
  readonly mode: 'none' | 'token'
  readonly authority: TokenAuthority | null
  readonly revocations: TokenRevocations | null
  readonly limits: RateLimits
  private readonly allowedOrigins: Set<string>
  private readonly anyOrigin: boolean
  private readonly trustProxy: boolean

  constructor(options: AccessPolicyOptions = {}) {
    this.mode = options.mode ?? 'none'
    this.authority = options.authority ?? null
    this.revocations = options.revocations ?? null
    if (this.mode === 'token' && !this.authority) {
      throw new Error('Token mode needs a TokenAuthority to check tokens with; pass `authority`.')
    }
    this.limits = new RateLimits(options)
    this.anyOrigin = (options.allowedOrigins ?? []).includes('*')
    this.allowedOrigins = new Set((options.allowedOrigins ?? []).filter((o) => o !== '*').map(normalizeOrigin))
    this.trustProxy = options.trustProxy ?? false
  }

  /** The client's IP address: the socket's peer, or with `trustProxy` the last `X-Forwarded-For` entry. */
  clientIp(request: IncomingMessage): string {
    if (this.trustProxy) {
      const forwarded = headerValue(request.headers['x-forwarded-for'])
      const last = forwarded?.split(',').pop()?.trim()
      if (last) return stripMapped(last)
    }
    return stripMapped(request.socket.remoteAddress ?? 'unknown')
  }

  /**
   * Checks an upgrade before authentication: the address's rate of attempts and the browser's origin. Returns
   * the refusal, or `null` to go on.
   */
  admit(request: IncomingMessage, ip: string): UpgradeRefusal | null {
    const wait = this.limits.attempt(ip)
    if (wait > 0) return { status: 429, message: 'Too many connection attempts; slow down.', retryAfter: wait }
    if (!this.originAllowed(request)) {
      return { status: 403, message: `Connections from the origin ${request.headers.origin} are not allowed.` }
    }
    return null
  }

  /**
   * Checks an API request for `need` access to `name` (or, with `name` null, for any valid token). Returns the
   * grant, or `null` when no token is needed (`none` mode). Throws `AccessDenied`.
   */
  async authorizeRequest(
    headers: IncomingHttpHeaders,
    query: URLSearchParams,
    name: string | null,
    need: Access,
  ): Promise<AccessGrant | null> {
    if (this.mode === 'none') return null
    const token = tokenFrom(headers, query)
    if (!token) throw new AccessDenied(401, 'a token is required')
    const grant = await (this.authority as TokenAuthority).verify(token)
    await this.revocations?.check(grant)
    if (name !== null) TokenAuthority.authorize(grant, name, need)
    return grant
  }

  private originAllowed(request: IncomingMessage): boolean {
    const origin = headerValue(request.headers.origin)
    // Browsers always send Origin on WebSocket upgrades; other clients need not, and could forge it anyway.
    if (origin === undefined || this.anyOrigin) return true
    let parsed: URL
    try {
      parsed = new URL(origin)
    } catch {
      return false
    }
    if (this.allowedOrigins.has(parsed.origin)) return true
    const host = (this.trustProxy && headerValue(request.headers['x-forwarded-host'])) || request.headers.host
    if (host !== undefined && parsed.host === host) return true
    // Development: a page on another localhost port (a dev server) talking to a server reached as localhost.
    const serverHostname = host?.replace(/:\d+$/, '')
    return serverHostname !== undefined && localhostNames.has(serverHostname) && localhostNames.has(parsed.hostname)
  }
}

/** An IPv4 address without its IPv6 mapping (`::ffff:`). */
export function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin
  } catch {
    throw new Error(`"${origin}" is not an origin; write it like https://app.example.com.`)
  }
}
