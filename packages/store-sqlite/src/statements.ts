import type { Database, Statement } from 'better-sqlite3'

/**
 * Every SQL statement a {@link SqliteStore} runs, prepared once when the store opens.
 *
 * @internal
 */
export interface Statements {
  /** Creates the document's row when missing, and adds the appended bytes to its size. */
  readonly touchForAppend: Statement<[name: string, size: number, createdAt: number, updatedAt: number]>
  readonly insertUpdate: Statement<[name: string, data: Uint8Array]>
  readonly selectSnapshot: Statement<[name: string], { snapshot: Buffer | null }>
  readonly selectUpdates: Statement<[name: string], Buffer>
  /** Creates or replaces the document's snapshot; its size becomes the snapshot's, as the log is deleted next. */
  readonly writeSnapshot: Statement<
    [name: string, snapshot: Uint8Array, size: number, createdAt: number, updatedAt: number]
  >
  readonly deleteUpdates: Statement<[name: string]>
  readonly selectInfo: Statement<[name: string], { name: string; size: number; updated_at: number }>
  readonly selectList: Statement<[], { name: string; size: number; updated_at: number }>
  readonly insertQuarantined: Statement<[name: string, data: Uint8Array, reason: string, quarantinedAt: number]>
  readonly selectQuarantined: Statement<[name: string], { data: Buffer; reason: string; quarantined_at: number }>
  readonly insertLink: Statement<
    [
      id: string,
      document: string,
      access: string,
      label: string | null,
      createdBy: string,
      createdAt: number,
      expiresAt: number,
    ]
  >
  readonly selectLink: Statement<[id: string], LinkRow>
  readonly selectActiveLinks: Statement<[document: string, now: number], LinkRow>
  /** Records a revocation unless the id is revoked already; its kind is `link` when the id is a share link's. */
  readonly insertRevocation: Statement<[{ id: string; now: number }]>
  readonly selectRevocation: Statement<[id: string], RevocationRow>
  readonly selectRevocationsSince: Statement<[since: number], RevocationRow>
  readonly ping: Statement<[], number>
}

/** @internal */
export interface LinkRow {
  id: string
  document: string
  access: 'read' | 'write'
  label: string | null
  created_by: string
  created_at: number
  expires_at: number
}

/** @internal */
export interface RevocationRow {
  id: string
  kind: 'link' | 'token'
  revoked_at: number
}

/** @internal */
export function prepareStatements(db: Database): Statements {
  return {
    // MAX keeps updated_at from moving backwards when the system clock does.
    touchForAppend: db.prepare(
      `INSERT INTO documents (name, snapshot, size, created_at, updated_at) VALUES (?, NULL, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET
         size = size + excluded.size,
         updated_at = MAX(updated_at, excluded.updated_at)`,
    ),
    insertUpdate: db.prepare('INSERT INTO updates (name, data) VALUES (?, ?)'),
    selectSnapshot: db.prepare('SELECT snapshot FROM documents WHERE name = ?'),
    selectUpdates: db.prepare<[string], Buffer>('SELECT data FROM updates WHERE name = ? ORDER BY id').pluck(),
    writeSnapshot: db.prepare(
      `INSERT INTO documents (name, snapshot, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET
         snapshot = excluded.snapshot,
         size = excluded.size,
         updated_at = MAX(updated_at, excluded.updated_at)`,
    ),
    deleteUpdates: db.prepare('DELETE FROM updates WHERE name = ?'),
    selectInfo: db.prepare('SELECT name, size, updated_at FROM documents WHERE name = ?'),
    selectList: db.prepare('SELECT name, size, updated_at FROM documents ORDER BY name'),
    insertQuarantined: db.prepare('INSERT INTO quarantine (name, data, reason, quarantined_at) VALUES (?, ?, ?, ?)'),
    selectQuarantined: db.prepare('SELECT data, reason, quarantined_at FROM quarantine WHERE name = ? ORDER BY id'),
    insertLink: db.prepare(
      `INSERT INTO share_links (id, document, access, label, created_by, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    selectLink: db.prepare('SELECT * FROM share_links WHERE id = ?'),
    selectActiveLinks: db.prepare(
      `SELECT * FROM share_links l WHERE l.document = ? AND l.expires_at > ?
         AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.id = l.id)
       ORDER BY l.created_at, l.id`,
    ),
    insertRevocation: db.prepare(
      `INSERT INTO revocations (id, kind, revoked_at)
       SELECT @id, CASE WHEN EXISTS (SELECT 1 FROM share_links WHERE id = @id) THEN 'link' ELSE 'token' END, @now
       WHERE true ON CONFLICT (id) DO NOTHING`,
    ),
    selectRevocation: db.prepare('SELECT id, kind, revoked_at FROM revocations WHERE id = ?'),
    selectRevocationsSince: db.prepare(
      'SELECT id, kind, revoked_at FROM revocations WHERE revoked_at >= ? ORDER BY revoked_at, id',
    ),
    ping: db.prepare<[], number>('SELECT 1').pluck(),
  }
}
