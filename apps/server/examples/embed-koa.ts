import { createServer } from 'node:http'
import { attachSyncServer, createPrometheusMetrics, SyncServer, syncRoutes } from '@tandem/server'
import { openSqliteStore } from '@tandem/store-sqlite'
import Koa from 'koa'

// Tandem's sync core, keeping documents in SQLite under ./data (or DATA_DIR).
const prometheus = createPrometheusMetrics()
const sync = new SyncServer({
  store: await openSqliteStore({ dataDir: process.env.DATA_DIR ?? './data' }),
  metrics: prometheus.metrics,
})
prometheus.observe(sync)

// Your own Koa app, with Tandem's /healthz, /readyz, /metrics and /api/docs routes mounted in it.
const app = new Koa()
app.use(syncRoutes(sync, { registry: prometheus.registry }))
app.use((ctx) => {
  ctx.body = 'Hello from my app'
})

// Documents are served at ws://HOST:PORT/collab/<document name>.
const server = createServer(app.callback())
const endpoint = attachSyncServer(server, sync, { prefix: '/collab', metrics: prometheus.metrics })
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const address = server.address()
  console.log(`listening on port ${typeof address === 'object' && address ? address.port : ''}`)
})

// On SIGTERM: stop accepting, close every connection with 1001, save every document, then exit.
process.once('SIGTERM', async () => {
  endpoint.close()
  server.close()
  const saved = await sync.close()
  process.exit(saved ? 0 : 1)
})
