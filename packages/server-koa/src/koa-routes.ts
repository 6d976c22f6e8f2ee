import { docNameError } from '@tandem/protocol'
import type { Authentication, SyncServer } from '@tandem/server'
import type { Context, Middleware } from 'koa'
import type { Registry } from 'prom-client'
import type { AccessPolicy } from './access-policy.js'
import { requestQuery, sendAccessDenied } from './http-helpers.js'

/** Settings of the HTTP routes. */
export interface RoutesOptions {
  /** The registry served at `/metrics`; without it `/metrics` answers 404. */
  registry?: Registry
  /** How long `/readyz` waits for the store, in ms. @default 2000 */
  readyTimeout?: number
  /** The access rules the document API applies (the same as the WebSocket endpoint's). @default everyone may read */
  policy?: AccessPolicy
  /** When set, `/metrics` needs `Authorization: Bearer <metricsKey>`. @default open */
  metricsKey?: string
}

const docsPrefix = '/api/docs/'
const textSuffix = '/text'

function isTextPath(path: string): boolean {
  return path.startsWith(docsPrefix) && path.endsWith(textSuffix) && path.length > docsPrefix.length + textSuffix.length
}

/**
 * Koa middleware serving Tandem's HTTP endpoints:
 * - `GET /healthz`: the process is alive.
 * - `GET /readyz`: each dependency's state: the store answers (503 with the reason otherwise, and while shutting
 *   down); scaled out, the bus too (`"degraded"` while it is down: documents still load, save and sync on this
 *   instance, and catch up with the other instances when the bus is back).
 * - `GET /metrics`: Prometheus text.
 * - `GET /api/docs`: every stored document with its size and last update (with tokens: the ones the token covers).
 * - `GET /api/docs/:name/text`: a document's `content` text; the name is URL-encoded (`team%2Fnotes`).
 * The document API applies the access policy's rate limits and the sync server's `authenticate` hooks (with
 * tokens: read access to the document). Any other request passes to the next middleware.
 */
export function syncRoutes(sync: SyncServer, options: RoutesOptions = {}): Middleware {
  const readyTimeout = options.readyTimeout ?? 2000
  const policy = options.policy
  /** Applies the rate limit and the `authenticate` hooks to reading `name` (or, for `null`, the list). */
  const authorize = async (ctx: Context, name: string | null): Promise<Authentication> => {
    if (policy) {
      const wait = policy.limits.attempt(ctx.ip)
      if (wait > 0) {
        return ctx.throw(429, 'Too many requests; slow down.', { headers: { 'Retry-After': String(wait) } })
      }
    }
    try {
      return await sync.authenticate({ documentName: name, headers: ctx.headers, query: requestQuery(ctx), ip: ctx.ip })
    } catch (error) {
      return sendAccessDenied(ctx, policy, error)
    }
  }
  return async (ctx, next) => {
    const path = ctx.path
    const known = ['/healthz', '/readyz', '/metrics', '/api/docs'].includes(path) || isTextPath(path)
    if (!known) return next()
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.throw(405, `${ctx.method} is not allowed on ${path}; use GET.`, { headers: { Allow: 'GET, HEAD' } })
    }
    ctx.set('Cache-Control', 'no-store')
    if (path === '/healthz') {
      ctx.body = { status: 'ok' }
    } else if (path === '/readyz') {
      const bus = sync.fanout?.bus
      const [store, busProblem] = await Promise.all([
        sync.isClosing ? 'shutting down' : problemOf(() => sync.store.check(), readyTimeout),
        bus ? problemOf(() => bus.check(), readyTimeout) : null,
      ])
      ctx.status = store === null ? 200 : 503
      ctx.body = {
        status: store !== null ? 'unavailable' : busProblem !== null ? 'degraded' : 'ready',
        store: store ?? 'ok',
        ...(bus ? { [bus.name]: busProblem ?? 'ok' } : {}),
      }
    } else if (path === '/metrics') {
      const registry = options.registry
      if (!registry) return ctx.throw(404, 'Metrics are not enabled on this server.')
      if (options.metricsKey && ctx.get('Authorization') !== `Bearer ${options.metricsKey}`) {
        return ctx.throw(401, 'Metrics need Authorization: Bearer <admin key>.', {
          headers: { 'WWW-Authenticate': 'Bearer' },
        })
      }
      ctx.type = registry.contentType
      ctx.body = await registry.metrics()
    } else if (path === '/api/docs') {
      const grant = await authorize(ctx, null)
      const documents = (await sync.listDocuments()).filter((doc) => grant.covers?.(doc.name) ?? true)
      ctx.body = {
        documents: documents.map((doc) => ({ name: doc.name, size: doc.size, updatedAt: doc.updatedAt.toISOString() })),
      }
    } else {
      const encoded = path.slice(docsPrefix.length, -textSuffix.length)
      if (encoded.includes('/')) return ctx.throw(404, 'Use /api/docs/<URL-encoded document name>/text.')
      const name = decodeOrNull(encoded)
      if (name === null) return ctx.throw(400, 'The document name is not valid percent-encoding.')
      const invalid = docNameError(name)
      if (invalid !== null) ctx.throw(400, `Invalid document name: ${invalid}.`)
      await authorize(ctx, name)
      const text = await sync.getText(name)
      if (text === null) ctx.throw(404, `No document named "${name}".`)
      ctx.type = 'text/plain; charset=utf-8'
      ctx.body = text
    }
  }
}

function decodeOrNull(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded)
  } catch {
    return null
  }
}

/** What is wrong with a dependency, by its `check()`, or `null` when nothing is. */
async function problemOf(check: () => Promise<void>, timeoutMs: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)
  })
  try {
    return await Promise.race([check().then(() => null), timeout])
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    clearTimeout(timer)
  }
}
