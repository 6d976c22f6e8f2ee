import type { Database, Statement } from 'better-sqlite3'

/**
 * Every SQL statement a {@link SqliteStore} runs, prepared once when the store opens.
 *
 * @internal
 */
export interface Statements {
  /** Creates the document's row when missing, and adds the appended bytes to its size. */
  readonly touchForAppend: Statement<[name: string, size: number, createdAt: number, updatedAt: number]>
  readonly insertUpdate: Statement<[name: string, data: Uint8Array, author: string | null, at: number]>
  readonly selectSnapshot: Statement<[name: string], { snapshot: Buffer | null }>
  readonly selectUpdates: Statement<[name: string], Buffer>
  /**
   * Creates the document's row for a new snapshot, or sets its size to the snapshot's, as the log is deleted next.
   * The snapshot itself goes in with {@link writeSnapshotData}.
   */
  readonly writeSnapshotSize: Statement<[name: string, size: number, createdAt: number, updatedAt: number]>
  /** Creates or replaces the document's snapshot. Its row in documents must exist. */
  readonly writeSnapshotData: Statement<[name: string, snapshot: Uint8Array]>
  readonly moveSnapshot: Statement<[to: string, from: string]>
  readonly deleteUpdates: Statement<[name: string]>
  /** The log with authors and times; a row written before history was kept takes its document's time. */
  readonly selectChanges: Statement<[name: string], ChangeRow>
  readonly selectSpans: Statement<[name: string], { spans: Buffer | null }>
  /** Replaces the document's spans, moving its history size by the difference. */
  readonly writeSpans: Statement<[spans: Uint8Array | null, size: number, name: string]>
  /** Takes the next version id of a document and adds a version's bytes to its history size. */
  readonly nextVersion: Statement<[size: number, name: string], number>
  readonly insertVersion: Statement<[VersionRow]>
  /** Whether a version of the document was taken at or after the time given. */
  readonly selectVersionSince: Statement<[name: string, since: number], number>
  readonly selectVersions: Statement<[name: string], VersionRow>
  readonly selectVersion: Statement<[name: string, id: number], VersionRow>
  readonly moveVersions: Statement<[to: string, from: string]>
  readonly selectVersionSnapshots: Statement<[name: string], { id: number; at: number; snapshot: Buffer }>
  /** The snapshots of a version and every earlier one, oldest first; none when there is no such version. */
  readonly selectSnapshotsUpTo: Statement<[name: string, id: number, name: string, id: number], Buffer>
  readonly deleteVersion: Statement<[name: string, id: number]>
  readonly writeVersionSnapshot: Statement<[snapshot: Uint8Array, name: string, id: number]>
  /** Moves the document's history size by the bytes given (negative to shrink it). */
  readonly addHistorySize: Statement<[bytes: number, name: string]>
  readonly selectInfo: Statement<[name: string], InfoRow>
  /** Documents not in the trash, by name. */
  readonly selectList: Statement<[], InfoRow>
  /** Documents in the trash, by name. */
  readonly selectTrash: Statement<[], InfoRow>
  /** Sets the listing's title and, when given, the last author (JSON). */
  readonly writeMeta: Statement<[title: string | null, updatedBy: string | null, name: string]>
  readonly selectAlias: Statement<[name: string], string>
  /** Copies a document's row under a new name, out of the trash. */
  readonly copyDocument: Statement<[to: string, from: string]>
  readonly moveUpdates: Statement<[to: string, from: string]>
  readonly moveQuarantine: Statement<[to: string, from: string]>
  readonly deleteDocument: Statement<[name: string]>
  readonly deleteAlias: Statement<[name: string]>
  readonly retargetAliases: Statement<[to: string, from: string]>
  readonly insertAlias: Statement<[name: string, target: string, createdAt: number]>
  readonly deleteAliasesOf: Statement<[target: string]>
  readonly deleteQuarantine: Statement<[name: string]>
  readonly trash: Statement<[deletedAt: number, deletedBy: string | null, name: string]>
  readonly restore: Statement<[name: string]>
  readonly selectTrashedBefore: Statement<[before: number], string>
  readonly insertQuarantined: Statement<[name: string, data: Uint8Array, reason: string, quarantinedAt: number]>
  readonly selectQuarantined: Statement<[name: string], { data: Buffer; reason: string; quarantined_at: number }>
  /** Records a link under its document's current name (an old name's target). */
  readonly insertLink: Statement<
    [
      {
        id: string
        document: string
        access: string
        label: string | null
        createdBy: string
        createdAt: number
        expiresAt: number
      },
    ]
  >
  /** Files the links of a document under its new name. */
  readonly moveLinks: Statement<[to: string, from: string]>
  /** Revokes every link of a document that is not revoked yet, each until its link expires. */
  readonly revokeLinksOf: Statement<[{ document: string; now: number }]>
  /** Deletes the revocations of tokens that expired before the time given. */
  readonly pruneRevocations: Statement<[expiredBefore: number]>
  readonly deleteLinksOf: Statement<[document: string]>
  readonly selectLink: Statement<[id: string], LinkRow>
  readonly selectActiveLinks: Statement<[document: string, now: number], LinkRow>
  /**
   * Records a revocation unless the id is revoked already; its kind is `link` when the id is a share link's, and
   * then it expires with the link.
   */
  readonly insertRevocation: Statement<[{ id: string; now: number }]>
  readonly selectRevocation: Statement<[id: string], RevocationRow>
  readonly selectRevocationsSince: Statement<[since: number], RevocationRow>
  readonly ping: Statement<[], number>
}

/** A listing row as stored. @internal */
export interface InfoRow {
  name: string
  size: number
  updated_at: number
  title: string | null
  updated_by: string | null
  deleted_at: number | null
  deleted_by: string | null
  history_size: number
}

const infoColumns = 'name, size, updated_at, title, updated_by, deleted_at, deleted_by, history_size'

/** A log row with what history keeps of it. @internal */
export interface ChangeRow {
  data: Buffer
  author: string | null
  at: number
}

/** A version as stored. @internal */
export interface VersionRow {
  name: string
  id: number
  kind: 'auto' | 'named' | 'restore'
  label: string | null
  created_by: string | null
  at: number
  snapshot: Uint8Array
  /** JSON array of {id, name, verified}. */
  authors: string
  inserted: number
  deleted: number
  restored_from: number | null
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
      `INSERT INTO documents (name, size, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET
         size = size + excluded.size,
         updated_at = MAX(updated_at, excluded.updated_at)`,
    ),
    insertUpdate: db.prepare('INSERT INTO updates (name, data, author, at) VALUES (?, ?, ?, ?)'),
    // A row with a NULL snapshot: the document exists, with only its log.
    selectSnapshot: db.prepare(
      'SELECT s.data AS snapshot FROM documents d LEFT JOIN snapshots s ON s.name = d.name WHERE d.name = ?',
    ),
    selectUpdates: db.prepare<[string], Buffer>('SELECT data FROM updates WHERE name = ? ORDER BY id').pluck(),
    // A compaction is not a change: the document keeps the time of its last change (the list sorts by it).
    writeSnapshotSize: db.prepare(
      `INSERT INTO documents (name, size, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET size = excluded.size`,
    ),
    writeSnapshotData: db.prepare(
      'INSERT INTO snapshots (name, data) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET data = excluded.data',
    ),
    moveSnapshot: db.prepare('UPDATE snapshots SET name = ? WHERE name = ?'),
    deleteUpdates: db.prepare('DELETE FROM updates WHERE name = ?'),
    selectChanges: db.prepare(
      `SELECT u.data, u.author, coalesce(u.at, d.updated_at) AS at FROM updates u JOIN documents d ON d.name = u.name
       WHERE u.name = ? ORDER BY u.id`,
    ),
    selectSpans: db.prepare('SELECT spans FROM documents WHERE name = ?'),
    // Every expression reads the row as it was before the update, so the old spans' length is subtracted.
    writeSpans: db.prepare(
      `UPDATE documents SET spans = ?, history_size = history_size - coalesce(length(spans), 0) + ?
       WHERE name = ?`,
    ),
    nextVersion: db
      .prepare<[number, string], number>(
        `UPDATE documents SET last_version = last_version + 1, history_size = history_size + ?
         WHERE name = ? RETURNING last_version`,
      )
      .pluck(),
    insertVersion: db.prepare(
      `INSERT INTO versions (name, id, kind, label, created_by, at, snapshot, authors, inserted, deleted, restored_from)
       VALUES (@name, @id, @kind, @label, @created_by, @at, @snapshot, @authors, @inserted, @deleted, @restored_from)`,
    ),
    selectVersionSince: db
      .prepare<[string, number], number>('SELECT 1 FROM versions WHERE name = ? AND at >= ? LIMIT 1')
      .pluck(),
    selectVersions: db.prepare(
      `SELECT name, id, kind, label, created_by, at, x'' AS snapshot, authors, inserted, deleted, restored_from
       FROM versions WHERE name = ? ORDER BY id`,
    ),
    selectVersion: db.prepare('SELECT * FROM versions WHERE name = ? AND id = ?'),
    moveVersions: db.prepare('UPDATE versions SET name = ? WHERE name = ?'),
    selectVersionSnapshots: db.prepare('SELECT id, at, snapshot FROM versions WHERE name = ? ORDER BY id'),
    selectSnapshotsUpTo: db
      .prepare<[string, number, string, number], Buffer>(
        `SELECT snapshot FROM versions WHERE name = ? AND id <= ?
           AND EXISTS (SELECT 1 FROM versions WHERE name = ? AND id = ?) ORDER BY id`,
      )
      .pluck(),
    deleteVersion: db.prepare('DELETE FROM versions WHERE name = ? AND id = ?'),
    writeVersionSnapshot: db.prepare('UPDATE versions SET snapshot = ? WHERE name = ? AND id = ?'),
    addHistorySize: db.prepare('UPDATE documents SET history_size = history_size + ? WHERE name = ?'),
    selectInfo: db.prepare(`SELECT ${infoColumns} FROM documents WHERE name = ?`),
    selectList: db.prepare(`SELECT ${infoColumns} FROM documents WHERE deleted_at IS NULL ORDER BY name`),
    selectTrash: db.prepare(`SELECT ${infoColumns} FROM documents WHERE deleted_at IS NOT NULL ORDER BY name`),
    writeMeta: db.prepare('UPDATE documents SET title = ?, updated_by = coalesce(?, updated_by) WHERE name = ?'),
    selectAlias: db.prepare<[string], string>('SELECT target FROM aliases WHERE name = ?').pluck(),
    copyDocument: db.prepare(
      `INSERT INTO documents (name, size, created_at, updated_at, title, updated_by, spans, last_version, history_size)
       SELECT ?, size, created_at, updated_at, title, updated_by, spans, last_version, history_size
       FROM documents WHERE name = ?`,
    ),
    moveUpdates: db.prepare('UPDATE updates SET name = ? WHERE name = ?'),
    moveQuarantine: db.prepare('UPDATE quarantine SET name = ? WHERE name = ?'),
    deleteDocument: db.prepare('DELETE FROM documents WHERE name = ?'),
    deleteAlias: db.prepare('DELETE FROM aliases WHERE name = ?'),
    retargetAliases: db.prepare('UPDATE aliases SET target = ? WHERE target = ?'),
    insertAlias: db.prepare('INSERT INTO aliases (name, target, created_at) VALUES (?, ?, ?)'),
    deleteAliasesOf: db.prepare('DELETE FROM aliases WHERE target = ?'),
    deleteQuarantine: db.prepare('DELETE FROM quarantine WHERE name = ?'),
    trash: db.prepare('UPDATE documents SET deleted_at = ?, deleted_by = ? WHERE name = ? AND deleted_at IS NULL'),
    restore: db.prepare(
      'UPDATE documents SET deleted_at = NULL, deleted_by = NULL WHERE name = ? AND deleted_at IS NOT NULL',
    ),
    selectTrashedBefore: db
      .prepare<[number], string>('SELECT name FROM documents WHERE deleted_at < ? ORDER BY name')
      .pluck(),
    insertQuarantined: db.prepare('INSERT INTO quarantine (name, data, reason, quarantined_at) VALUES (?, ?, ?, ?)'),
    selectQuarantined: db.prepare('SELECT data, reason, quarantined_at FROM quarantine WHERE name = ? ORDER BY id'),
    insertLink: db.prepare(
      `INSERT INTO share_links (id, document, access, label, created_by, created_at, expires_at)
       VALUES (@id, coalesce((SELECT target FROM aliases WHERE name = @document), @document), @access, @label,
         @createdBy, @createdAt, @expiresAt)`,
    ),
    moveLinks: db.prepare('UPDATE share_links SET document = ? WHERE document = ?'),
    revokeLinksOf: db.prepare(
      `INSERT INTO revocations (id, kind, revoked_at, expires_at) SELECT id, 'link', @now, expires_at FROM share_links
       WHERE document = @document ON CONFLICT (id) DO NOTHING`,
    ),
    pruneRevocations: db.prepare('DELETE FROM revocations WHERE expires_at < ?'),
    deleteLinksOf: db.prepare('DELETE FROM share_links WHERE document = ?'),
    selectLink: db.prepare('SELECT * FROM share_links WHERE id = ?'),
    selectActiveLinks: db.prepare(
      `SELECT * FROM share_links l WHERE l.document = ? AND l.expires_at > ?
         AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.id = l.id)
       ORDER BY l.created_at, l.id`,
    ),
    insertRevocation: db.prepare(
      `INSERT INTO revocations (id, kind, revoked_at, expires_at)
       SELECT @id, CASE WHEN EXISTS (SELECT 1 FROM share_links WHERE id = @id) THEN 'link' ELSE 'token' END, @now,
         (SELECT expires_at FROM share_links WHERE id = @id)
       WHERE true ON CONFLICT (id) DO NOTHING`,
    ),
    selectRevocation: db.prepare('SELECT id, kind, revoked_at FROM revocations WHERE id = ?'),
    selectRevocationsSince: db.prepare(
      'SELECT id, kind, revoked_at FROM revocations WHERE revoked_at >= ? ORDER BY revoked_at, id',
    ),
    ping: db.prepare<[], number>('SELECT 1').pluck(),
  }
}
