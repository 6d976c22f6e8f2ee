import type { SyncServer } from '@tandem/server'
import type { Middleware } from 'koa'
import type { Registry } from 'prom-client'
import { type DocumentRoutesOptions, documentRoutes } from './document-routes.js'
import { historyRoutes } from './history-routes.js'

/** Settings of the HTTP routes (the document API's included). */
export interface RoutesOptions extends DocumentRoutesOptions {
  /** The registry served at `/metrics`; without it `/metrics` answers 404. */
  registry?: Registry
  /** How long `/readyz` waits for the store, in ms. @default 2000 */
  readyTimeout?: number
  /** When set, `/metrics` needs `Authorization: Bearer <metricsKey>`. @default open */
  metricsKey?: string
}

/**
 * Koa middleware serving Tandem's HTTP endpoints:
 * - `GET /healthz`: the process is alive.
 * - `GET /readyz`: each dependency's state: the store answers (503 with the reason otherwise, and while shutting
 *   down); scaled out, the bus too (`"degraded"` while it is down: documents still load, save and sync on this
 *   instance, and catch up with the other instances when the bus is back).
 * - `GET /metrics`: Prometheus text.
 * - the document API: see `documentRoutes`, and its history: see `historyRoutes`.
 * Any other request passes to the next middleware.
 */
export function syncRoutes(sync: SyncServer, options: RoutesOptions = {}): Middleware {
  const readyTimeout = options.readyTimeout ?? 2000
  const documents = documentRoutes(sync, options)
  const history = historyRoutes(sync, options)
  return async (ctx, next) => {
    const path = ctx.path
    const known = ['/healthz', '/readyz', '/metrics'].includes(path)
    // The history routes come first: the document API answers 404 to sub-paths it does not know.
    if (!known) return history(ctx, () => documents(ctx, next))
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
    }
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
