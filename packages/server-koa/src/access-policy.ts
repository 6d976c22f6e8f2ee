import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { type Access, CloseCode } from '@tandem/protocol'
import { AccessDenied, type AccessGrant, TokenAuthority } from './access-tokens.js'
import type { Identity } from './awareness-ownership.js'
import { type RateLimitOptions, RateLimits } from './rate-limits.js'

/** Settings of who may connect, from where, and how often. */
export interface AccessPolicyOptions extends RateLimitOptions {
  /**
   * `none`: anyone who can reach the server may read and edit every document. `token`: every connection and
   * API call needs a token (see {@link TokenAuthority}). @default 'none'
   */
  mode?: 'none' | 'token'
  /** Verifies tokens; required in `token` mode. */
  authority?: TokenAuthority
  /**
   * Browser origins allowed to open connections, besides the server's own origin (and, when the server is
   * reached as localhost, any localhost origin, for development). `*` allows every origin. @default []
   */
  allowedOrigins?: readonly string[]
  /** Take the client's IP from the last `X-Forwarded-For` entry (set this only behind your own proxy). @default false */
  trustProxy?: boolean
}

/** What to do with a WebSocket upgrade. */
export type UpgradeDecision =
  /**
   * Accept; `readOnly` connections may not change the document; the connection ends at `expiresAt`; `identity`
   * is who the person is (their token's subject, or without tokens their address).
   */
  | { kind: 'accept'; ip: string; readOnly: boolean; expiresAt: Date | null; identity: Identity }
  /** Refuse with an HTTP status before the handshake. */
  | { kind: 'refuse'; status: 403 | 429; message: string; retryAfter?: number }
  /**
   * Complete the handshake and close at once with a close code, loading nothing: a browser cannot read the HTTP
   * status of a refused upgrade, but it can read a close code, so the editor can tell "access denied" apart.
   */
  | { kind: 'close'; ip: string; code: number; message: string }

const localhostNames = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Who may connect to which document, from where and how often: the server's access rules, applied to every
 * WebSocket upgrade and every API request.
 */
export class AccessPolicy {
  readonly mode: 'none' | 'token'
  readonly authority: TokenAuthority | null
  readonly limits: RateLimits
  private readonly allowedOrigins: Set<string>
  private readonly anyOrigin: boolean
  private readonly trustProxy: boolean

  constructor(options: AccessPolicyOptions = {}) {
    this.mode = options.mode ?? 'none'
    this.authority = options.authority ?? null
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

  /** Decides a WebSocket upgrade to the document `name` (already checked against the name rule). */
  async checkUpgrade(request: IncomingMessage, name: string, query: URLSearchParams): Promise<UpgradeDecision> {
    const ip = this.clientIp(request)
    const wait = this.limits.attempt(ip)
    if (wait > 0)
      return { kind: 'refuse', status: 429, message: 'Too many connection attempts; slow down.', retryAfter: wait }
    if (!this.originAllowed(request)) {
      return {
        kind: 'refuse',
        status: 403,
        message: `Connections from the origin ${request.headers.origin} are not allowed.`,
      }
    }
    let grant: AccessGrant | null = null
    try {
      grant = await this.authenticate(request.headers, query, name, 'read')
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error
      this.limits.failed(ip)
      const code = error.status === 401 ? CloseCode.unauthorized : CloseCode.forbidden
      return { kind: 'close', ip, code, message: `Access denied: ${error.message}.` }
    }
    if (!this.limits.mayOpen(ip, name)) {
      return {
        kind: 'refuse',
        status: 429,
        message: `Too many documents open from one address (at most ${this.limits.docsPerIp}).`,
        retryAfter: 60,
      }
    }
    return {
      kind: 'accept',
      ip,
      readOnly: grant !== null && grant.access !== 'write',
      expiresAt: grant?.expiresAt ?? null,
      identity: grant ? { key: `sub:${grant.subject}`, verified: true } : { key: `ip:${ip}`, verified: false },
    }
  }

  /**
   * Checks an API request for `need` access to `name` (or, with `name` null, for any valid token). Returns the
   * grant, or `null` when no token is needed (`none` mode). Throws {@link AccessDenied}.
   */
  async authorizeRequest(
    headers: IncomingHttpHeaders,
    query: URLSearchParams,
    name: string | null,
    need: Access,
  ): Promise<AccessGrant | null> {
    return this.authenticate(headers, query, name, need)
  }

  private async authenticate(
    headers: IncomingHttpHeaders,
    query: URLSearchParams,
    name: string | null,
    need: Access,
  ): Promise<AccessGrant | null> {
    if (this.mode === 'none') return null
    const token = tokenFrom(headers, query)
    if (!token) throw new AccessDenied(401, 'a token is required')
    const grant = await (this.authority as TokenAuthority).verify(token)
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

/** The token of a request: `Authorization: Bearer <token>`, or the `token` query parameter. */
function tokenFrom(headers: IncomingHttpHeaders, query: URLSearchParams): string | null {
  const authorization = headerValue(headers.authorization)
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || null
  return query.get('token') || null
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin
  } catch {
    throw new Error(`"${origin}" is not an origin; write it like https://app.example.com.`)
  }
}
