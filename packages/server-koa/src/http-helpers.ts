import { timingSafeEqual } from 'node:crypto'
import { docNameError } from '@tandem/protocol'
import { AccessDenied } from '@tandem/server'
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
