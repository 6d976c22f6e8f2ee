import type { ClientBase } from 'pg'
import { SCHEMA_LOCK_CLASS, SCHEMA_LOCK_KEY } from './advisory-locks.js'

// Each entry moves the schema from version `index` to `index + 1`. Entries are never edited once released: a
// change to the schema is a new entry, so every database walks the same path to the current version.
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE documents (
    -- COLLATE "C" orders names by code unit whatever the database's locale, as the DocStore contract lists them.
    name text COLLATE "C" PRIMARY KEY,
    snapshot bytea,
    -- The store instance whose caller's state the snapshot is, byte for byte; NULL when the snapshot holds state
    -- merged from several instances (or there is none). See PostgresStore.compact.
    snapshot_writer uuid,
    size bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE updates (
    id bigserial PRIMARY KEY,
    name text COLLATE "C" NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    -- The store instance that appended the row.
    writer uuid NOT NULL,
    data bytea NOT NULL
  );

  CREATE INDEX updates_by_name ON updates (name, id);
  `,
  // No reference to documents: quarantining bytes of a document must not create its row, and the bytes are kept
  // for an operator whatever happens to the document.
  `
  CREATE TABLE quarantine (
    id bigserial PRIMARY KEY,
    name text COLLATE "C" NOT NULL,
    data bytea NOT NULL,
    reason text NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE INDEX quarantine_by_name ON quarantine (name, id);
  `,
  // Documents as a product: the listing's title and last author ({id, name, verified}), the trash, and old names
  // kept after a rename so that old links, and late writes of other instances, lead to the document.
  `
  ALTER TABLE documents ADD COLUMN title text;
  ALTER TABLE documents ADD COLUMN updated_by jsonb;
  ALTER TABLE documents ADD COLUMN deleted_at timestamptz;
  ALTER TABLE documents ADD COLUMN deleted_by jsonb;

  CREATE INDEX documents_in_trash ON documents (deleted_at) WHERE deleted_at IS NOT NULL;

  CREATE TABLE aliases (
    name text COLLATE "C" PRIMARY KEY,
    target text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE INDEX aliases_by_target ON aliases (target);
  `,
  // Share links and revoked token ids, shared by every instance. No reference to documents: a link may be made
  // before its document has any content, and a revocation must outlive whatever happens to the document.
  `
  CREATE TABLE share_links (
    id text COLLATE "C" PRIMARY KEY,
    document text COLLATE "C" NOT NULL,
    access text NOT NULL CHECK (access IN ('read', 'write')),
    label text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );

  CREATE INDEX share_links_by_document ON share_links (document, created_at);

  CREATE TABLE revocations (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('link', 'token')),
    -- The database's clock, so that every instance's poll for new revocations reads one clock.
    revoked_at timestamptz NOT NULL DEFAULT clock_timestamp()
  );

  CREATE INDEX revocations_by_time ON revocations (revoked_at);
  `,
  // When each revoked token expires, where the store knows it (a share link's, also after purging its document
  // forgot the link): its revocation can be dropped once every check refuses the token as expired. NULL for any
  // other token, whose revocation is kept.
  `
  ALTER TABLE revocations ADD COLUMN expires_at timestamptz;

  UPDATE revocations r SET expires_at = l.expires_at FROM share_links l WHERE l.id = r.id;

  CREATE INDEX revocations_by_expiry ON revocations (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // History (see HistoryStore): each log row's author ({id, name, verified}) and time, NULL for rows written
  // before this version; the spans compaction folds the log into; numbered versions. Versions are numbered per
  // document from last_version, never reused, and go with their document's row on purge. history_size is the
  // bytes of spans and version snapshots, kept up to date on every write so that listing stays cheap.
  `
  ALTER TABLE updates ADD COLUMN author jsonb;
  ALTER TABLE updates ADD COLUMN at timestamptz;
  ALTER TABLE documents ADD COLUMN spans bytea;
  ALTER TABLE documents ADD COLUMN last_version integer NOT NULL DEFAULT 0;
  ALTER TABLE documents ADD COLUMN history_size bigint NOT NULL DEFAULT 0;

  CREATE TABLE versions (
    name text COLLATE "C" NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    id integer NOT NULL,
    kind text NOT NULL CHECK (kind IN ('auto', 'named', 'restore')),
    label text,
    created_by jsonb,
    at timestamptz NOT NULL,
    snapshot bytea NOT NULL,
    authors jsonb NOT NULL,
    inserted integer NOT NULL,
    deleted integer NOT NULL,
    restored_from integer,
    PRIMARY KEY (name, id)
  );

  CREATE INDEX versions_by_time ON versions (name, at);
  `,
]

/**
 * The schema version this build of the store writes, recorded in the `tandem_schema` table (one row per applied
 * version). A database with a higher version was written by a newer Tandem and is refused rather than misread.
 */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * The database was written by a newer version of Tandem. Its message already says what to do.
 *
 * @internal
 */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError'
}

/**
 * Brings the database's schema up to {@link SCHEMA_VERSION} in one transaction, under an advisory lock so that
 * instances starting at the same moment migrate one after the other: the first migrates, the others find the
 * schema current and change nothing. Safe to run on every start.
 *
 * @internal
 */
export async function migrate(client: ClientBase): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [SCHEMA_LOCK_CLASS, SCHEMA_LOCK_KEY])
    // Checked before creating, so a role without CREATE rights can still open a database that is already current.
    const { rows } = await client.query<{ exists: boolean }>(
      "SELECT to_regclass('tandem_schema') IS NOT NULL AS exists",
    )
    if (!rows[0]?.exists) {
      await client.query(
        'CREATE TABLE tandem_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      )
    }
    const current = await schemaVersion(client)
    if (current > SCHEMA_VERSION) {
      throw new NewerSchemaError(
        `its schema version is ${current}, but this version of @tandem/store-postgres only knows versions up to ` +
          `${SCHEMA_VERSION}; upgrade Tandem to open it, or point it at another database.`,
      )
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version]!)
      await client.query('INSERT INTO tandem_schema (version) VALUES ($1)', [version + 1])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/**
 * The highest version recorded in `tandem_schema`, 0 when none is.
 *
 * @internal
 */
export async function schemaVersion(client: Pick<ClientBase, 'query'>): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0)::integer AS version FROM tandem_schema',
  )
  return rows[0]?.version ?? 0
}
