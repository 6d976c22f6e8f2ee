import { COMPACTION_LOCK_CLASS, NAME_LOCK_CLASS } from './advisory-locks.js'

// Every SQL statement a PostgresStore runs. Each has a name, so pg prepares it once per connection and then
// sends only the parameters.

/** A query pg prepares once per connection under `name`. @internal */
export interface NamedQuery {
  readonly name: string
  readonly text: string
}

/**
 * Creates each document of an append batch when missing and adds the batch's bytes to its size. Rows are
 * locked in name order, so two batches over the same documents never wait for each other in a cycle.
 * $1 names, $2 updates (parallel arrays).
 *
 * @internal
 */
export const touchDocuments: NamedQuery = {
  name: 'tandem-touch-documents',
  text: `INSERT INTO documents AS d (name, size)
    SELECT coalesce(a.target, batch.name), sum(octet_length(data))
    FROM unnest($1::text[], $2::bytea[]) AS batch (name, data) LEFT JOIN aliases a ON a.name = batch.name
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (name) DO UPDATE SET
      size = d.size + excluded.size,
      -- greatest() keeps updated_at from moving backwards when transactions commit out of start order.
      updated_at = greatest(d.updated_at, excluded.updated_at)`,
}

/**
 * Appends a batch to the log in the batch's order, each row with its author and time (history keeps them with the
 * content, in the same row). $1 names, $2 updates, $3 writer, $4 authors (jsonb text or NULL), $5 times.
 *
 * @internal
 */
export const insertUpdates: NamedQuery = {
  name: 'tandem-insert-updates',
  text: `INSERT INTO updates (name, writer, data, author, at)
    SELECT coalesce(a.target, batch.name), $3, data, author::jsonb, at
    FROM unnest($1::text[], $2::bytea[], $4::text[], $5::timestamptz[])
      WITH ORDINALITY AS batch (name, data, author, at, position)
    LEFT JOIN aliases a ON a.name = batch.name
    ORDER BY position`,
}

/**
 * Takes the per-name locks of a batch's names shared, in name order. $1 names.
 *
 * @internal
 */
export const lockNamesShared: NamedQuery = {
  name: 'tandem-lock-names-shared',
  text: `SELECT pg_advisory_xact_lock_shared(${NAME_LOCK_CLASS}, hashtext(name))
    FROM (SELECT DISTINCT name FROM unnest($1::text[]) AS batch (name) ORDER BY name) AS names`,
}

/** Takes the per-name locks of $1 names exclusive, in name order. @internal */
export const lockNames: NamedQuery = {
  name: 'tandem-lock-names',
  text: `SELECT pg_advisory_xact_lock(${NAME_LOCK_CLASS}, hashtext(name))
    FROM (SELECT DISTINCT name FROM unnest($1::text[]) AS batch (name) ORDER BY name) AS names`,
}

/** Sets the listing's title and, when given, the last author. $1 name, $2 title, $3 author (jsonb or NULL). @internal */
export const writeMeta: NamedQuery = {
  name: 'tandem-write-meta',
  text: `UPDATE documents SET title = $2, updated_by = coalesce($3::jsonb, updated_by)
    WHERE name = coalesce((SELECT target FROM aliases WHERE name = $1), $1)`,
}

/** The name an old name leads to. $1 name. @internal */
export const selectAlias: NamedQuery = {
  name: 'tandem-select-alias',
  text: 'SELECT target FROM aliases WHERE name = $1',
}

/** The snapshot and log of one document, read in one statement so both come from the same moment. @internal */
export const selectDoc: NamedQuery = {
  name: 'tandem-select-doc',
  text: `SELECT d.snapshot, ARRAY(SELECT u.data FROM updates u WHERE u.name = d.name ORDER BY u.id) AS updates
    FROM documents d WHERE d.name = $1`,
}

/** Serializes compactions of one document across every instance, until the transaction ends. @internal */
export const lockForCompaction: NamedQuery = {
  name: 'tandem-lock-compaction',
  text: `SELECT pg_advisory_xact_lock(${COMPACTION_LOCK_CLASS}, hashtext($1))`,
}

/**
 * What compaction needs to decide whether it must merge, without reading any bytes: whether the snapshot or any
 * committed log row came from another instance than $2, the ids of the committed log rows, and how many bytes the
 * snapshot and those rows hold. One statement, so the ids and the sizes describe the same rows. $1 name, $2 writer.
 *
 * @internal
 */
export const selectCompactionInputs: NamedQuery = {
  name: 'tandem-compaction-inputs',
  text: `SELECT
      d.snapshot IS NOT NULL AND d.snapshot_writer IS DISTINCT FROM $2::uuid AS foreign_snapshot,
      coalesce(log.foreign_rows, false) AS foreign_rows,
      log.ids,
      coalesce(octet_length(d.snapshot), 0) + log.bytes AS replaced_bytes
    FROM documents d, LATERAL (
      SELECT bool_or(u.writer <> $2::uuid) AS foreign_rows,
        coalesce(array_agg(u.id ORDER BY u.id), '{}') AS ids,
        coalesce(sum(octet_length(u.data)), 0) AS bytes
      FROM updates u WHERE u.name = d.name
    ) AS log
    WHERE d.name = $1`,
}

/**
 * The bytes of the snapshot and of the given log rows, for a merge, oldest row first. Bytes that were quarantined
 * for the document come back as NULL, so the merge never brings them back. $1 name, $2 ids.
 *
 * @internal
 */
export const selectMergeParts: NamedQuery = {
  name: 'tandem-merge-parts',
  text: `SELECT
      CASE WHEN EXISTS (SELECT 1 FROM quarantine q WHERE q.name = d.name AND q.data = d.snapshot)
        THEN NULL ELSE d.snapshot END AS snapshot,
      ARRAY(
        SELECT CASE WHEN EXISTS (SELECT 1 FROM quarantine q WHERE q.name = u.name AND q.data = u.data)
          THEN NULL ELSE u.data END
        FROM updates u WHERE u.name = d.name AND u.id = ANY($2::bigint[]) ORDER BY u.id
      ) AS updates
    FROM documents d WHERE d.name = $1`,
}

/**
 * Writes the new snapshot, creating the document when missing. The size drops by the bytes being replaced ($4:
 * old snapshot plus merged rows) and grows by the new snapshot's, so rows appended meanwhile stay counted.
 * $1 name, $2 snapshot, $3 snapshot writer (NULL for merged state), $4 replaced bytes.
 *
 * @internal
 */
export const writeSnapshot: NamedQuery = {
  name: 'tandem-write-snapshot',
  text: `INSERT INTO documents AS d (name, snapshot, snapshot_writer, size) VALUES ($1, $2::bytea, $3::uuid, octet_length($2::bytea))
    ON CONFLICT (name) DO UPDATE SET
      snapshot = excluded.snapshot,
      snapshot_writer = excluded.snapshot_writer,
      size = d.size - $4::bigint + excluded.size`,
}

/**
 * The spans and the given log rows with their authors and times, for compaction to fold, oldest row first; a row
 * written before history was kept takes its document's time. $1 name, $2 ids.
 *
 * @internal
 */
export const selectFoldInputs: NamedQuery = {
  name: 'tandem-fold-inputs',
  text: `SELECT d.spans,
      ARRAY(SELECT u.data FROM updates u WHERE u.name = d.name AND u.id = ANY($2::bigint[]) ORDER BY u.id) AS updates,
      ARRAY(SELECT u.author::text FROM updates u WHERE u.name = d.name AND u.id = ANY($2::bigint[]) ORDER BY u.id)
        AS authors,
      ARRAY(SELECT coalesce(u.at, d.updated_at) FROM updates u WHERE u.name = d.name AND u.id = ANY($2::bigint[])
        ORDER BY u.id) AS ats
    FROM documents d WHERE d.name = $1`,
}

/**
 * The spans and the whole log of one document with authors and times, read in one statement so that a
 * compaction cannot both fold a change into the spans read here and delete it from the log read here. $1 name
 * (an old name reads the document it leads to).
 *
 * @internal
 */
export const selectHistory: NamedQuery = {
  name: 'tandem-select-history',
  text: `SELECT d.spans,
      ARRAY(SELECT u.data FROM updates u WHERE u.name = d.name ORDER BY u.id) AS updates,
      ARRAY(SELECT u.author::text FROM updates u WHERE u.name = d.name ORDER BY u.id) AS authors,
      ARRAY(SELECT coalesce(u.at, d.updated_at) FROM updates u WHERE u.name = d.name ORDER BY u.id) AS ats
    FROM documents d WHERE d.name = coalesce((SELECT target FROM aliases WHERE name = $1), $1)`,
}

/** Replaces a document's spans, moving its history size by the difference. $1 name, $2 spans (or NULL). @internal */
export const writeSpans: NamedQuery = {
  name: 'tandem-write-spans',
  text: `UPDATE documents
    SET spans = $2::bytea, history_size = history_size - coalesce(octet_length(spans), 0) + coalesce(octet_length($2::bytea), 0)
    WHERE name = $1`,
}

/**
 * Locks a document's row until the transaction ends and reads it: what makes the check for a recent version and
 * the insert of a new one one step, whichever instance proposes it. $1 name.
 *
 * @internal
 */
export const lockDocument: NamedQuery = {
  name: 'tandem-lock-document',
  text: 'SELECT last_version FROM documents WHERE name = $1 FOR UPDATE',
}

/** Whether a version of $1 was taken at or after $2. @internal */
export const selectVersionSince: NamedQuery = {
  name: 'tandem-select-version-since',
  text: 'SELECT 1 FROM versions WHERE name = $1 AND at >= $2 LIMIT 1',
}

/**
 * Stores a version under the document's next id, adding its bytes to the history size, and returns the id.
 * $1 name, $2 kind, $3 label, $4 by (jsonb text), $5 at, $6 snapshot, $7 authors (jsonb text), $8 inserted,
 * $9 deleted, $10 restored from.
 *
 * @internal
 */
export const insertVersion: NamedQuery = {
  name: 'tandem-insert-version',
  text: `WITH next AS (
      UPDATE documents SET last_version = last_version + 1, history_size = history_size + octet_length($6::bytea)
      WHERE name = $1 RETURNING last_version
    )
    INSERT INTO versions (name, id, kind, label, created_by, at, snapshot, authors, inserted, deleted, restored_from)
    SELECT $1, last_version, $2, $3, $4::jsonb, $5, $6::bytea, $7::jsonb, $8, $9, $10 FROM next
    RETURNING id`,
}

const versionInfoColumns = 'id, kind, label, created_by, at, authors, inserted, deleted, restored_from'

/** The versions of a document without their snapshots, oldest first. $1 name (or an old name of it). @internal */
export const selectVersions: NamedQuery = {
  name: 'tandem-select-versions',
  text: `SELECT ${versionInfoColumns} FROM versions
    WHERE name = coalesce((SELECT target FROM aliases WHERE name = $1), $1) ORDER BY id`,
}

/** One version with its snapshot. $1 name (or an old name of it), $2 id. @internal */
export const selectVersion: NamedQuery = {
  name: 'tandem-select-version',
  text: `SELECT ${versionInfoColumns}, snapshot FROM versions
    WHERE name = coalesce((SELECT target FROM aliases WHERE name = $1), $1) AND id = $2`,
}

/**
 * The snapshots of version $2 and of every earlier version of $1 (or the document an old name $1 leads to), oldest
 * first; none when there is no version $2.
 *
 * @internal
 */
export const selectVersionSnapshots: NamedQuery = {
  name: 'tandem-select-version-snapshots',
  text: `WITH doc AS (SELECT coalesce((SELECT target FROM aliases WHERE name = $1), $1) AS name)
    SELECT v.snapshot FROM versions v, doc
    WHERE v.name = doc.name AND v.id <= $2
      AND EXISTS (SELECT 1 FROM versions w WHERE w.name = doc.name AND w.id = $2)
    ORDER BY v.id`,
}

/** Every version of a document with its time and snapshot, oldest first, for retention. $1 name. @internal */
export const selectVersionsForPrune: NamedQuery = {
  name: 'tandem-select-versions-for-prune',
  text: 'SELECT id, at, snapshot FROM versions WHERE name = $1 ORDER BY id',
}

/** Deletes versions of $1 by id ($2), taking their bytes off the history size. @internal */
export const deleteVersions: NamedQuery = {
  name: 'tandem-delete-versions',
  text: `WITH gone AS (DELETE FROM versions WHERE name = $1 AND id = ANY($2::integer[]) RETURNING snapshot)
    UPDATE documents SET history_size = history_size - (SELECT coalesce(sum(octet_length(snapshot)), 0) FROM gone)
    WHERE name = $1`,
}

/** Replaces the snapshot of version $2 of $1 by $3, moving the history size by the difference. @internal */
export const writeVersionSnapshot: NamedQuery = {
  name: 'tandem-write-version-snapshot',
  text: `WITH old AS (SELECT octet_length(snapshot) AS bytes FROM versions WHERE name = $1 AND id = $2),
      written AS (UPDATE versions SET snapshot = $3::bytea WHERE name = $1 AND id = $2)
    UPDATE documents SET history_size = history_size - (SELECT bytes FROM old) + octet_length($3::bytea)
    WHERE name = $1`,
}

/** Moves a document's versions to another name. $1 to, $2 from. @internal */
export const moveVersions: NamedQuery = {
  name: 'tandem-move-versions',
  text: 'UPDATE versions SET name = $1 WHERE name = $2',
}

/** Deletes exactly the log rows a compaction replaced. $1 name, $2 ids. @internal */
export const deleteUpdates: NamedQuery = {
  name: 'tandem-delete-updates',
  text: 'DELETE FROM updates WHERE name = $1 AND id = ANY($2::bigint[])',
}

/**
 * Copies a document's row under a new name, out of the trash: the first step of a rename, so that the log's and
 * quarantine's rows then move to a name that exists. $1 to, $2 from.
 *
 * @internal
 */
export const copyDocument: NamedQuery = {
  name: 'tandem-copy-document',
  text: `INSERT INTO documents (name, snapshot, snapshot_writer, size, created_at, updated_at, title, updated_by, spans,
      last_version, history_size)
    SELECT $1, snapshot, snapshot_writer, size, created_at, updated_at, title, updated_by, spans, last_version,
      history_size
    FROM documents WHERE name = $2`,
}

/** Moves a document's log to another name. $1 to, $2 from. @internal */
export const moveUpdates: NamedQuery = {
  name: 'tandem-move-updates',
  text: 'UPDATE updates SET name = $1 WHERE name = $2',
}

/** Moves a document's quarantine to another name. $1 to, $2 from. @internal */
export const moveQuarantine: NamedQuery = {
  name: 'tandem-move-quarantine',
  text: 'UPDATE quarantine SET name = $1 WHERE name = $2',
}

/** $1 name. @internal */
export const deleteDocument: NamedQuery = {
  name: 'tandem-delete-document',
  text: 'DELETE FROM documents WHERE name = $1',
}

/** Forgets $1 as an old name (a rename back onto it). @internal */
export const deleteAlias: NamedQuery = {
  name: 'tandem-delete-alias',
  text: 'DELETE FROM aliases WHERE name = $1',
}

/** Points the old names of $2 at $1. @internal */
export const retargetAliases: NamedQuery = {
  name: 'tandem-retarget-aliases',
  text: 'UPDATE aliases SET target = $1 WHERE target = $2',
}

/** Keeps $1 as an old name of $2. @internal */
export const insertAlias: NamedQuery = {
  name: 'tandem-insert-alias',
  text: 'INSERT INTO aliases (name, target) VALUES ($1, $2)',
}

/** Stores a new document from a state. $1 name, $2 state, $3 title, $4 author (jsonb or NULL). @internal */
export const insertDocument: NamedQuery = {
  name: 'tandem-insert-document',
  text: `INSERT INTO documents (name, snapshot, snapshot_writer, size, title, updated_by)
    VALUES ($1, $2::bytea, NULL, octet_length($2::bytea), $3, $4::jsonb)`,
}

/** Moves a live document to the trash. $1 name, $2 who (jsonb or NULL). @internal */
export const trashDocument: NamedQuery = {
  name: 'tandem-trash-document',
  text: 'UPDATE documents SET deleted_at = now(), deleted_by = $2::jsonb WHERE name = $1 AND deleted_at IS NULL',
}

/** Takes a document out of the trash. $1 name. @internal */
export const restoreDocument: NamedQuery = {
  name: 'tandem-restore-document',
  text: 'UPDATE documents SET deleted_at = NULL, deleted_by = NULL WHERE name = $1 AND deleted_at IS NOT NULL',
}

/** Documents that went to the trash before $1, by name. @internal */
export const selectTrashedBefore: NamedQuery = {
  name: 'tandem-select-trashed-before',
  text: 'SELECT name FROM documents WHERE deleted_at < $1 ORDER BY name',
}

/**
 * Deletes documents for good and returns the names deleted; with $2, only those in the trash since before $2.
 * Run under the names' locks, it sees a restore that committed while it waited for them. $1 names, $2 trashed
 * before (or NULL for any document).
 *
 * @internal
 */
export const deleteDocuments: NamedQuery = {
  name: 'tandem-delete-documents',
  text: `DELETE FROM documents WHERE name = ANY($1::text[]) AND ($2::timestamptz IS NULL OR deleted_at < $2)
    RETURNING name`,
}

/** Deletes what was quarantined for documents. $1 names. @internal */
export const deleteQuarantineOf: NamedQuery = {
  name: 'tandem-delete-quarantine-of',
  text: 'DELETE FROM quarantine WHERE name = ANY($1::text[])',
}

/** Forgets the old names leading to documents. $1 names. @internal */
export const deleteAliasesOf: NamedQuery = {
  name: 'tandem-delete-aliases-of',
  text: 'DELETE FROM aliases WHERE target = ANY($1::text[])',
}

/** Revokes every link of the documents that is not revoked yet, each until its link expires. $1 names. @internal */
export const revokeLinksOf: NamedQuery = {
  name: 'tandem-revoke-links-of',
  text: `INSERT INTO revocations (id, kind, expires_at)
    SELECT id, 'link', expires_at FROM share_links WHERE document = ANY($1::text[]) ORDER BY id
    ON CONFLICT (id) DO NOTHING`,
}

/** Forgets the links of the documents. $1 names. @internal */
export const deleteLinksOf: NamedQuery = {
  name: 'tandem-delete-links-of',
  text: 'DELETE FROM share_links WHERE document = ANY($1::text[])',
}

const infoColumns = 'name, size, updated_at, title, updated_by, deleted_at, deleted_by, history_size'

/** @internal */
export const selectInfo: NamedQuery = {
  name: 'tandem-select-info',
  text: `SELECT ${infoColumns} FROM documents WHERE name = $1`,
}

/** Documents not in the trash, by name. @internal */
export const selectList: NamedQuery = {
  name: 'tandem-select-list',
  text: `SELECT ${infoColumns} FROM documents WHERE deleted_at IS NULL ORDER BY name`,
}

/** Documents in the trash, by name. @internal */
export const selectTrash: NamedQuery = {
  name: 'tandem-select-trash',
  text: `SELECT ${infoColumns} FROM documents WHERE deleted_at IS NOT NULL ORDER BY name`,
}

/** Quarantines updates of one document in the given order. $1 name, $2 updates, $3 reasons (parallel arrays). @internal */
export const insertQuarantined: NamedQuery = {
  name: 'tandem-insert-quarantined',
  text: `INSERT INTO quarantine (name, data, reason)
    SELECT $1, data, reason FROM unnest($2::bytea[], $3::text[]) WITH ORDINALITY AS batch (data, reason, position)
    ORDER BY position`,
}

/** What was quarantined for one document, oldest first. $1 name. @internal */
export const selectQuarantined: NamedQuery = {
  name: 'tandem-select-quarantined',
  text: 'SELECT data, reason, quarantined_at FROM quarantine WHERE name = $1 ORDER BY id',
}

/**
 * Records a link under its document's current name (an old name's target). $1 id, $2 document, $3 access, $4 label,
 * $5 created by, $6 created at, $7 expires at.
 *
 * @internal
 */
export const insertLink: NamedQuery = {
  name: 'tandem-insert-link',
  text: `INSERT INTO share_links (id, document, access, label, created_by, created_at, expires_at)
    VALUES ($1, coalesce((SELECT target FROM aliases WHERE name = $2), $2), $3, $4, $5, $6, $7)`,
}

/** Files the links of a document under its new name. $1 to, $2 from. @internal */
export const moveLinks: NamedQuery = {
  name: 'tandem-move-links',
  text: 'UPDATE share_links SET document = $1 WHERE document = $2',
}

/** $1 id. @internal */
export const selectLink: NamedQuery = {
  name: 'tandem-select-link',
  text: 'SELECT * FROM share_links WHERE id = $1',
}

/** The links of one document that have not expired and are not revoked. $1 document, $2 now. @internal */
export const selectActiveLinks: NamedQuery = {
  name: 'tandem-select-active-links',
  text: `SELECT * FROM share_links l WHERE l.document = $1 AND l.expires_at > $2
    AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.id = l.id)
    ORDER BY l.created_at, l.id`,
}

/**
 * Revokes $1 unless it is revoked already, as a link's revocation (expiring with the link) when a share link has
 * that id; returns the row only when it inserted it. @internal
 */
export const insertRevocation: NamedQuery = {
  name: 'tandem-insert-revocation',
  text: `INSERT INTO revocations (id, kind, expires_at)
    SELECT $1, CASE WHEN EXISTS (SELECT 1 FROM share_links WHERE id = $1) THEN 'link' ELSE 'token' END,
      (SELECT expires_at FROM share_links WHERE id = $1)
    ON CONFLICT (id) DO NOTHING
    RETURNING id, kind, revoked_at`,
}

/** Deletes the revocations of tokens that expired before $1. @internal */
export const pruneRevocations: NamedQuery = {
  name: 'tandem-prune-revocations',
  text: 'DELETE FROM revocations WHERE expires_at < $1',
}

/** $1 id. @internal */
export const selectRevocation: NamedQuery = {
  name: 'tandem-select-revocation',
  text: 'SELECT id, kind, revoked_at FROM revocations WHERE id = $1',
}

/** $1 since. @internal */
export const selectRevocationsSince: NamedQuery = {
  name: 'tandem-select-revocations-since',
  text: 'SELECT id, kind, revoked_at FROM revocations WHERE revoked_at >= $1 ORDER BY revoked_at, id',
}
