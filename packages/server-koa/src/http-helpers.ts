import { timingSafeEqual } from 'node:crypto'
import { docNameError } from '@tandem/protocol'
import { AccessDenied, type Authentication, type Identity, type SyncServer } from '@tandem/server'
import type { Context } from 'koa'
import type { AccessPolicy } from './access-policy.js'

/** The largest JSON body the API reads. */
export const MAX_JSON_BODY = 16 * 1024

/** Reads a JSON object body (at most 16 KiB); answers 415, 413 or 400 with the reason otherwise. */
export async function readJsonBody(ctx: Context): Promise<Record<string, unknown>> {
  if (!ctx.is('application/json')) return ctx.throw(415, 'Send the body as application/json.')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > MAX_JSON_BODY) return ctx.throw(413, `The body is larger than ${MAX_JSON_BODY} bytes.`)
    chunks.push(chunk)
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return ctx.throw(400, 'The body is not valid JSON.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return ctx.throw(400, 'The body must be a JSON object.')
  }
  return body as Record<string, unknown>
}

/** The request's query parameters. */
export function requestQuery(ctx: Context): URLSearchParams {
  return new URLSearchParams(ctx.querystring)
}

/** Answers an {@link AccessDenied} with its status (and counts the failure against the client); rethrows others. */
export function sendAccessDenied(ctx: Context, policy: AccessPolicy | undefined, error: unknown): never {
  if (!(error instanceof AccessDenied)) throw error
  policy?.limits.failed(ctx.ip)
  // Headers set on ctx are dropped when Koa answers an error; they travel with the error instead.
  const headers = error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}
  return ctx.throw(error.status, `Access denied: ${error.message}.`, { headers })
}

/** What the sync server grants a request, with the identity it derived. */
export type Grant = Authentication & { identity: Identity }

/**
 * The rate limit, then the sync server's `authenticate` hooks, for `need` access to the document `name` (`null`:
 * the list), asked for as `requestedName` when that is an old name of it. A refusal is answered (401, 403 or 429)
 * with what was wrong, and counts against the address's failed attempts; a request that may only read is refused
 * 403 when it needs to write, without counting (its credentials are good).
 */
export async function authorizeRequest(
  ctx: Context,
  sync: SyncServer,
  policy: AccessPolicy | undefined,
  name: string | null,
  need: 'read' | 'write',
  requestedName: string | null = null,
): Promise<Grant> {
  if (policy) {
    const wait = policy.limits.attempt(ctx.ip)
    if (wait > 0) return ctx.throw(429, 'Too many requests; slow down.', { headers: { 'Retry-After': String(wait) } })
  }
  let grant: Grant
  try {
    grant = await sync.authenticate({
      documentName: name,
      requestedName,
      headers: ctx.headers,
      query: requestQuery(ctx),
      ip: ctx.ip,
    })
  } catch (error) {
    return sendAccessDenied(ctx, policy, error)
  }
  // Valid credentials that only allow reading: refused, but not counted as a failed attempt.
  if (need === 'write' && grant.access !== 'write') {
    const asked = requestedName ?? name
    return ctx.throw(403, `Access denied: this request may only read "${asked}", and changing it needs write access.`)
  }
  return grant
}

/** Whether the request carries `Authorization: Bearer <adminKey>`, compared in constant time. */
export function adminKeyMatches(ctx: Context, adminKey: string): boolean {
  const header = ctx.get('Authorization')
  if (!header.startsWith('Bearer ')) return false
  const given = Buffer.from(header.slice(7).trim())
  const expected = Buffer.from(adminKey)
  return given.byteLength === expected.byteLength && timingSafeEqual(given, expected)
}

/** A document name from a path segment (URL-encoded, `/` as `%2F`), or a 400 saying what is wrong with it. */
export function documentNameInPath(ctx: Context, encoded: string): string {
  let name: string
  try {
    name = decodeURIComponent(encoded)
  } catch {
    return ctx.throw(400, 'The document name is not valid percent-encoding.')
  }
  const invalid = encoded.includes('/') ? 'encode "/" in the name as %2F' : docNameError(name)
  if (invalid !== null) return ctx.throw(400, `Invalid document name: ${invalid}.`)
  return name
}

/** The answer to a change sent to `name`, an old name of the document `current`: changes go by the current name. */
export function oldNameMessage(name: string, current: string): string {
  return `"${name}" is an old name: the document is now "${current}"; use that name.`
}

/** The answer to reading a document in the trash. */
export function inTrashMessage(name: string): string {
  return `The document "${name}" is in the trash and can be restored`
}

/** The longest name a request may give for the person sending it, as for a version's name. */
const MAX_PERSON_NAME = 100

/**
 * `identity`, named by the request body's optional `name` (the name the person asking goes by) when nothing vouches
 * for a name: a server without access control then records that name, marked unverified, as who did it, as it
 * records the name a person chose for their cursor as the author of their edits. A name the identity already has (a
 * token's `name` claim) counts instead; a `name` that is not a short string is refused with 400, saying why.
 */
export function namedIdentity(ctx: Context, identity: Identity, body: Record<string, unknown>): Identity {
  if (body.name === undefined) return identity
  const name = shortText(ctx, 'name', body.name, {
    meaning: 'the name of the person asking',
    ifEmpty: 'leave it out, or give the name of the person asking',
    limitOf: "a person's name",
    max: MAX_PERSON_NAME,
  })
  return identity.verified || identity.name ? identity : { ...identity, name }
}

/**
 * The string `value` of the body's `field`, trimmed, when it is 1 to `max` characters long (counted as characters,
 * not UTF-16 units); otherwise answers 400 saying what was wrong, in `about`'s words.
 */
export function shortText(
  ctx: Context,
  field: string,
  value: unknown,
  about: { meaning: string; ifEmpty: string; limitOf: string; max: number },
): string {
  if (typeof value !== 'string') return ctx.throw(400, `"${field}" must be a string: ${about.meaning}.`)
  const text = value.trim()
  if (text === '') return ctx.throw(400, `"${field}" is empty: ${about.ifEmpty}.`)
  const length = [...text].length
  if (length > about.max) {
    return ctx.throw(400, `"${field}" is ${length} characters long; ${about.limitOf} has at most ${about.max}.`)
  }
  return text
}
