import { randomUUID } from 'node:crypto'
import {
  type AccessRecords,
  type DocAuthor,
  type DocInfo,
  type DocMeta,
  type DocStore,
  decodeSpans,
  encodeSpans,
  foldChanges,
  type HistoryStore,
  type LoggedChange,
  pruneHistory,
  type QuarantinedUpdate,
  type QuarantineEntry,
  type ShareLinkRecord,
  StoreConflict,
  type StoredDoc,
  type StoredHistory,
  type StoredVersion,
  type StoreEntry,
  type TokenRevocation,
  type VersionDraft,
  type VersionInfo,
} from '@tandem/server'
import type { Pool, PoolClient } from 'pg'
import { mergeState } from './merge-state.js'
import {
  copyDocument,
  deleteAlias,
  deleteAliasesOf,
  deleteDocument,
  deleteDocuments,
  deleteLinksOf,
  deleteQuarantineOf,
  deleteUpdates,
  deleteVersions,
  insertAlias,
  insertDocument,
  insertLink,
  insertQuarantined,
  insertRevocation,
  insertUpdates,
  insertVersion,
  lockDocument,
  lockForCompaction,
  lockNames,
  lockNamesShared,
  moveLinks,
  moveQuarantine,
  moveUpdates,
  moveVersions,
  type NamedQuery,
  pruneRevocations,
  restoreDocument,
  retargetAliases,
  revokeLinksOf,
  selectActiveLinks,
  selectAlias,
  selectCompactionInputs,
  selectDoc,
  selectFoldInputs,
  selectHistory,
  selectInfo,
  selectLink,
  selectList,
  selectMergeParts,
  selectQuarantined,
  selectRevocation,
  selectRevocationsSince,
  selectTrash,
  selectTrashedBefore,
  selectVersion,
  selectVersionSince,
  selectVersionSnapshots,
  selectVersions,
  selectVersionsForPrune,
  touchDocuments,
  trashDocument,
  writeMeta,
  writeSnapshot,
  writeSpans,
  writeVersionSnapshot,
} from './queries.js'
import { schemaVersion } from './schema.js'
import { check, checkLink, checkQuarantined, checkTokenId } from './validate.js'

/** The connection pool of a {@link PostgresStore}, as counted by the pool. */
export interface PostgresPoolStats {
  /** The most connections the store opens at once. */
  readonly size: number
  /** Connections open now, busy or idle. */
  readonly total: number
  /** Open connections waiting for work. */
  readonly idle: number
  /** Calls waiting for a connection because all `size` are busy. */
  readonly waiting: number
}

/** What a {@link PostgresStore}'s database runs with, read back from PostgreSQL. */
export interface PostgresSettings {
  /** `server_version`, for example `'15.18'`. */
  readonly serverVersion: string
  /** The highest version in `tandem_schema`: the schema version this build of the store writes, once open. */
  readonly schemaVersion: number
  /**
   * The database's own `synchronous_commit`. When it is `'off'`, the store raises it to `'on'` for its own
   * writes, so that `append` and `compact` still resolve only once the commit is flushed to the WAL on disk.
   */
  readonly synchronousCommit: string
  /** The server's `fsync`; `'off'` means a crash of the machine (not only of PostgreSQL) can lose commits. */
  readonly fsync: string
}

/** @internal */
export interface PostgresStoreInit {
  readonly pool: Pool
  readonly poolSize: number
  readonly location: string
  readonly raiseSynchronousCommit: boolean
}

/**
 * A {@link DocStore} on PostgreSQL, for several Tandem instances sharing one database. Each document is a row in
 * `documents` holding its compacted snapshot and its size, plus rows in the `updates` log and in `quarantine`; a
 * connection pool serves concurrent calls. Open one with {@link openPostgresStore}, which also migrates the schema.
 *
 * Every write is one transaction, and a call resolves only after PostgreSQL reports the commit (flushed to its
 * WAL, as `synchronous_commit` is at least `on` for the store's writes). If the connection breaks during the
 * COMMIT itself the outcome cannot be known: the call rejects although the commit may have happened. Appending
 * a Yjs update twice is harmless, so retrying is always safe.
 *
 * Compaction is safe with several instances writing the same document: see {@link PostgresStore.compact}.
 */
export class PostgresStore implements DocStore, AccessRecords, HistoryStore {
  /**
   * A random id for this store object, recorded with every log row and snapshot it writes; compaction merges
   * whatever carries another id (see {@link PostgresStore.compact}).
   */
  readonly instanceId: string = randomUUID()
  /** The database, as `postgres://user@host:port/database` (never with the password), for messages and logs. */
  readonly location: string
  private readonly pool: Pool
  private readonly poolSize: number
  private readonly raiseSynchronousCommit: boolean
  private closed = false

  /** @internal Use {@link openPostgresStore}, which migrates the schema first. */
  constructor(init: PostgresStoreInit) {
    this.pool = init.pool
    this.poolSize = init.poolSize
    this.location = init.location
    this.raiseSynchronousCommit = init.raiseSynchronousCommit
  }

  async load(name: string): Promise<StoredDoc | null> {
    this.assertOpen()
    check.name(name, 'load')
    const { rows } = await this.pool.query<{ snapshot: Buffer | null; updates: Buffer[] }>(query(selectDoc, [name]))
    const row = rows[0]
    if (!row) return null
    return { snapshot: row.snapshot ? asUint8Array(row.snapshot) : null, updates: row.updates.map(asUint8Array) }
  }

  async append(entries: readonly StoreEntry[]): Promise<void> {
    this.assertOpen()
    check.entries(entries)
    if (entries.length === 0) return
    const names = entries.map((entry) => entry.name)
    const updates = entries.map((entry) => entry.update)
    // The author and time go in the update's own row: history is as durable as the content.
    const now = new Date()
    const authors = entries.map((entry) => authorJson(entry.author ?? null))
    const times = entries.map((entry) => entry.at ?? now)
    await this.transaction(async (client) => {
      await client.query(query(lockNamesShared, [names]))
      await client.query(query(touchDocuments, [names, updates]))
      await client.query(query(insertUpdates, [names, updates, this.instanceId, authors, times]))
      for (const { name, meta } of entries) {
        if (meta) await client.query(query(writeMeta, [name, meta.title, authorJson(meta.author)]))
      }
    })
  }

  /**
   * Replaces the snapshot of `name` and deletes the log rows it replaces, safely while other instances append
   * to and compact the same document. In one transaction:
   *
   * 1. Takes a per-document advisory lock (`pg_advisory_xact_lock` on a hash of the name), so compactions of one
   *    document, from any instance, run one after the other; appends never take it and never wait for it.
   * 2. Reads which log rows are committed (their ids) and who wrote them and the snapshot.
   * 3. Chooses the new snapshot. When the old snapshot and every one of those rows were written by this store
   *    object, the caller's guarantee covers them and `state` is written as it is, byte for byte, as with one
   *    instance. Otherwise another instance wrote some of them, and `state` may lack its edits: the old snapshot,
   *    the rows and `state` are applied to a fresh Y.Doc and its encoded state is written instead (marked as
   *    merged, so the next compaction merges again rather than trusting any one caller). The merge leaves out
   *    bytes already quarantined for the document (the caller quarantines a bad part before compacting without
   *    it), and quarantines, in the same transaction, a part that fails to merge and content left pending: see
   *    `mergeState`.
   * 4. Folds the authors and times of exactly the rows it read into the document's spans (`foldChanges`, see
   *    HistoryStore), writes the new snapshot, then deletes those rows, by id. Deleting by id rather than "every
   *    row up to the highest id" matters: ids are taken when a row is inserted, not when it commits, so a row with
   *    a lower id can commit after step 2; it is left in the log (and out of the spans) for the next compaction.
   *
   * A second compaction waiting on the lock sees the first one's snapshot and remaining rows once it runs, so
   * nothing either instance or a concurrent appender wrote is lost. Rejects, changing nothing, when the merge
   * meets a `state` that is not a Yjs update.
   */
  async compact(name: string, state: Uint8Array): Promise<void> {
    this.assertOpen()
    check.name(name, 'compact')
    check.update(state, `the state passed to compact for document "${name}"`)
    await this.transaction(async (client) => {
      await client.query(query(lockNamesShared, [[name]]))
      const alias = await client.query<{ target: string }>(query(selectAlias, [name]))
      if (alias.rows[0]) {
        // A late compaction of an old name: its state joins the document's log, where it adds nothing it lacks.
        await client.query(query(touchDocuments, [[name], [state]]))
        await client.query(query(insertUpdates, [[name], [state], this.instanceId, [null], [new Date()]]))
        return
      }
      await client.query(query(lockForCompaction, [name]))
      const { rows } = await client.query<CompactionInputs>(query(selectCompactionInputs, [name, this.instanceId]))
      const inputs = rows[0] ?? { foreign_snapshot: false, foreign_rows: false, ids: [], replaced_bytes: '0' }
      let snapshot = state
      let writer: string | null = this.instanceId
      if (inputs.foreign_snapshot || inputs.foreign_rows) {
        const parts = await client.query<{ snapshot: Buffer | null; updates: (Buffer | null)[] }>(
          query(selectMergeParts, [name, inputs.ids]),
        )
        const stored = parts.rows[0]
        const merged = mergeState(name, { snapshot: stored?.snapshot ?? null, updates: stored?.updates ?? [], state })
        snapshot = merged.snapshot
        writer = null
        if (merged.quarantined.length > 0) await client.query(quarantineQuery(name, merged.quarantined))
      }
      // Rows from before history was kept have no time of their own: they take the document's updated_at.
      if (inputs.ids.length > 0) await foldIn(client, name, inputs.ids)
      await client.query(query(writeSnapshot, [name, snapshot, writer, inputs.replaced_bytes]))
      if (inputs.ids.length > 0) await client.query(query(deleteUpdates, [name, inputs.ids]))
    })
  }

  async loadHistory(name: string): Promise<StoredHistory | null> {
    this.assertOpen()
    check.name(name, 'loadHistory')
    const { rows } = await this.pool.query<HistoryRow>(query(selectHistory, [name]))
    const row = rows[0]
    return row ? { spans: row.spans ? decodeSpans(row.spans) : [], changes: changesOf(row) } : null
  }

  /**
   * Stores a version under the document's row lock (`SELECT … FOR UPDATE`): the check for a version at or after
   * `unlessCreatedSince` and the insert are one step for every instance on the database, so two instances that
   * propose a version after the same change store it once.
   */
  async addVersion(
    name: string,
    version: VersionDraft,
    condition: { readonly unlessCreatedSince?: Date } = {},
  ): Promise<StoredVersion | null> {
    this.assertOpen()
    check.version(name, version)
    const since = condition.unlessCreatedSince ?? null
    let stored: StoredVersion | null = null
    await this.transaction(async (client) => {
      await client.query(query(lockNamesShared, [[name]]))
      const target = await targetOf(client, name)
      const locked = await client.query(query(lockDocument, [target]))
      if (locked.rowCount === 0) throw StoreConflict.missing(name)
      if (since && (await client.query(query(selectVersionSince, [target, since]))).rowCount !== 0) return
      const authors = JSON.stringify(version.authors.map(authorRecord))
      const { rows } = await client.query<{ id: number }>(
        query(insertVersion, [
          target,
          version.kind,
          version.label === null ? null : withoutNul(version.label),
          authorJson(version.by),
          version.at,
          version.snapshot,
          authors,
          version.inserted,
          version.deleted,
          version.restoredFrom,
        ]),
      )
      stored = { ...version, id: rows[0]!.id, authors: [...version.authors] }
    })
    return stored
  }

  async versions(name: string): Promise<VersionInfo[]> {
    this.assertOpen()
    check.name(name, 'versions')
    const { rows } = await this.pool.query<VersionRow>(query(selectVersions, [name]))
    return rows.map(toVersionInfo)
  }

  async version(name: string, id: number): Promise<StoredVersion | null> {
    this.assertOpen()
    check.name(name, 'version')
    if (!Number.isSafeInteger(id)) return null
    const { rows } = await this.pool.query<VersionRow & { snapshot: Buffer }>(query(selectVersion, [name, id]))
    const row = rows[0]
    return row ? { ...toVersionInfo(row), snapshot: asUint8Array(row.snapshot) } : null
  }

  async versionSnapshots(name: string, id: number): Promise<Uint8Array[]> {
    this.assertOpen()
    check.name(name, 'versionSnapshots')
    if (!Number.isSafeInteger(id)) return []
    const { rows } = await this.pool.query<{ snapshot: Buffer }>(query(selectVersionSnapshots, [name, id]))
    return rows.map((row) => asUint8Array(row.snapshot))
  }

  /** Retention, under the compaction lock so that it and a compaction never rewrite the spans at once. */
  async pruneHistory(name: string, before: Date): Promise<void> {
    this.assertOpen()
    check.name(name, 'pruneHistory')
    if (!(before instanceof Date) || Number.isNaN(before.getTime())) {
      throw new TypeError('PostgresStore.pruneHistory needs a valid Date before which history is dropped.')
    }
    await this.transaction(async (client) => {
      await client.query(query(lockNamesShared, [[name]]))
      const target = await targetOf(client, name)
      await client.query(query(lockForCompaction, [target]))
      const locked = await client.query<{ spans: Buffer | null }>(query(selectFoldInputs, [target, []]))
      if (!locked.rows[0]) return
      const spans = locked.rows[0].spans
      const { rows } = await client.query<{ id: number; at: Date; snapshot: Buffer }>(
        query(selectVersionsForPrune, [target]),
      )
      const versions = rows.map(({ id, at, snapshot }) => ({ id, at, snapshot: asUint8Array(snapshot) }))
      const pruned = pruneHistory(spans ? decodeSpans(spans) : [], versions, before)
      await client.query(query(writeSpans, [target, pruned.spans.length > 0 ? encodeSpans(pruned.spans) : null]))
      if (pruned.deleted.length > 0) await client.query(query(deleteVersions, [target, pruned.deleted]))
      if (pruned.rewritten) {
        await client.query(query(writeVersionSnapshot, [target, pruned.rewritten.id, pruned.rewritten.snapshot]))
      }
    })
  }

  async quarantine(name: string, entries: readonly QuarantinedUpdate[]): Promise<void> {
    this.assertOpen()
    check.name(name, 'quarantine')
    checkQuarantined(name, entries)
    if (entries.length === 0) return
    await this.transaction(async (client) => {
      await client.query(quarantineQuery(name, entries))
    })
  }

  async quarantined(name: string): Promise<QuarantineEntry[]> {
    this.assertOpen()
    check.name(name, 'quarantined')
    const { rows } = await this.pool.query<{ data: Buffer; reason: string; quarantined_at: Date }>(
      query(selectQuarantined, [name]),
    )
    return rows.map((row) => ({
      update: asUint8Array(row.data),
      reason: row.reason,
      quarantinedAt: row.quarantined_at,
    }))
  }

  async list(options: { readonly trashed?: boolean } = {}): Promise<DocInfo[]> {
    this.assertOpen()
    const { rows } = await this.pool.query<InfoRow>(query(options.trashed ? selectTrash : selectList, []))
    return rows.map(toDocInfo)
  }

  async info(name: string): Promise<DocInfo | null> {
    this.assertOpen()
    check.name(name, 'info')
    const { rows } = await this.pool.query<InfoRow>(query(selectInfo, [name]))
    return rows[0] ? toDocInfo(rows[0]) : null
  }

  async resolve(name: string): Promise<string | null> {
    this.assertOpen()
    check.name(name, 'resolve')
    const { rows } = await this.pool.query<{ target: string }>(query(selectAlias, [name]))
    return rows[0]?.target ?? null
  }

  async rename(from: string, to: string): Promise<void> {
    this.assertOpen()
    check.name(from, 'rename')
    check.name(to, 'rename')
    await this.transaction(async (client) => {
      await client.query(query(lockNames, [[from, to]]))
      const source = await infoIn(client, from)
      if (!source || source.deleted_at !== null) throw StoreConflict.missing(from)
      await assertFree(client, to, from)
      // The new row first: the log's rows then move to a name that exists.
      await client.query(query(copyDocument, [to, from]))
      await client.query(query(moveUpdates, [to, from]))
      await client.query(query(moveQuarantine, [to, from]))
      await client.query(query(moveLinks, [to, from]))
      // Before the old row goes: deleting it deletes the versions still filed under it.
      await client.query(query(moveVersions, [to, from]))
      await client.query(query(deleteDocument, [from]))
      await client.query(query(deleteAlias, [to]))
      await client.query(query(retargetAliases, [to, from]))
      await client.query(query(insertAlias, [from, to]))
    })
  }

  async create(name: string, state: Uint8Array, meta: DocMeta): Promise<void> {
    this.assertOpen()
    check.name(name, 'create')
    check.update(state, `the state passed to create for document "${name}"`)
    await this.transaction(async (client) => {
      await client.query(query(lockNames, [[name]]))
      await assertFree(client, name, null)
      await client.query(query(insertDocument, [name, state, meta.title, authorJson(meta.author)]))
    })
  }

  async recordLink(link: ShareLinkRecord): Promise<void> {
    this.assertOpen()
    checkLink(link)
    await this.transaction(async (client) => {
      // Shared, as an append takes it: a rename of the document waits for this link and moves it, or went first
      // and this files it under the new name.
      await client.query(query(lockNamesShared, [[link.document]]))
      await client.query(
        query(insertLink, [
          link.id,
          link.document,
          link.access,
          link.label,
          link.createdBy,
          link.createdAt,
          link.expiresAt,
        ]),
      )
    })
  }

  async trash(name: string, by: DocAuthor | null): Promise<void> {
    this.assertOpen()
    check.name(name, 'trash')
    await this.transaction(async (client) => {
      await client.query(query(lockNames, [[name]]))
      const { rowCount } = await client.query(query(trashDocument, [name, authorJson(by)]))
      if (rowCount === 0) throw StoreConflict.missing(name)
    })
  }

  async restore(name: string): Promise<void> {
    this.assertOpen()
    check.name(name, 'restore')
    await this.transaction(async (client) => {
      await client.query(query(lockNames, [[name]]))
      const { rowCount } = await client.query(query(restoreDocument, [name]))
      if (rowCount === 0) throw StoreConflict.notTrashed(name)
    })
  }

  async purge(name: string): Promise<boolean> {
    this.assertOpen()
    check.name(name, 'purge')
    let purged = false
    await this.transaction(async (client) => {
      purged = (await purgeIn(client, [name], null)).length > 0
    })
    return purged
  }

  /**
   * Reads which documents went to the trash before `before`, takes their names' locks, and then purges those
   * still in the trash since before then: a restore that committed while this
   * waited for a lock keeps its document.
   */
  async purgeTrashed(before: Date): Promise<string[]> {
    this.assertOpen()
    let purged: string[] = []
    await this.transaction(async (client) => {
      const { rows } = await client.query<{ name: string }>(query(selectTrashedBefore, [before]))
      const names = rows.map((row) => row.name)
      if (names.length === 0) return
      const deleted = new Set(await purgeIn(client, names, before))
      purged = names.filter((name) => deleted.has(name))
    })
    return purged
  }

  async link(id: string): Promise<ShareLinkRecord | null> {
    this.assertOpen()
    checkTokenId(id, 'link')
    const { rows } = await this.pool.query<LinkRow>(query(selectLink, [id]))
    return rows[0] ? toLink(rows[0]) : null
  }

  async activeLinks(document: string, now: Date): Promise<ShareLinkRecord[]> {
    this.assertOpen()
    check.name(document, 'activeLinks')
    const { rows } = await this.pool.query<LinkRow>(query(selectActiveLinks, [document, now]))
    return rows.map(toLink)
  }

  async revoke(id: string): Promise<{ revocation: TokenRevocation; already: boolean }> {
    this.assertOpen()
    checkTokenId(id, 'revoke')
    let inserted: RevocationRow | undefined
    await this.transaction(async (client) => {
      inserted = (await client.query<RevocationRow>(query(insertRevocation, [id]))).rows[0]
    })
    if (inserted) return { revocation: toRevocation(inserted), already: false }
    // Revoked already (by this instance or another, committed before this INSERT looked).
    const { rows } = await this.pool.query<RevocationRow>(query(selectRevocation, [id]))
    if (!rows[0]) throw new Error(`PostgresStore.revoke found no revocation of ${id} after the INSERT skipped it.`)
    return { revocation: toRevocation(rows[0]), already: true }
  }

  async revocation(id: string): Promise<TokenRevocation | null> {
    this.assertOpen()
    checkTokenId(id, 'revocation')
    const { rows } = await this.pool.query<RevocationRow>(query(selectRevocation, [id]))
    return rows[0] ? toRevocation(rows[0]) : null
  }

  async revocationsSince(since: Date): Promise<TokenRevocation[]> {
    this.assertOpen()
    const { rows } = await this.pool.query<RevocationRow>(query(selectRevocationsSince, [since]))
    return rows.map(toRevocation)
  }

  async pruneRevocations(expiredBefore: Date): Promise<number> {
    this.assertOpen()
    let pruned = 0
    await this.transaction(async (client) => {
      pruned = (await client.query(query(pruneRevocations, [expiredBefore]))).rowCount ?? 0
    })
    return pruned
  }

  async check(): Promise<void> {
    this.assertOpen()
    try {
      const { rows } = await this.pool.query<{ one: number }>('SELECT 1 AS one')
      if (rows[0]?.one !== 1) throw new Error(`it answered ${JSON.stringify(rows)} to SELECT 1`)
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      throw new Error(`The PostgreSQL database at ${this.location} is not answering: ${reason}.`, { cause })
    }
  }

  /**
   * Waits for calls in progress to finish, then closes every connection. Calling it again does nothing; any other
   * method rejects once the store is closed.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }

  /** Counts the pool's connections and waiting calls: for metrics, and for tests that hold it to its size. */
  stats(): PostgresPoolStats {
    return {
      size: this.poolSize,
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    }
  }

  /** Reads back what the database runs with: for health reports, and for tests that hold the store to its promises. */
  async settings(): Promise<PostgresSettings> {
    this.assertOpen()
    const { rows } = await this.pool.query<Omit<PostgresSettings, 'schemaVersion'>>(
      `SELECT current_setting('server_version') AS "serverVersion",
        current_setting('synchronous_commit') AS "synchronousCommit", current_setting('fsync') AS fsync`,
    )
    return { ...rows[0]!, schemaVersion: await schemaVersion(this.pool) }
  }

  /** Runs `work` in one transaction on one pooled connection, rolling back when it throws. */
  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      if (this.raiseSynchronousCommit) await client.query('SET LOCAL synchronous_commit = on')
      await work(client)
      await client.query('COMMIT')
    } catch (error) {
      // A connection that cannot even roll back is broken: release(error) closes it instead of reusing it.
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError
      })
      throw error
    } finally {
      client.release(broken)
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new Error(`This PostgresStore (${this.location}) is closed; open a new one with openPostgresStore().`)
    }
  }
}

interface CompactionInputs {
  foreign_snapshot: boolean
  foreign_rows: boolean
  ids: string[]
  replaced_bytes: string
}

interface HistoryRow {
  spans: Buffer | null
  updates: Buffer[]
  authors: (string | null)[]
  ats: Date[]
}

interface VersionRow {
  id: number
  kind: VersionInfo['kind']
  label: string | null
  created_by: DocAuthor | null
  at: Date
  authors: DocAuthor[]
  inserted: number
  deleted: number
  restored_from: number | null
}

/** The document an old name leads to, or `name` itself. */
async function targetOf(client: PoolClient, name: string): Promise<string> {
  return (await client.query<{ target: string }>(query(selectAlias, [name]))).rows[0]?.target ?? name
}

/**
 * Folds the authors and times of the log rows `ids` (about to be deleted by a compaction) into the spans of `name`,
 * in the caller's transaction, under its compaction lock.
 */
async function foldIn(client: PoolClient, name: string, ids: readonly string[]): Promise<void> {
  const { rows } = await client.query<HistoryRow>(query(selectFoldInputs, [name, ids]))
  const row = rows[0]
  if (!row) return
  const spans = foldChanges(row.spans ? decodeSpans(row.spans) : [], changesOf(row))
  await client.query(query(writeSpans, [name, spans.length > 0 ? encodeSpans(spans) : null]))
}

function changesOf(row: HistoryRow): LoggedChange[] {
  return row.updates.map((update, index) => {
    const author = row.authors[index]
    return {
      update: asUint8Array(update),
      author: author ? authorOf(JSON.parse(author) as DocAuthor) : null,
      at: row.ats[index]!,
    }
  })
}

function toVersionInfo(row: VersionRow): VersionInfo {
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    by: authorOf(row.created_by),
    at: row.at,
    authors: row.authors.map(authorOf).filter((author) => author !== null),
    inserted: row.inserted,
    deleted: row.deleted,
    restoredFrom: row.restored_from,
  }
}

interface InfoRow {
  name: string
  size: string
  history_size: string
  updated_at: Date
  title: string | null
  updated_by: DocAuthor | null
  deleted_at: Date | null
  deleted_by: DocAuthor | null
}

async function infoIn(client: PoolClient, name: string): Promise<InfoRow | undefined> {
  return (await client.query<InfoRow>(query(selectInfo, [name]))).rows[0]
}

/** Throws {@link StoreConflict} unless nothing holds `name`, or it is an old name of `self`. */
async function assertFree(client: PoolClient, name: string, self: string | null): Promise<void> {
  const row = await infoIn(client, name)
  if (row) throw StoreConflict.taken(name, row.deleted_at !== null)
  const target = (await client.query<{ target: string }>(query(selectAlias, [name]))).rows[0]?.target
  if (target !== undefined && target !== self) throw StoreConflict.aliasOf(name, target)
}

/**
 * Deletes documents for good under their names' locks, with their quarantine and the old names leading to them,
 * and revokes and forgets their share links (a later document with the same name must not open with them);
 * returns the names that held a document. With `trashedBefore`, only documents in the trash since before then
 * are deleted, checked under the locks, and only theirs are cleared; without it, everything under `names` is.
 */
async function purgeIn(client: PoolClient, names: string[], trashedBefore: Date | null): Promise<string[]> {
  await client.query(query(lockNames, [names]))
  const { rows } = await client.query<{ name: string }>(query(deleteDocuments, [names, trashedBefore]))
  const purged = rows.map((row) => row.name)
  const cleared = trashedBefore === null ? names : purged
  if (cleared.length > 0) {
    await client.query(query(deleteQuarantineOf, [cleared]))
    await client.query(query(deleteAliasesOf, [cleared]))
    await client.query(query(revokeLinksOf, [cleared]))
    await client.query(query(deleteLinksOf, [cleared]))
  }
  return purged
}

// jsonb cannot hold NUL either: an author's id or name is shown with U+FFFD in its place, rather than refusing the
// whole batch of changes it came with.
function authorJson(author: DocAuthor | null): string | null {
  return author ? JSON.stringify(authorRecord(author)) : null
}

function authorRecord(author: DocAuthor): DocAuthor {
  const name = author.name === null ? null : withoutNul(author.name)
  return { id: withoutNul(author.id), name, verified: author.verified }
}

function withoutNul(text: string): string {
  return text.replaceAll('\0', '\uFFFD')
}

interface LinkRow {
  id: string
  document: string
  access: 'read' | 'write'
  label: string | null
  created_by: string
  created_at: Date
  expires_at: Date
}

interface RevocationRow {
  id: string
  kind: 'link' | 'token'
  revoked_at: Date
}

function toLink(row: LinkRow): ShareLinkRecord {
  return {
    id: row.id,
    document: row.document,
    access: row.access,
    label: row.label,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

function toRevocation(row: RevocationRow): TokenRevocation {
  return { id: row.id, kind: row.kind, revokedAt: row.revoked_at }
}

function query(named: NamedQuery, values: unknown[]): { name: string; text: string; values: unknown[] } {
  return { name: named.name, text: named.text, values }
}

// PostgreSQL text cannot hold NUL; a reason is for a person to read, so one is shown as U+FFFD rather than lost.
function quarantineQuery(name: string, entries: readonly QuarantinedUpdate[]) {
  const updates = entries.map((entry) => entry.update)
  const reasons = entries.map((entry) => withoutNul(entry.reason))
  return query(insertQuarantined, [name, updates, reasons])
}

function toDocInfo(row: InfoRow): DocInfo {
  return {
    name: row.name,
    size: Number(row.size),
    updatedAt: row.updated_at,
    title: row.title,
    updatedBy: authorOf(row.updated_by),
    deletedAt: row.deleted_at,
    deletedBy: authorOf(row.deleted_by),
    historySize: Number(row.history_size),
  }
}

function authorOf(value: DocAuthor | null): DocAuthor | null {
  if (value === null || typeof value !== 'object' || typeof value.id !== 'string') return null
  return { id: value.id, name: typeof value.name === 'string' ? value.name : null, verified: value.verified === true }
}

// pg returns each bytea as a Buffer that owns its memory; a plain view of it is what the contract promises,
// without copying the bytes.
function asUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}
