import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { AccessDenied, SyncServer } from '@tandem/server'
import { attachSyncServer, createPrometheusMetrics, syncRoutes } from '@tandem/server-koa'
import { openSqliteStore } from '@tandem/store-sqlite'
import Database from 'better-sqlite3'
import Koa from 'koa'

const dataDir = process.env.DATA_DIR ?? './data'
const store = await openSqliteStore({ dataDir })

// Your app's own users and sessions, in its own database.
const db = new Database(join(dataDir, 'app.db'))
db.exec(`
  CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL, can_edit INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id));
  INSERT OR IGNORE INTO users VALUES ('ada', 'Ada Lovelace', 1), ('grace', 'Grace Hopper', 0);
`)
const userOfSession = db.prepare<[string], { id: string; can_edit: number }>(
  'SELECT users.id, users.can_edit FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.id = ?',
)

/** The `session` cookie of a request's Cookie header. */
function sessionOf(cookie: string | string[] | undefined): string | null {
  const header = Array.isArray(cookie) ? cookie.join('; ') : (cookie ?? '')
  return /(?:^|;\s*)session=([^;]+)/.exec(header)?.[1] ?? null
}

// Tandem's sync core, keeping documents in SQLite under DATA_DIR. The authenticate hook checks your session
// cookie against your user table: a person may edit, only read, or, without a session, nothing.
const prometheus = createPrometheusMetrics()
const sync = new SyncServer({
  store,
  metrics: prometheus.metrics,
  hooks: [
    {
      authenticate({ headers }) {
        const session = sessionOf(headers.cookie)
        const user = session ? userOfSession.get(session) : undefined
        if (!user) throw new AccessDenied(401, 'sign in first')
        return { access: user.can_edit ? 'write' : 'read', user: user.id }
      },
    },
  ],
})
prometheus.observe(sync)

const app = new Koa()
// Your app's sign-in (a real one checks a password here), which sets the session cookie.
app.use(async (ctx, next) => {
  if (ctx.path !== '/login' || ctx.method !== 'POST') return next()
  const user = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE id = ?').get(String(ctx.query.user))
  if (!user) return ctx.throw(401, 'No such user.')
  const session = randomBytes(24).toString('base64url')
  db.prepare('INSERT INTO sessions (id, user_id) VALUES (?, ?)').run(session, user.id)
  ctx.cookies.set('session', session, { httpOnly: true, sameSite: 'strict' })
  ctx.status = 204
})
// Tandem's /healthz, /readyz, /metrics and /api/docs routes (the document API asks the same hook).
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
  db.close()
  process.exit(saved ? 0 : 1)
})
