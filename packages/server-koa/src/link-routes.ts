import { tokenIdError } from '@tandem/protocol'
import type { ShareLinkRecord } from '@tandem/server'
import type { Context, Middleware } from 'koa'
import type { AccessPolicy } from './access-policy.js'
import { adminKeyMatches, documentNameInPath, requestQuery, sendAccessDenied } from './http-helpers.js'
import { reasonOf } from './token-revocations.js'

/** Settings of the link routes. */
export interface LinkRoutesOptions {
  /** The admin key (`Authorization: Bearer <key>`), which may list and revoke every link and revoke any token. */
  adminKey?: string
}

const docsPrefix = '/api/docs/'
const linksPattern = /^\/api\/docs\/([^/]+)\/links(?:\/([^/]*))?$/
const revokePattern = /^\/api\/tokens\/([^/]*)\/revoke$/

/**
 * Koa middleware listing and revoking access:
 * - `GET /api/docs/:name/links`: the document's share links that have not expired and are not revoked (never
 *   their tokens), for the admin key or a token that may write to the document.
 * - `DELETE /api/docs/:name/links/:id`: revokes one of them, for the same people; the connections it opened close
 *   with 4403.
 * - `POST /api/tokens/:id/revoke` with the admin key: revokes any token id (`jti`), also of tokens another
 *   service signed.
 */
export function linkRoutes(policy: AccessPolicy, options: LinkRoutesOptions = {}): Middleware {
  return async (ctx, next) => {
    const links = ctx.path.startsWith(docsPrefix) ? linksPattern.exec(ctx.path) : null
    const revoke = links ? null : revokePattern.exec(ctx.path)
    if (!links && !revoke) return next()
    const allowed = links ? (links[2] === undefined ? 'GET' : 'DELETE') : 'POST'
    if (ctx.method !== allowed) {
      return ctx.throw(405, `${ctx.method} is not allowed on ${ctx.path}; use ${allowed}.`, {
        headers: { Allow: allowed },
      })
    }
    ctx.set('Cache-Control', 'no-store')
    const revocations = policy.revocations
    if (policy.mode !== 'token' || !revocations) {
      return ctx.throw(
        404,
        'This server has no share links to list or revoke: it runs without tokens (start it with --auth token).',
      )
    }
    const isAdmin = options.adminKey !== undefined && adminKeyMatches(ctx, options.adminKey)
    if (revoke) {
      if (!options.adminKey) return ctx.throw(404, 'Revoking tokens by id is off; set an admin key to enable it.')
      if (!isAdmin) {
        policy.limits.failed(ctx.ip)
        return ctx.throw(401, 'The admin key is missing or wrong (send Authorization: Bearer <admin key>).')
      }
      const id = decodedId(ctx, revoke[1] as string)
      const { revocation, already } = await revocations.revoke(id)
      ctx.body = { id, kind: revocation.kind, revokedAt: revocation.revokedAt.toISOString(), alreadyRevoked: already }
      return
    }
    const name = documentNameInPath(ctx, (links as RegExpExecArray)[1] as string)
    const encodedId = (links as RegExpExecArray)[2]
    // Checked before the credentials, as the share route does: a bad request says so whoever sends it.
    const id = encodedId === undefined ? null : decodedId(ctx, encodedId)
    if (!isAdmin) {
      try {
        await policy.authorizeRequest(ctx.headers, requestQuery(ctx), name, 'write')
      } catch (error) {
        return sendAccessDenied(ctx, policy, error)
      }
    }
    if (id === null) {
      const active = await revocations.records.activeLinks(name, new Date())
      ctx.body = { links: active.map(linkBody) }
      return
    }
    const link = await revocations.records.link(id)
    // A link of another document is as unknown here as no link at all: its id says nothing to this caller.
    if (!link || link.document !== name) return ctx.throw(404, `The document "${name}" has no share link ${id}.`)
    const { revocation, already } = await revocations.revoke(id)
    ctx.body = {
      ...linkBody(link),
      revokedAt: revocation.revokedAt.toISOString(),
      alreadyRevoked: already,
      reason: reasonOf(revocation),
    }
  }
}

function linkBody(link: ShareLinkRecord) {
  return {
    id: link.id,
    access: link.access,
    label: link.label,
    createdBy: link.createdBy,
    createdAt: link.createdAt.toISOString(),
    expiresAt: link.expiresAt.toISOString(),
  }
}

function decodedId(ctx: Context, encoded: string): string {
  let id: string
  try {
    id = decodeURIComponent(encoded)
  } catch {
    return ctx.throw(400, 'The link id is not valid percent-encoding.')
  }
  const invalid = tokenIdError(id)
  if (invalid !== null) return ctx.throw(400, `Invalid link id: ${invalid}.`)
  return id
}
