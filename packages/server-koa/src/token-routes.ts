import { type Access, docPatternError, MAX_TOKEN_PATTERNS } from '@tandem/protocol'
import type { Context, Middleware } from 'koa'
import type { AccessPolicy } from './access-policy.js'
import { MAX_TOKEN_TTL_SECONDS } from './access-tokens.js'
import { parseDuration } from './duration.js'
import { adminKeyMatches, documentNameInPath, readJsonBody, requestQuery, sendAccessDenied } from './http-helpers.js'

/** Settings of the token endpoints. */
export interface TokenRoutesOptions {
  /** The key other services present (`Authorization: Bearer <key>`) to mint tokens; without it minting over HTTP is off. */
  adminKey?: string
  /** The longest lifetime of a share link's token, in seconds. @default 30 days */
  maxShareTtl?: number
}

const shareSuffix = '/share'

/**
 * Koa middleware minting tokens:
 * - `POST /api/tokens` with the admin key: any token, for services that hand tokens to their users.
 * - `POST /api/docs/:name/share` with a token that may write to the document: a token for that document only,
 *   read or write, for a share link. With the policy's `revocations`, the link is recorded (without its token),
 *   so that it can be listed and revoked (see `linkRoutes`).
 */
export function tokenRoutes(policy: AccessPolicy, options: TokenRoutesOptions = {}): Middleware {
  const maxShareTtl = options.maxShareTtl ?? 30 * 86_400
  return async (ctx, next) => {
    const isMint = ctx.path === '/api/tokens'
    const isShare = ctx.path.startsWith('/api/docs/') && ctx.path.endsWith(shareSuffix)
    if (!isMint && !isShare) return next()
    if (ctx.method !== 'POST') {
      return ctx.throw(405, `${ctx.method} is not allowed on ${ctx.path}; use POST.`, { headers: { Allow: 'POST' } })
    }
    ctx.set('Cache-Control', 'no-store')
    const authority = policy.authority
    if (policy.mode !== 'token' || !authority?.canMint) {
      return ctx.throw(404, 'Tokens are not enabled on this server (start it with --auth token and a secret).')
    }
    if (isMint) {
      if (!options.adminKey) return ctx.throw(404, 'Minting tokens over HTTP is off; set an admin key to enable it.')
      if (!adminKeyMatches(ctx, options.adminKey)) {
        policy.limits.failed(ctx.ip)
        return ctx.throw(401, 'The admin key is missing or wrong (send Authorization: Bearer <admin key>).')
      }
      const body = await readJsonBody(ctx)
      const docs = body.docs
      if (!Array.isArray(docs) || docs.length === 0 || docs.length > MAX_TOKEN_PATTERNS) {
        return ctx.throw(
          400,
          `"docs" must be a list of 1 to ${MAX_TOKEN_PATTERNS} document names or prefix/* patterns.`,
        )
      }
      for (const pattern of docs) {
        const error = typeof pattern === 'string' ? docPatternError(pattern) : 'every entry must be a string'
        if (error !== null) return ctx.throw(400, `"docs": ${error}.`)
      }
      const access = accessOf(ctx, body.access)
      const ttl = ttlOf(ctx, body.ttl ?? '7d', MAX_TOKEN_TTL_SECONDS)
      const name = optionalString(ctx, body.name, 'name')
      const sub = optionalString(ctx, body.sub, 'sub') ?? name ?? 'api'
      ctx.status = 201
      ctx.body = await mintBody(authority, { sub, name, docs: docs as string[], access }, ttl)
      return
    }
    const encoded = ctx.path.slice('/api/docs/'.length, -shareSuffix.length)
    const docName = documentNameInPath(ctx, encoded)
    let grant: Awaited<ReturnType<AccessPolicy['authorizeRequest']>>
    try {
      grant = await policy.authorizeRequest(ctx.headers, requestQuery(ctx), docName, 'write')
    } catch (error) {
      return sendAccessDenied(ctx, policy, error)
    }
    const body = await readJsonBody(ctx)
    const access = accessOf(ctx, body.access)
    const ttl = ttlOf(ctx, body.ttl ?? '7d', maxShareTtl)
    const label = labelOf(ctx, body.label)
    const createdBy = grant?.subject ?? 'anonymous'
    const minted = await mintBody(authority, { sub: `share:${createdBy}`, name: null, docs: [docName], access }, ttl)
    await policy.revocations?.records.recordLink({
      id: minted.id,
      document: docName,
      access,
      label,
      createdBy,
      createdAt: new Date(),
      expiresAt: new Date(minted.expiresAt),
    })
    ctx.status = 201
    ctx.body = { ...minted, label }
  }
}

/** The longest label of a share link, in characters. */
const MAX_LABEL_LENGTH = 100

function labelOf(ctx: Context, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rule refuses.
  if (typeof value !== 'string' || value.length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    return ctx.throw(400, `"label" must be text of at most ${MAX_LABEL_LENGTH} characters, without control characters.`)
  }
  return value
}

async function mintBody(
  authority: NonNullable<AccessPolicy['authority']>,
  claims: { sub: string; name: string | null; docs: string[]; access: Access },
  ttl: number,
) {
  const { token, id, expiresAt } = await authority.mint(
    { sub: claims.sub, ...(claims.name ? { name: claims.name } : {}), docs: claims.docs, access: claims.access },
    ttl,
  )
  return { token, id, expiresAt: expiresAt.toISOString(), access: claims.access, docs: claims.docs }
}

function accessOf(ctx: Context, value: unknown): Access {
  if (value !== 'read' && value !== 'write') return ctx.throw(400, '"access" must be "read" or "write".')
  return value
}

function ttlOf(ctx: Context, value: unknown, max: number): number {
  const seconds = parseDuration(value)
  if (seconds === null || seconds > max) {
    return ctx.throw(400, `"ttl" must be a duration like 3600, 30m, 12h or 7d, at most ${max} seconds.`)
  }
  return seconds
}

function optionalString(ctx: Context, value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    return ctx.throw(400, `"${field}" must be a string of 1 to 200 characters.`)
  }
  return value
}
