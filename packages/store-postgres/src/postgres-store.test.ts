import { encodeSpans, type VersionDraft } from '@tandem/server'
import {
  freePort,
  type PostgresServer,
  runAccessRecordsContract,
  runDocStoreContract,
  runHistoryStoreContract,
  startPostgres,
} from '@tandem/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { NAME_LOCK_CLASS, SCHEMA_LOCK_CLASS, SCHEMA_LOCK_KEY } from './advisory-locks.js'
import { openPostgresStore, type PostgresStore, SCHEMA_VERSION } from './index.js'

/** Turns a current database back into one of schema version 5, before history was kept. */
const withoutHistory = `DROP TABLE versions; ALTER TABLE updates DROP COLUMN author, DROP COLUMN at;
  ALTER TABLE documents DROP COLUMN spans, DROP COLUMN last_version, DROP COLUMN history_size;`

// One server for the file; each test gets its own schema, an empty store. Nothing here crashes the server, so
// fsync = off costs no truth here; durability is tested against a server with fsync on (durability.test.ts).
let server: PostgresServer
beforeAll(async () => {
  server = await startPostgres({ fsync: false })
})
afterAll(async () => {
  await server?.stop()
})

runDocStoreContract('PostgresStore', async () => {
  const url = await server.createSchema()
  let current = await openPostgresStore({ url })
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = await openPostgresStore({ url })
      return current
    },
    // The trigger makes PostgreSQL itself abort the statement that inserts the row.
    rejectUpdatesOf: async (name) => {
      const admin = new pg.Client(url)
      await admin.connect()
      try {
        await admin.query(`
          CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'poisoned update'; END $$;
          CREATE TRIGGER reject_poison BEFORE INSERT ON updates FOR EACH ROW WHEN (NEW.name = ${admin.escapeLiteral(name)})
            EXECUTE FUNCTION reject_poison();`)
      } finally {
        await admin.end()
      }
    },
    cleanup: () => current.close(),
  }
})

runAccessRecordsContract('PostgresStore', async () => {
  const url = await server.createSchema()
  let current = await openPostgresStore({ url })
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = await openPostgresStore({ url })
      return current
    },
    cleanup: () => current.close(),
  }
})

runHistoryStoreContract('PostgresStore', async () => {
  const url = await server.createSchema()
  let current = await openPostgresStore({ url })
  return {
    store: current,
    reopen: async () => {
      await current.close()
      current = await openPostgresStore({ url })
      return current
    },
    cleanup: () => current.close(),
  }
})

const version: VersionDraft = {
  kind: 'auto',
  label: null,
  by: null,
  at: new Date(),
  snapshot: Uint8Array.of(0),
  authors: [],
  inserted: 0,
  deleted: 0,
  restoredFrom: null,
}

/** 1, 2, … SCHEMA_VERSION: the versions a current database has recorded. */
function allVersions(): number[] {
  return Array.from({ length: SCHEMA_VERSION }, (_, index) => index + 1)
}

describe('PostgresStore', () => {
  const opened: PostgresStore[] = []
  const clients: pg.Client[] = []

  async function open(url: string, poolSize?: number): Promise<PostgresStore> {
    const store = await openPostgresStore({ url, ...(poolSize ? { poolSize } : {}) })
    opened.push(store)
    return store
  }

  async function connect(url: string): Promise<pg.Client> {
    const client = new pg.Client(url)
    await client.connect()
    clients.push(client)
    return client
  }

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    for (const client of clients.splice(0)) await client.end()
  })

  it('migrates a new database once; opening it again keeps its schema version, history and data', async () => {
    const url = await server.createSchema()
    const first = await open(url)
    await first.append([{ name: 'doc', update: Uint8Array.of(7) }])
    await first.close()
    const admin = await connect(url)
    const history = (await admin.query('SELECT version, applied_at FROM tandem_schema ORDER BY version')).rows

    const again = await open(url)

    expect(history.map((row) => row.version)).toEqual(allVersions())
    expect((await admin.query('SELECT version, applied_at FROM tandem_schema ORDER BY version')).rows).toEqual(history)
    expect(await again.settings()).toMatchObject({
      schemaVersion: SCHEMA_VERSION,
      synchronousCommit: 'on',
      fsync: 'off',
    })
    expect(await again.load('doc')).toEqual({ snapshot: null, updates: [Uint8Array.of(7)] })
  })

  it('migrates a version 1 database to add the quarantine, titles, the trash and old names, keeping its documents', async () => {
    const url = await server.createSchema()
    const first = await open(url)
    await first.append([{ name: 'doc', update: Uint8Array.of(7) }])
    await first.close()
    // Version 1 is the current version without the quarantine table and everything added after it.
    const admin = await connect(url)
    await admin.query(`${withoutHistory} DROP TABLE quarantine; DROP TABLE aliases; DROP TABLE share_links; DROP TABLE revocations;
      ALTER TABLE documents DROP COLUMN title, DROP COLUMN updated_by, DROP COLUMN deleted_at, DROP COLUMN deleted_by;
      DELETE FROM tandem_schema WHERE version > 1`)

    const migrated = await open(url)

    expect((await admin.query('SELECT version FROM tandem_schema ORDER BY version')).rows).toEqual(
      allVersions().map((version) => ({ version })),
    )
    expect(await migrated.load('doc')).toEqual({ snapshot: null, updates: [Uint8Array.of(7)] })
    expect(await migrated.info('doc')).toMatchObject({ title: null, updatedBy: null, deletedAt: null })
    await migrated.quarantine('doc', [{ update: Uint8Array.of(9), reason: 'refused' }])
    expect((await migrated.quarantined('doc')).map(({ update, reason }) => ({ update, reason }))).toEqual([
      { update: Uint8Array.of(9), reason: 'refused' },
    ])
  })

  it('migrates a version 4 database: the revocation of a recorded link learns when the link expires', async () => {
    const url = await server.createSchema()
    const first = await open(url)
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000)
    const link = { document: 'doc', access: 'read', label: null, createdBy: 'alice', createdAt: new Date() } as const
    await first.recordLink({ ...link, id: 'a-link', expiresAt })
    await first.revoke('a-link')
    await first.revoke('a-token')
    await first.close()
    // Version 4 is the current version without the revocations' expiry.
    const admin = await connect(url)
    await admin.query(
      `${withoutHistory} ALTER TABLE revocations DROP COLUMN expires_at; DELETE FROM tandem_schema WHERE version > 4`,
    )

    const migrated = await open(url)

    expect((await admin.query('SELECT version FROM tandem_schema ORDER BY version')).rows).toEqual(
      allVersions().map((version) => ({ version })),
    )
    expect((await admin.query('SELECT id, kind, expires_at FROM revocations ORDER BY id')).rows).toEqual([
      { id: 'a-link', kind: 'link', expires_at: expiresAt },
      { id: 'a-token', kind: 'token', expires_at: null },
    ])
    expect(await migrated.pruneRevocations(new Date(expiresAt.getTime() + 1))).toBe(1)
    expect((await admin.query('SELECT id FROM revocations')).rows).toEqual([{ id: 'a-token' }])
  })

  it("migrates a version 5 database: its log rows have no author and their document's time, and compact", async () => {
    const url = await server.createSchema()
    const first = await open(url)
    const writer = new Y.Doc()
    writer.getText('content').insert(0, 'before history')
    const update = Y.encodeStateAsUpdate(writer)
    await first.append([{ name: 'doc', update, author: { id: 'user:a', name: 'A', verified: true } }])
    const { updatedAt } = (await first.info('doc'))!
    await first.close()
    // Version 5 is the current version without history.
    const admin = await connect(url)
    await admin.query(`${withoutHistory} DELETE FROM tandem_schema WHERE version > 5`)

    const migrated = await open(url)

    expect((await admin.query('SELECT version FROM tandem_schema ORDER BY version')).rows).toEqual(
      allVersions().map((version) => ({ version })),
    )
    expect(await migrated.loadHistory('doc')).toEqual({ spans: [], changes: [{ update, author: null, at: updatedAt }] })
    expect((await migrated.info('doc'))?.historySize).toBe(0)
    await migrated.compact('doc', update)
    const spans = (await migrated.loadHistory('doc'))?.spans
    expect(spans).toEqual([
      {
        author: null,
        from: updatedAt,
        to: updatedAt,
        inserted: [{ client: writer.clientID, clock: 0, length: 14 }],
        deleted: [],
      },
    ])
    expect((await migrated.info('doc'))?.historySize).toBe(encodeSpans(spans ?? []).byteLength)
    expect((await migrated.addVersion('doc', version))?.id).toBe(1)
    expect((await migrated.versions('doc')).map(({ id, kind }) => ({ id, kind }))).toEqual([{ id: 1, kind: 'auto' }])
  })

  it('migrates a new database exactly once when several instances open it at the same moment', async () => {
    const url = await server.createSchema()

    const stores = await Promise.all([open(url), open(url), open(url), open(url)])
    await stores[0]!.append([{ name: 'doc', update: Uint8Array.of(1) }])

    const admin = await connect(url)
    expect((await admin.query('SELECT version FROM tandem_schema ORDER BY version')).rows).toEqual(
      allVersions().map((version) => ({ version })),
    )
    expect(await stores[3]!.load('doc')).toEqual({ snapshot: null, updates: [Uint8Array.of(1)] })
  })

  it('waits for the schema lock before migrating, so only one instance migrates at a time', async () => {
    const url = await server.createSchema()
    const admin = await connect(url)
    await admin.query('SELECT pg_advisory_lock($1, $2)', [SCHEMA_LOCK_CLASS, SCHEMA_LOCK_KEY])

    let settled = false
    const opening = open(url).finally(() => {
      settled = true
    })
    await expect.poll(() => advisoryWaiters(admin), { timeout: 10_000 }).toBe(1)
    expect(settled).toBe(false)
    expect((await admin.query("SELECT to_regclass('documents') AS t")).rows).toEqual([{ t: null }])

    await admin.query('SELECT pg_advisory_unlock($1, $2)', [SCHEMA_LOCK_CLASS, SCHEMA_LOCK_KEY])
    expect(await (await opening).settings()).toMatchObject({ schemaVersion: SCHEMA_VERSION })
  })

  it('refuses a database written by a newer schema version, naming both versions, and leaves it untouched', async () => {
    const url = await server.createSchema()
    await (await open(url)).close()
    const admin = await connect(url)
    await admin.query('INSERT INTO tandem_schema (version) VALUES ($1)', [SCHEMA_VERSION + 1])

    await expect(openPostgresStore({ url })).rejects.toThrow(
      `Cannot open the PostgreSQL database at ${server.url}: its schema version is ${SCHEMA_VERSION + 1}, but this ` +
        `version of @tandem/store-postgres only knows versions up to ${SCHEMA_VERSION}; upgrade Tandem to open ` +
        'it, or point it at another database.',
    )
    expect((await admin.query('SELECT version FROM tandem_schema ORDER BY version')).rows).toEqual(
      [...allVersions(), SCHEMA_VERSION + 1].map((version) => ({ version })),
    )
  })

  it('opens at most poolSize connections, queueing the calls beyond them', async () => {
    const url = await server.createSchema()
    const store = await open(url, 3)
    await store.append([{ name: 'doc', update: Uint8Array.of(1) }])
    const admin = await connect(url)
    await admin.query('BEGIN')
    await admin.query('LOCK TABLE documents IN ACCESS EXCLUSIVE MODE')

    const calls = Array.from({ length: 7 }, () => store.list())
    await expect.poll(() => store.stats(), { timeout: 10_000 }).toEqual({ size: 3, total: 3, idle: 0, waiting: 4 })
    await expect.poll(() => lockWaiters(admin), { timeout: 10_000 }).toBe(3)
    expect(await connectionsOf(admin)).toBe(3)

    await admin.query('COMMIT')
    const results = await Promise.all(calls)
    expect(results.map((rows) => rows.map(({ name, size }) => [name, size]))).toEqual(
      Array.from({ length: 7 }, () => [['doc', 1]]),
    )
    expect(store.stats()).toMatchObject({ size: 3, total: 3, waiting: 0 })
  })

  it('defaults to a pool of 10 and refuses a pool size that is not a whole number of 1 or more', async () => {
    const url = await server.createSchema()
    expect((await open(url)).stats().size).toBe(10)
    await expect(openPostgresStore({ url, poolSize: 0 })).rejects.toThrow(
      'openPostgresStore got 0 as poolSize; pass a whole number of connections, 1 or more, or leave it out for 10.',
    )
    await expect(openPostgresStore({ url: '' })).rejects.toThrow('openPostgresStore needs the URL of the database')
  })

  it('lists names by code unit also in a database whose collation sorts them otherwise', async () => {
    const url = await server.createDatabase('icu_en', [
      '--template=template0',
      '--locale-provider=icu',
      '--icu-locale=en-US',
    ])
    const admin = await connect(url)
    const natural = await admin.query("SELECT n FROM unnest(ARRAY['b', 'B', 'a', 'A']) AS n ORDER BY n")
    expect(natural.rows.map((row) => row.n)).toEqual(['a', 'A', 'b', 'B'])
    const store = await open(url)

    await store.append(['b', 'B', 'a', 'A', '_x'].map((name) => ({ name, update: Uint8Array.of(1) })))

    expect((await store.list()).map((row) => row.name)).toEqual(['A', 'B', '_x', 'a', 'b'])
  })

  it('rejects an unreachable database naming it without its password, and closes what it opened', async () => {
    const port = await freePort()
    const url = `postgres://tandem:secret@127.0.0.1:${port}/tandem`

    const refusal = openPostgresStore({ url, connectionTimeoutMs: 2000 })

    await expect(refusal).rejects.toThrow(
      `Cannot open the PostgreSQL database at postgres://tandem@127.0.0.1:${port}/tandem: connect ECONNREFUSED ` +
        `127.0.0.1:${port}. Check that PostgreSQL is running there and that the URL, user, password and database ` +
        'name are right.',
    )
    await expect(refusal).rejects.not.toThrow('secret')
  })

  it('rejects names PostgreSQL cannot store as written, before writing anything', async () => {
    const store = await open(await server.createSchema())

    await expect(store.append([{ name: 'a\u0000b', update: Uint8Array.of(1) }])).rejects.toThrow(
      'PostgresStore.append (entry 0) got the document name "a\\u0000b", which holds a NUL character or a lone ' +
        'UTF-16 surrogate that PostgreSQL cannot store as written; pass a name of valid Unicode text without NUL.',
    )
    await expect(store.load('a\ud800')).rejects.toThrow('PostgresStore.load got the document name "a\\ud800"')
    await expect(store.compact('', Uint8Array.of(1))).rejects.toThrow(
      "PostgresStore.compact got an empty string as a document name; pass the document's name as a non-empty string.",
    )
    expect(await store.list()).toEqual([])
  })

  it('rejects a quarantine entry without an update or a reason, and keeps a reason holding NUL readable', async () => {
    const store = await open(await server.createSchema())
    await expect(
      store.quarantine('doc', [{ update: [1] as unknown as Uint8Array, reason: 'refused' }]),
    ).rejects.toThrow('PostgresStore got an array as the update of quarantined entry 0 (document "doc")')
    await expect(store.quarantine('doc', [{ update: Uint8Array.of(1), reason: '' }])).rejects.toThrow(
      'PostgresStore.quarantine got no reason for entry 0 (document "doc"); pass a sentence saying why',
    )
    expect(await store.quarantined('doc')).toEqual([])

    await store.quarantine('doc', [{ update: Uint8Array.of(0), reason: 'holds \0 a NUL' }])
    expect((await store.quarantined('doc')).map(({ reason }) => reason)).toEqual(['holds \uFFFD a NUL'])
  })

  it('keeps a document restored after purgeTrashed read the trash: it purges only what is still there', async () => {
    const url = await server.createSchema()
    const store = await open(url)
    await store.append([
      { name: 'restored', update: Uint8Array.of(1) },
      { name: 'binned', update: Uint8Array.of(2) },
    ])
    await store.trash('restored', null)
    await store.trash('binned', null)
    // A restore on another instance, as the store makes one (the name's lock, then the update), not committed yet.
    const other = await connect(url)
    await other.query('BEGIN')
    await other.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [NAME_LOCK_CLASS, 'restored'])
    await other.query("UPDATE documents SET deleted_at = NULL, deleted_by = NULL WHERE name = 'restored'")

    // Both names are in the trash as purgeTrashed reads it; it then waits for the lock the restore holds.
    const purging = store.purgeTrashed(new Date(Date.now() + 3_600_000))
    const admin = await connect(url)
    await expect.poll(() => advisoryWaiters(admin), { timeout: 10_000 }).toBe(1)
    await other.query('COMMIT')

    expect(await purging).toEqual(['binned'])
    expect(await store.info('restored')).toMatchObject({ name: 'restored', deletedAt: null })
    expect(await store.load('restored')).toEqual({ snapshot: null, updates: [Uint8Array.of(1)] })
    expect(await store.info('binned')).toBeNull()
    expect((await admin.query('SELECT name FROM documents ORDER BY name')).rows).toEqual([{ name: 'restored' }])
  })

  it('stores an automatic version once when two instances propose it at the same moment, and resolves the other null', async () => {
    const url = await server.createSchema()
    // Two stores with a pool each, as two Tandem instances on one database have.
    const [one, two] = await Promise.all([open(url), open(url)])
    await one.append([{ name: 'doc', update: Uint8Array.of(1) }])
    // A third connection holds the document's row, so both proposals are under way before either can finish:
    // without the proposals' own row lock, both would check for a recent version now, find none, and both insert.
    const holder = await connect(url)
    await holder.query('BEGIN')
    await holder.query("SELECT 1 FROM documents WHERE name = 'doc' FOR UPDATE")
    const since = new Date(Date.now() - 1000)
    const proposals = Promise.all(
      [one, two].map((store) => store.addVersion('doc', { ...version, at: new Date() }, { unlessCreatedSince: since })),
    )
    await expect.poll(() => lockWaiters(holder), { timeout: 10_000 }).toBe(2)
    await holder.query('COMMIT')

    const stored = await proposals
    expect(stored.filter((proposal) => proposal !== null).map((proposal) => proposal?.id)).toEqual([1])
    expect((await two.versions('doc')).map((stored) => stored.id)).toEqual([1])
    expect((await holder.query("SELECT last_version FROM documents WHERE name = 'doc'")).rows).toEqual([
      { last_version: 1 },
    ])
  })

  it('rejects every call after close with a sentence saying to open a new store', async () => {
    const url = await server.createSchema()
    const store = await open(url)
    await store.close()
    await expect(store.close()).resolves.toBeUndefined()

    const message = `This PostgresStore (${server.url}) is closed; open a new one with openPostgresStore().`
    await expect(store.load('doc')).rejects.toThrow(message)
    await expect(store.append([{ name: 'doc', update: Uint8Array.of(1) }])).rejects.toThrow(message)
    await expect(store.check()).rejects.toThrow(message)
  })
})

async function advisoryWaiters(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{ count: number }>(
    "SELECT count(*)::integer AS count FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
  )
  return rows[0]!.count
}

async function lockWaiters(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{ count: number }>(
    `SELECT count(*)::integer AS count FROM pg_stat_activity
     WHERE application_name = 'tandem' AND datname = current_database() AND wait_event_type = 'Lock'`,
  )
  return rows[0]!.count
}

async function connectionsOf(admin: pg.Client): Promise<number> {
  const { rows } = await admin.query<{ count: number }>(
    `SELECT count(*)::integer AS count FROM pg_stat_activity
     WHERE application_name = 'tandem' AND datname = current_database()`,
  )
  return rows[0]!.count
}
