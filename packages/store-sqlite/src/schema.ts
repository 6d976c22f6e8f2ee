import type { Database } from 'better-sqlite3'

// Each entry moves the schema from version `index` to `index + 1`. Entries are never edited once released:
// a change to the schema is a new entry, so every database walks the same path to the current version.
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE documents (
    name TEXT PRIMARY KEY NOT NULL,
    snapshot BLOB,
    size INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    data BLOB NOT NULL
  ) STRICT;

  CREATE INDEX updates_by_name ON updates (name, id);
  `,
  // No reference to documents: quarantining bytes of a document must not create its row, and the bytes are kept
  // for an operator whatever happens to the document.
  `
  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    reason TEXT NOT NULL,
    quarantined_at INTEGER NOT NULL
  ) STRICT;

  CREATE INDEX quarantine_by_name ON quarantine (name, id);
  `,
  // Documents as a product: the listing's title and last author (JSON {id, name, verified}), the trash, and old
  // names kept after a rename so that old links lead to the document.
  `
  ALTER TABLE documents ADD COLUMN title TEXT;
  ALTER TABLE documents ADD COLUMN updated_by TEXT;
  ALTER TABLE documents ADD COLUMN deleted_at INTEGER;
  ALTER TABLE documents ADD COLUMN deleted_by TEXT;

  CREATE INDEX documents_in_trash ON documents (deleted_at) WHERE deleted_at IS NOT NULL;

  CREATE TABLE aliases (
    name TEXT PRIMARY KEY NOT NULL,
    target TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE INDEX aliases_by_target ON aliases (target);
  `,
  // Share links and revoked token ids. No reference to documents: a link may be made before its document has
  // any content, and a revocation must outlive whatever happens to the document.
  `
  CREATE TABLE share_links (
    id TEXT PRIMARY KEY NOT NULL,
    document TEXT NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('read', 'write')),
    label TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT;

  CREATE INDEX share_links_by_document ON share_links (document, created_at);

  CREATE TABLE revocations (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('link', 'token')),
    revoked_at INTEGER NOT NULL
  ) STRICT;

  CREATE INDEX revocations_by_time ON revocations (revoked_at);
  `,
  // When each revoked token expires, where the store knows it (a share link's, also after purging its document
  // forgot the link): its revocation can be dropped once every check refuses the token as expired. NULL for any
  // other token, whose revocation is kept.
  `
  ALTER TABLE revocations ADD COLUMN expires_at INTEGER;

  UPDATE revocations SET expires_at = (SELECT l.expires_at FROM share_links l WHERE l.id = revocations.id);

  CREATE INDEX revocations_by_expiry ON revocations (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // History: each log row keeps its author (JSON {id, name, verified}) and time, written with the update; a
  // compaction folds them into the document's author spans (encodeSpans) instead of losing them. Rows written
  // before this version have neither. Versions are numbered per document from last_version, never reused; they
  // go with their document's row on purge. history_size is the bytes of spans and version snapshots, kept up to
  // date on every write so that listing stays cheap.
  `
  ALTER TABLE updates ADD COLUMN author TEXT;
  ALTER TABLE updates ADD COLUMN at INTEGER;
  ALTER TABLE documents ADD COLUMN spans BLOB;
  ALTER TABLE documents ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE documents ADD COLUMN history_size INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE versions (
    name TEXT NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('auto', 'named', 'restore')),
    label TEXT,
    created_by TEXT,
    at INTEGER NOT NULL,
    snapshot BLOB NOT NULL,
    authors TEXT NOT NULL,
    inserted INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    restored_from INTEGER,
    PRIMARY KEY (name, id)
  ) STRICT;

  CREATE INDEX versions_by_time ON versions (name, at);
  `,
  // The snapshot moves out of the documents row into its own table. SQLite writes a whole row again on every
  // UPDATE, reading each blob in it to the last byte, and every append updates the row (its size and time): with
  // the snapshot in it, an append of a few bytes to a document with a 20 MiB snapshot took 227 ms.
  `
  CREATE TABLE snapshots (
    name TEXT PRIMARY KEY NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    data BLOB NOT NULL
  ) STRICT;

  INSERT INTO snapshots (name, data) SELECT name, snapshot FROM documents WHERE snapshot IS NOT NULL;

  ALTER TABLE documents DROP COLUMN snapshot;
  `,
]

/**
 * The schema version this build of the store writes, kept in the database's `PRAGMA user_version`. A database
 * with a higher version was written by a newer Tandem and is refused rather than misread.
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
 * Brings the database's schema up to {@link SCHEMA_VERSION}. Safe to run on every open: a database that is
 * already current is left as it is.
 *
 * @internal
 */
export function migrate(db: Database): void {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a new file at the same
  // time cannot both run the same migration.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number
    if (current > SCHEMA_VERSION) {
      throw new NewerSchemaError(
        `its schema version is ${current}, but this version of @tandem/store-sqlite only knows versions up to ` +
          `${SCHEMA_VERSION}; upgrade Tandem to open it, or point it at another data directory.`,
      )
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    }
  }).immediate()
}
