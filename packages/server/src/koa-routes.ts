import { docNameError } from '@tandem/protocol'
import type { Middleware } from 'koa'
import type { Registry } from 'prom-client'
import type { SyncServer } from './sync-server.js'

/** Settings of the HTTP routes. */
export interface RoutesOptions {
  /** The registry served at `/metrics`; without it `/metrics` answers 404. */
  registry?: Registry
  /** How long `/readyz` waits for the store, in ms. @default 2000 */
  readyTimeout?: number
}

const docsPrefix = '/api/docs/'

/**
 * Koa middleware serving Tandem's HTTP endpoints:
 * - `GET /healthz`: the process is alive.
 * - `GET /readyz`: the store answers (503 with the reason otherwise, and while shutting down).
 * - `GET /metrics`: Prometheus text.
 * - `GET /api/docs`: every stored document with its size and last update.
 * - `GET /api/docs/:name/text`: a document's `content` text; the name is URL-encoded (`team%2Fnotes`).
 * Any other request passes to the next middleware.
 */
export function syncRoutes(sync: SyncServer, options: RoutesOptions = {}): Middleware {
  const readyTimeout = options.readyTimeout ?? 2000
  return async (ctx, next) => {
    const path = ctx.path
    const known = ['/healthz', '/readyz', '/metrics', '/api/docs'].includes(path) || path.startsWith(docsPrefix)
    if (!known) return next()
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD')
      ctx.throw(405, `${ctx.method} is not allowed on ${path}; use GET.`)
    }
    ctx.set('Cache-Control', 'no-store')
    if (path === '/healthz') {
      ctx.body = { status: 'ok' }
    } else if (path === '/readyz') {
      const problem = sync.isClosing ? 'shutting down' : await storeProblem(sync, readyTimeout)
      ctx.status = problem === null ? 200 : 503
      ctx.body = problem === null ? { status: 'ready', store: 'ok' } : { status: 'unavailable', store: problem }
    } else if (path === '/metrics') {
      const registry = options.registry
      if (!registry) return ctx.throw(404, 'Metrics are not enabled on this server.')
      ctx.type = registry.contentType
      ctx.body = await registry.metrics()
    } else if (path === '/api/docs') {
      const documents = await sync.listDocuments()
      ctx.body = {
        documents: documents.map((doc) => ({ name: doc.name, size: doc.size, updatedAt: doc.updatedAt.toISOString() })),
      }
    } else {
      const encoded = path.slice(docsPrefix.length)
      if (!encoded.endsWith('/text') || encoded.slice(0, -5).includes('/')) {
        ctx.throw(404, 'Use /api/docs/<URL-encoded document name>/text.')
      }
      const name = decodeOrNull(encoded.slice(0, -5))
      if (name === null) return ctx.throw(400, 'The document name is not valid percent-encoding.')
      const invalid = docNameError(name)
      if (invalid !== null) ctx.throw(400, `Invalid document name: ${invalid}.`)
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

async function storeProblem(sync: SyncServer, timeoutMs: number): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)
  })
  try {
    return await Promise.race([sync.store.check().then(() => null), timeout])
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    clearTimeout(timer)
  }
}
