import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  attachSyncServer,
  createPrometheusMetrics,
  type DocStore,
  type Logger,
  MemoryStore,
  SyncServer,
  syncRoutes,
} from '@tandem/server'
import { openSqliteStore } from '@tandem/store-sqlite'
import Koa from 'koa'
import type { ServeConfig } from './config.js'

/** A running Tandem server. */
export interface RunningServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number
  /** Stops accepting, closes every connection with 1001, saves everything. Resolves whether all was saved. */
  close(): Promise<boolean>
}

/** Starts the whole server (store, sync core, WebSocket endpoint, HTTP routes) as configured. */
export async function startServer(config: ServeConfig, logger: Logger): Promise<RunningServer> {
  const store: DocStore =
    config.store === 'memory' ? new MemoryStore() : await openSqliteStore({ dataDir: config.dataDir })
  const prometheus = createPrometheusMetrics()
  const sync = new SyncServer({
    store,
    logger,
    metrics: prometheus.metrics,
    unloadDelay: config.unloadDelay,
    commitDelay: config.commitDelay,
    compactAfter: config.compactAfter,
    maxBufferedBytes: config.maxBufferedBytes,
  })
  prometheus.observe(sync)

  const app = new Koa()
  app.on('error', (error, ctx) => {
    if ((error as { status?: number }).status !== undefined && (error as { status: number }).status < 500) return
    logger.error({ err: error, path: ctx?.path }, 'HTTP request failed')
  })
  app.use(syncRoutes(sync, { registry: prometheus.registry }))
  app.use((ctx) => {
    ctx.status = 404
    ctx.body = 'Not found. Tandem serves documents over WebSocket at ws://HOST:PORT/<document>.\n'
  })

  const server = createServer(app.callback())
  const endpoint = attachSyncServer(server, sync, {
    maxPayload: config.maxMessageSize,
    pingInterval: config.pingInterval,
    metrics: prometheus.metrics,
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  let closing: Promise<boolean> | null = null
  return {
    port,
    close() {
      closing ??= (async () => {
        endpoint.close()
        server.close()
        const saved = await sync.close(Math.max(config.shutdownTimeout - 1000, 100))
        server.closeAllConnections()
        return saved
      })()
      return closing
    },
  }
}
