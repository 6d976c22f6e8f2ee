import pg from 'pg'
import { PostgresStore } from './postgres-store.js'
import { migrate, NewerSchemaError } from './schema.js'

/** The most connections a store opens at once when `poolSize` is not given. */
export const DEFAULT_POOL_SIZE = 10

/** How to open a {@link PostgresStore} with {@link openPostgresStore}. */
export interface OpenPostgresStoreOptions {
  /**
   * The database, as a PostgreSQL connection URL: `postgres://user:password@host:5432/database`. Query parameters
   * such as `?sslmode=require` or `?host=/var/run/postgresql` (a unix socket directory) are passed to `pg`. The
   * tables are created in the first schema of the role's `search_path` (usually `public`).
   */
  readonly url: string
  /**
   * The most connections the store opens at once; further calls wait for a free one.
   * @default 10
   */
  readonly poolSize?: number
  /**
   * How long to wait for a connection (opening one, or a free one from a full pool) before the call rejects, in
   * milliseconds.
   * @default 10000
   */
  readonly connectionTimeoutMs?: number
  /**
   * The `application_name` of the store's connections, as `pg_stat_activity` shows them.
   * @default 'tandem'
   */
  readonly applicationName?: string
}

/**
 * Opens a {@link PostgresStore}: creates its connection pool, then brings the database's schema up to
 * {@link SCHEMA_VERSION}. Migrations are versioned (the `tandem_schema` table), run in one transaction, and
 * serialized by an advisory lock, so any number of instances can start at once against a new or an old database.
 *
 * Rejects, with every connection closed, with an error naming the database (never its password) and the cause
 * when it cannot be reached or was written by a newer version of Tandem.
 */
export async function openPostgresStore(options: OpenPostgresStoreOptions): Promise<PostgresStore> {
  const {
    url,
    poolSize = DEFAULT_POOL_SIZE,
    connectionTimeoutMs = 10_000,
    applicationName = 'tandem',
  } = options ?? ({} as OpenPostgresStoreOptions)
  if (typeof url !== 'string' || url === '') {
    throw new TypeError(
      'openPostgresStore needs the URL of the database; pass { url: "postgres://user:password@host:5432/tandem" }.',
    )
  }
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new TypeError(
      `openPostgresStore got ${String(poolSize)} as poolSize; pass a whole number of connections, 1 or more, or ` +
        `leave it out for ${DEFAULT_POOL_SIZE}.`,
    )
  }
  const location = describeUrl(url)
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectionTimeoutMs,
    application_name: applicationName,
  })
  // An idle connection that the server closes (a restart, a failover, an idle timeout) emits 'error' on the
  // pool, which would crash the process unhandled. The pool drops that connection and opens a new one on the next
  // call, and a call that fails rejects with its own error, so nothing is lost by ignoring it here.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    try {
      await migrate(client)
      const { rows } = await client.query<{ synchronous_commit: string }>(
        "SELECT current_setting('synchronous_commit') AS synchronous_commit",
      )
      return new PostgresStore({
        pool,
        poolSize,
        location,
        raiseSynchronousCommit: rows[0]?.synchronous_commit === 'off',
      })
    } finally {
      client.release()
    }
  } catch (cause) {
    await pool.end().catch(() => {})
    const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, '')
    const advice =
      cause instanceof NewerSchemaError
        ? '.'
        : '. Check that PostgreSQL is running there and that the URL, user, password and database name are right.'
    throw new Error(`Cannot open the PostgreSQL database at ${location}: ${reason}${advice}`, { cause })
  }
}

/** The URL without its password, or a placeholder when it does not parse as a URL. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.password = ''
    parsed.search = ''
    return parsed.toString()
  } catch {
    return 'the configured URL (it does not parse as a URL)'
  }
}
