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
import type Database from 'better-sqlite3'
import { connect, NativeModuleMismatch } from './connect.js'
import { migrate, NewerSchemaError } from './schema.js'
import {
  type ChangeRow,
  type InfoRow,
  type LinkRow,
  prepareStatements,
  type RevocationRow,
  type Statements,
  type VersionRow,
} from './statements.js'
import { check, checkLink, checkQuarantined, checkTokenId } from './validate.js'

/** How to open a {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Path of the database file. The file is created when missing; its directory must exist. */
  readonly path: string
  /**
   * How long a write waits for another connection's lock (another process on the same file) before it fails,
   * in milliseconds.
   * @default 5000
   */
  readonly busyTimeoutMs?: number
}

/** The settings a {@link SqliteStore}'s connection actually runs with, read back from SQLite. */
export interface SqliteSettings {
  /** `'wal'` for every store this package opens. */
  readonly journalMode: string
  /** `'FULL'` for every store this package opens: a commit is on disk before `append` resolves. */
  readonly synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA'
  /** How long a write waits for another connection's lock, in milliseconds. */
  readonly busyTimeoutMs: number
  /** Whether SQLite enforces the log's reference to its document row; `true` for every store this package opens. */
  readonly foreignKeys: boolean
  /** The database's `PRAGMA user_version`: the schema version this build of the store writes, once open. */
  readonly schemaVersion: number
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000
const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const

/**
 * A {@link DocStore} in one SQLite file: Tandem's embedded default. Each document is a row (its size, title, times
 * and history), its compacted snapshot in a table of its own (every append updates the row, and an UPDATE reads
 * every blob in the row), plus rows in an append log and in its quarantine; `size` is kept up to date on every
 * write so listing is cheap.
 *
 * The connection runs in WAL mode with `synchronous = FULL`, so once `append` or `compact` resolves the commit
 * is on disk and survives a crash of the process or the machine. better-sqlite3 is synchronous: every method
 * completes its work before it returns its promise.
 *
 * Open one with {@link SqliteStore.open}, or {@link openSqliteStore} for the default file in a data directory.
 */
export class SqliteStore implements DocStore, AccessRecords, HistoryStore {
  /** The database file this store reads and writes. */
  readonly path: string
  private readonly db: Database.Database
  private readonly statements: Statements
  private readonly loadTransaction: Database.Transaction<(name: string) => StoredDoc | null>
  private readonly appendTransaction: Database.Transaction<(entries: readonly StoreEntry[], now: number) => void>
  private readonly compactTransaction: Database.Transaction<(name: string, state: Uint8Array, now: number) => void>
  private readonly quarantineTransaction: Database.Transaction<
    (name: string, entries: readonly QuarantinedUpdate[], now: number) => void
  >
  private readonly renameTransaction: Database.Transaction<(from: string, to: string, now: number) => void>
  private readonly createTransaction: Database.Transaction<
    (name: string, state: Uint8Array, meta: DocMeta, now: number) => void
  >
  private readonly purgeTransaction: Database.Transaction<(names: readonly string[], now: number) => number>
  private readonly purgeTrashedTransaction: Database.Transaction<(before: number, now: number) => string[]>
  private readonly loadHistoryTransaction: Database.Transaction<(name: string) => StoredHistory | null>
  private readonly pruneTransaction: Database.Transaction<(name: string, before: Date) => void>
  private readonly addVersionTransaction: Database.Transaction<
    (name: string, version: VersionDraft, since: number | null) => StoredVersion | null
  >
  private closed = false

  private constructor(path: string, db: Database.Database) {
    this.path = path
    this.db = db
    const statements = prepareStatements(db)
    this.statements = statements
    // One read transaction, so another process compacting in between cannot pair an old snapshot with a new log.
    this.loadTransaction = db.transaction((name: string) => {
      const row = statements.selectSnapshot.get(name)
      if (!row) return null
      const updates = statements.selectUpdates.all(name).map(asUint8Array)
      return { snapshot: row.snapshot ? asUint8Array(row.snapshot) : null, updates }
    })
    // The document's row with the snapshot's size, then the snapshot in its own table.
    const writeSnapshot = (name: string, state: Uint8Array, now: number) => {
      statements.writeSnapshotSize.run(name, state.byteLength, now, now)
      statements.writeSnapshotData.run(name, state)
    }
    // An old name's entries go to the document it was renamed to (see DocStore.resolve).
    // The author and time go in the update's own row: history is as durable as the content.
    const appendOne = (entry: StoreEntry, now: number) => {
      const name = statements.selectAlias.get(entry.name) ?? entry.name
      statements.touchForAppend.run(name, entry.update.byteLength, now, now)
      statements.insertUpdate.run(name, entry.update, authorJson(entry.author ?? null), entry.at?.getTime() ?? now)
      if (entry.meta) statements.writeMeta.run(entry.meta.title, authorJson(entry.meta.author), name)
    }
    this.appendTransaction = db.transaction((entries: readonly StoreEntry[], now: number) => {
      for (const entry of entries) appendOne(entry, now)
    })
    // The snapshot is written before the log it replaces is deleted, as the DocStore contract asks, and the log's
    // authors and times are folded into the spans in the same transaction (see HistoryStore).
    this.compactTransaction = db.transaction((name: string, state: Uint8Array, now: number) => {
      // A late compaction of an old name: its state joins the document's log, where it adds nothing it lacks.
      if (statements.selectAlias.get(name) !== undefined) return appendOne({ name, update: state }, now)
      const changes = statements.selectChanges.all(name).map(toChange)
      writeSnapshot(name, state, now)
      if (changes.length > 0) {
        const stored = statements.selectSpans.get(name)?.spans
        const spans = foldChanges(stored ? decodeSpans(stored) : [], changes)
        const encoded = spans.length > 0 ? encodeSpans(spans) : null
        statements.writeSpans.run(encoded, encoded?.byteLength ?? 0, name)
      }
      statements.deleteUpdates.run(name)
    })
    // One read transaction, so that a compaction in between cannot fold a change into the spans read here and
    // delete it from the log read here too.
    this.loadHistoryTransaction = db.transaction((given: string) => {
      const name = statements.selectAlias.get(given) ?? given
      const row = statements.selectSpans.get(name)
      if (!row) return null
      return {
        spans: row.spans ? decodeSpans(row.spans) : [],
        changes: statements.selectChanges.all(name).map(toChange),
      }
    })
    this.pruneTransaction = db.transaction((given: string, before: Date) => {
      const name = statements.selectAlias.get(given) ?? given
      const row = statements.selectSpans.get(name)
      if (!row) return
      const versions = statements.selectVersionSnapshots
        .all(name)
        .map(({ id, at, snapshot }) => ({ id, at: new Date(at), snapshot: asUint8Array(snapshot) }))
      const pruned = pruneHistory(row.spans ? decodeSpans(row.spans) : [], versions, before)
      const spans = pruned.spans.length > 0 ? encodeSpans(pruned.spans) : null
      statements.writeSpans.run(spans, spans?.byteLength ?? 0, name)
      let freed = 0
      for (const version of versions) {
        if (pruned.deleted.includes(version.id)) {
          statements.deleteVersion.run(name, version.id)
          freed += version.snapshot.byteLength
        } else if (version.id === pruned.rewritten?.id) {
          statements.writeVersionSnapshot.run(pruned.rewritten.snapshot, name, version.id)
          freed += version.snapshot.byteLength - pruned.rewritten.snapshot.byteLength
        }
      }
      statements.addHistorySize.run(-freed, name)
    })
    this.addVersionTransaction = db.transaction((given: string, version: VersionDraft, since: number | null) => {
      const name = statements.selectAlias.get(given) ?? given
      if (!statements.selectInfo.get(name)) throw StoreConflict.missing(given)
      if (since !== null && statements.selectVersionSince.get(name, since) !== undefined) return null
      const id = statements.nextVersion.get(version.snapshot.byteLength, name) as number
      const row: VersionRow = {
        name,
        id,
        kind: version.kind,
        label: version.label,
        created_by: authorJson(version.by),
        at: version.at.getTime(),
        snapshot: version.snapshot,
        authors: JSON.stringify(version.authors.map(({ id, name, verified }) => ({ id, name, verified }))),
        inserted: version.inserted,
        deleted: version.deleted,
        restored_from: version.restoredFrom,
      }
      statements.insertVersion.run(row)
      return toVersion(row)
    })
    const assertFree = (name: string, self: string | null) => {
      const row = statements.selectInfo.get(name)
      if (row) throw StoreConflict.taken(name, row.deleted_at !== null)
      const target = statements.selectAlias.get(name)
      if (target !== undefined && target !== self) throw StoreConflict.aliasOf(name, target)
    }
    // The new row first: the log's and quarantine's rows then move to a name that exists.
    this.renameTransaction = db.transaction((from: string, to: string, now: number) => {
      const row = statements.selectInfo.get(from)
      if (!row || row.deleted_at !== null) throw StoreConflict.missing(from)
      assertFree(to, from)
      statements.copyDocument.run(to, from)
      statements.moveSnapshot.run(to, from)
      statements.moveUpdates.run(to, from)
      statements.moveQuarantine.run(to, from)
      statements.moveLinks.run(to, from)
      // Before the old row goes: deleting it deletes the versions still filed under it.
      statements.moveVersions.run(to, from)
      statements.deleteDocument.run(from)
      statements.deleteAlias.run(to)
      statements.retargetAliases.run(to, from)
      statements.insertAlias.run(from, to, now)
    })
    this.createTransaction = db.transaction((name: string, state: Uint8Array, meta: DocMeta, now: number) => {
      assertFree(name, null)
      writeSnapshot(name, state, now)
      statements.writeMeta.run(meta.title, authorJson(meta.author), name)
    })
    // A purged document's links are revoked, not only forgotten: a later document with the same name must not
    // open with them.
    const purgeAll = (names: readonly string[], now: number) => {
      let purged = 0
      for (const name of names) {
        purged += statements.deleteDocument.run(name).changes
        statements.deleteQuarantine.run(name)
        statements.deleteAliasesOf.run(name)
        statements.revokeLinksOf.run({ document: name, now })
        statements.deleteLinksOf.run(name)
      }
      return purged
    }
    this.purgeTransaction = db.transaction(purgeAll)
    this.purgeTrashedTransaction = db.transaction((before: number, now: number) => {
      const names = statements.selectTrashedBefore.all(before)
      purgeAll(names, now)
      return names
    })
    this.quarantineTransaction = db.transaction((name: string, entries: readonly QuarantinedUpdate[], now: number) => {
      for (const { update, reason } of entries) statements.insertQuarantined.run(name, update, reason, now)
    })
  }

  /**
   * Opens (creating when missing) the database at `options.path`, configures the connection and brings its
   * schema up to date. Rejects with an error naming the path and the cause when the file cannot be opened, is
   * not a SQLite database, or was written by a newer version of Tandem.
   */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const { path, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS } = options
    if (typeof path !== 'string' || path === '') {
      throw new Error('SqliteStore.open needs the path of the database file; pass { path: "/data/tandem.sqlite" }.')
    }
    let db: Database.Database | undefined
    try {
      db = connect(path)
      const journalMode = db.pragma('journal_mode = WAL', { simple: true })
      if (journalMode !== 'wal') {
        throw new Error(`SQLite kept journal mode '${String(journalMode)}' instead of switching to WAL`)
      }
      // Set after switching to WAL: this build of SQLite otherwise gives WAL connections synchronous = NORMAL,
      // which can lose the last commits on power loss.
      db.pragma('synchronous = FULL')
      db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`)
      db.pragma('foreign_keys = ON')
      migrate(db)
      return new SqliteStore(path, db)
    } catch (cause) {
      db?.close()
      const reason = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, '')
      const advice =
        cause instanceof NewerSchemaError || cause instanceof NativeModuleMismatch
          ? '.'
          : '. Check that its directory exists and is writable by this process, and that the file is a Tandem database.'
      throw new Error(`Cannot open the SQLite database at ${path}: ${reason}${advice}`, { cause })
    }
  }

  async load(name: string): Promise<StoredDoc | null> {
    this.assertOpen()
    check.name(name, 'load')
    return this.loadTransaction(name)
  }

  async append(entries: readonly StoreEntry[]): Promise<void> {
    this.assertOpen()
    check.entries(entries)
    if (entries.length === 0) return
    // IMMEDIATE takes the write lock up front: a deferred transaction that later needs it fails at once with
    // SQLITE_BUSY in WAL mode instead of waiting for busy_timeout.
    this.appendTransaction.immediate(entries, Date.now())
  }

  async compact(name: string, state: Uint8Array): Promise<void> {
    this.assertOpen()
    check.name(name, 'compact')
    check.update(state, `the state passed to compact for document "${name}"`)
    this.compactTransaction.immediate(name, state, Date.now())
  }

  async loadHistory(name: string): Promise<StoredHistory | null> {
    this.assertOpen()
    check.name(name, 'loadHistory')
    return this.loadHistoryTransaction(name)
  }

  async addVersion(
    name: string,
    version: VersionDraft,
    condition: { readonly unlessCreatedSince?: Date } = {},
  ): Promise<StoredVersion | null> {
    this.assertOpen()
    check.version(name, version)
    const since = condition.unlessCreatedSince?.getTime() ?? null
    // IMMEDIATE: the check for a recent version and the insert hold the write lock together, so two processes
    // proposing the same version store it once.
    return this.addVersionTransaction.immediate(name, version, since)
  }

  async pruneHistory(name: string, before: Date): Promise<void> {
    this.assertOpen()
    check.name(name, 'pruneHistory')
    if (!(before instanceof Date) || Number.isNaN(before.getTime())) {
      throw new TypeError('SqliteStore.pruneHistory needs a valid Date before which history is dropped.')
    }
    this.pruneTransaction.immediate(name, before)
  }

  async versions(name: string): Promise<VersionInfo[]> {
    this.assertOpen()
    check.name(name, 'versions')
    const target = this.statements.selectAlias.get(name) ?? name
    return this.statements.selectVersions.all(target).map((row) => {
      const { snapshot: _snapshot, ...info } = toVersion(row)
      return info
    })
  }

  async version(name: string, id: number): Promise<StoredVersion | null> {
    this.assertOpen()
    check.name(name, 'version')
    const target = this.statements.selectAlias.get(name) ?? name
    const row = this.statements.selectVersion.get(target, id)
    return row ? toVersion(row) : null
  }

  async versionSnapshots(name: string, id: number): Promise<Uint8Array[]> {
    this.assertOpen()
    check.name(name, 'versionSnapshots')
    const target = this.statements.selectAlias.get(name) ?? name
    return this.statements.selectSnapshotsUpTo.all(target, id, target, id).map(asUint8Array)
  }

  async quarantine(name: string, entries: readonly QuarantinedUpdate[]): Promise<void> {
    this.assertOpen()
    check.name(name, 'quarantine')
    checkQuarantined(name, entries)
    if (entries.length === 0) return
    this.quarantineTransaction.immediate(name, entries, Date.now())
  }

  async quarantined(name: string): Promise<QuarantineEntry[]> {
    this.assertOpen()
    check.name(name, 'quarantined')
    return this.statements.selectQuarantined.all(name).map((row) => ({
      update: asUint8Array(row.data),
      reason: row.reason,
      quarantinedAt: new Date(row.quarantined_at),
    }))
  }

  async list(options: { readonly trashed?: boolean } = {}): Promise<DocInfo[]> {
    this.assertOpen()
    return (options.trashed ? this.statements.selectTrash : this.statements.selectList).all().map(toDocInfo)
  }

  async info(name: string): Promise<DocInfo | null> {
    this.assertOpen()
    check.name(name, 'info')
    const row = this.statements.selectInfo.get(name)
    return row ? toDocInfo(row) : null
  }

  async resolve(name: string): Promise<string | null> {
    this.assertOpen()
    check.name(name, 'resolve')
    return this.statements.selectAlias.get(name) ?? null
  }

  async rename(from: string, to: string): Promise<void> {
    this.assertOpen()
    check.name(from, 'rename')
    check.name(to, 'rename')
    this.renameTransaction.immediate(from, to, Date.now())
  }

  async create(name: string, state: Uint8Array, meta: DocMeta): Promise<void> {
    this.assertOpen()
    check.name(name, 'create')
    check.update(state, `the state passed to create for document "${name}"`)
    this.createTransaction.immediate(name, state, meta, Date.now())
  }

  async trash(name: string, by: DocAuthor | null): Promise<void> {
    this.assertOpen()
    check.name(name, 'trash')
    if (this.statements.trash.run(Date.now(), authorJson(by), name).changes === 0) throw StoreConflict.missing(name)
  }

  async restore(name: string): Promise<void> {
    this.assertOpen()
    check.name(name, 'restore')
    if (this.statements.restore.run(name).changes === 0) throw StoreConflict.notTrashed(name)
  }

  async purge(name: string): Promise<boolean> {
    this.assertOpen()
    check.name(name, 'purge')
    return this.purgeTransaction.immediate([name], Date.now()) > 0
  }

  async purgeTrashed(before: Date): Promise<string[]> {
    this.assertOpen()
    return this.purgeTrashedTransaction.immediate(before.getTime(), Date.now())
  }

  async recordLink(link: ShareLinkRecord): Promise<void> {
    this.assertOpen()
    checkLink(link)
    this.statements.insertLink.run({
      id: link.id,
      document: link.document,
      access: link.access,
      label: link.label,
      createdBy: link.createdBy,
      createdAt: link.createdAt.getTime(),
      expiresAt: link.expiresAt.getTime(),
    })
  }

  async link(id: string): Promise<ShareLinkRecord | null> {
    this.assertOpen()
    checkTokenId(id, 'link')
    const row = this.statements.selectLink.get(id)
    return row ? toLink(row) : null
  }

  async activeLinks(document: string, now: Date): Promise<ShareLinkRecord[]> {
    this.assertOpen()
    check.name(document, 'activeLinks')
    return this.statements.selectActiveLinks.all(document, now.getTime()).map(toLink)
  }

  async revoke(id: string): Promise<{ revocation: TokenRevocation; already: boolean }> {
    this.assertOpen()
    checkTokenId(id, 'revoke')
    const inserted = this.statements.insertRevocation.run({ id, now: Date.now() }).changes === 1
    const row = this.statements.selectRevocation.get(id) as RevocationRow
    return { revocation: toRevocation(row), already: !inserted }
  }

  async revocation(id: string): Promise<TokenRevocation | null> {
    this.assertOpen()
    checkTokenId(id, 'revocation')
    const row = this.statements.selectRevocation.get(id)
    return row ? toRevocation(row) : null
  }

  async revocationsSince(since: Date): Promise<TokenRevocation[]> {
    this.assertOpen()
    return this.statements.selectRevocationsSince.all(since.getTime()).map(toRevocation)
  }

  async pruneRevocations(expiredBefore: Date): Promise<number> {
    this.assertOpen()
    return this.statements.pruneRevocations.run(expiredBefore.getTime()).changes
  }

  async check(): Promise<void> {
    this.assertOpen()
    const one = this.statements.ping.get()
    if (one !== 1) throw new Error(`The SQLite database at ${this.path} answered ${String(one)} to SELECT 1.`)
  }

  /** Closes the database. Calling it again does nothing; any other method rejects once the store is closed. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  /** Reads back the connection's pragmas: for health reports, and for tests that hold the store to its promises. */
  async settings(): Promise<SqliteSettings> {
    this.assertOpen()
    const synchronous = this.db.pragma('synchronous', { simple: true }) as number
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: SYNCHRONOUS_NAMES[synchronous] ?? 'OFF',
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
      foreignKeys: this.db.pragma('foreign_keys', { simple: true }) === 1,
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
    }
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new Error(`This SqliteStore (${this.path}) is closed; open a new one with SqliteStore.open().`)
    }
  }
}

function toDocInfo(row: InfoRow): DocInfo {
  return {
    name: row.name,
    size: row.size,
    updatedAt: new Date(row.updated_at),
    title: row.title,
    updatedBy: authorOf(row.updated_by),
    deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
    deletedBy: authorOf(row.deleted_by),
    historySize: row.history_size,
  }
}

function toChange(row: ChangeRow) {
  return { update: asUint8Array(row.data), author: authorOf(row.author), at: new Date(row.at) }
}

function toVersion(row: VersionRow): StoredVersion {
  const authors = JSON.parse(row.authors) as unknown[]
  return {
    id: row.id,
    kind: row.kind,
    label: row.label,
    by: authorOf(row.created_by),
    at: new Date(row.at),
    snapshot: row.snapshot instanceof Buffer ? asUint8Array(row.snapshot) : row.snapshot,
    authors: authors.map((author) => authorOf(JSON.stringify(author))).filter((author) => author !== null),
    inserted: row.inserted,
    deleted: row.deleted,
    restoredFrom: row.restored_from,
  }
}

function authorJson(author: DocAuthor | null): string | null {
  return author ? JSON.stringify({ id: author.id, name: author.name, verified: author.verified }) : null
}

function authorOf(json: string | null): DocAuthor | null {
  if (json === null) return null
  try {
    const { id, name, verified } = JSON.parse(json) as Partial<DocAuthor>
    return typeof id === 'string'
      ? { id, name: typeof name === 'string' ? name : null, verified: verified === true }
      : null
  } catch {
    return null
  }
}

function toLink(row: LinkRow): ShareLinkRecord {
  return {
    id: row.id,
    document: row.document,
    access: row.access,
    label: row.label,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  }
}

function toRevocation(row: RevocationRow): TokenRevocation {
  return { id: row.id, kind: row.kind, revokedAt: new Date(row.revoked_at) }
}

// better-sqlite3 returns each blob as a Buffer that owns its memory; a plain view of it is what the contract
// promises, without copying the bytes.
function asUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}
