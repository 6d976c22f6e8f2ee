/**
 * The storage contract. A store keeps, per document, a compacted snapshot plus an append-only log of Yjs
 * updates; loading returns both, and applying them in order rebuilds the document. Beside them it keeps the
 * document's quarantine: stored bytes the server could not load, set aside for an operator and never loaded.
 *
 * One contract test suite (`runDocStoreContract` in @tandem/test-utils) runs over every implementation.
 */

/** Who made a change, as the server knew them. */
export interface DocAuthor {
  /** A stable id: `user:<token sub>` when verified, `ip:<address>` when known only by address. */
  readonly id: string
  /** A display name, when one is known (a token's `name` claim). */
  readonly name: string | null
  /** Whether `id` was verified (a token), rather than only an address. */
  readonly verified: boolean
}

/** What a store keeps about a document besides its content, as of an appended update. */
export interface DocMeta {
  /** The document's shared title (`meta` map, key `title`), or `null` when it has none. */
  readonly title: string | null
  /** Who made the latest change, or `null` to keep what is stored. */
  readonly author: DocAuthor | null
}

/** One update to append to a document's log. */
export interface StoreEntry {
  readonly name: string
  readonly update: Uint8Array
  /** The document's title and last author as of this update; the store keeps the latest it was given. */
  readonly meta?: DocMeta
  /**
   * Who made this update, for history: a person's identity (unverified when they only chose a name), or `null`
   * when the server does not know (a change it caught up from elsewhere). A store that keeps history
   * (`HistoryStore`) writes it in the same row and transaction as the update; others ignore it.
   */
  readonly author?: DocAuthor | null
  /** When the server accepted this update, for history; the store's clock when absent. */
  readonly at?: Date
}

/** What a store holds for one document. */
export interface StoredDoc {
  /** The compacted state, or `null` when the document was never compacted. */
  readonly snapshot: Uint8Array | null
  /** The log entries appended since the snapshot, oldest first. */
  readonly updates: readonly Uint8Array[]
}

/** A listing row for one stored document. */
export interface DocInfo {
  readonly name: string
  /** Bytes stored for the document: snapshot plus log. Its quarantine is not counted. */
  readonly size: number
  /** When the document was last appended to or compacted. */
  readonly updatedAt: Date
  /** The title of the latest {@link DocMeta} appended with it, `null` when none was. */
  readonly title: string | null
  /** Who made the latest change the store was told of, `null` when none was. */
  readonly updatedBy: DocAuthor | null
  /** When the document was moved to the trash, `null` when it is not there. */
  readonly deletedAt: Date | null
  /** Who moved it to the trash. */
  readonly deletedBy: DocAuthor | null
  /**
   * Bytes the document's history takes beyond its content, in a store that keeps history (`HistoryStore`): its
   * encoded author spans (`encodeSpans`) plus its versions' snapshots. Absent in a store that keeps none.
   */
  readonly historySize?: number
}

/** Why a rename, move to the trash, restore or create was refused: what holds or lacks the name. */
export type StoreConflictKind = 'missing' | 'exists' | 'trashed' | 'alias'

/**
 * A document operation refused because of what the store holds under a name: `missing` (nothing, or nothing
 * live, is stored under it), `exists` (a document is), `trashed` (a document in the trash is), `alias` (it is an
 * old name of another document). Nothing was changed.
 */
export class StoreConflict extends Error {
  override readonly name = 'StoreConflict'
  constructor(
    readonly kind: StoreConflictKind,
    /** The name the conflict is about. */
    readonly documentName: string,
    message: string,
  ) {
    super(message)
  }

  /** No live document is stored as `name`. */
  static missing(name: string): StoreConflict {
    return new StoreConflict('missing', name, `No document named "${name}" is stored (or it is in the trash).`)
  }

  /** No document named `name` is in the trash. */
  static notTrashed(name: string): StoreConflict {
    return new StoreConflict('missing', name, `No document named "${name}" is in the trash.`)
  }

  /** A document holds `name`, in the trash or not. */
  static taken(name: string, trashed: boolean): StoreConflict {
    return trashed
      ? new StoreConflict('trashed', name, `A document named "${name}" is in the trash; restore it or purge it first.`)
      : new StoreConflict('exists', name, `A document named "${name}" exists already.`)
  }

  /** `name` is an old name of the document `target`. */
  static aliasOf(name: string, target: string): StoreConflict {
    return new StoreConflict('alias', name, `"${name}" is an old name of the document "${target}", kept for old links.`)
  }
}

/** One stored update the server could not load, kept for an operator with the reason. */
export interface QuarantinedUpdate {
  readonly update: Uint8Array
  /** Which part of the stored document it was and why it could not be loaded, as a sentence for a person. */
  readonly reason: string
}

/** A quarantined update as stored, with when it was quarantined. */
export interface QuarantineEntry extends QuarantinedUpdate {
  readonly quarantinedAt: Date
}

/** Where Tandem keeps its documents. */
export interface DocStore {
  /** Everything stored for `name`, or `null` when nothing is. */
  load(name: string): Promise<StoredDoc | null>
  /**
   * Appends every entry to its document's log in one atomic commit: when the promise resolves all of them are
   * durable. When it rejects, none of them should be stored; a store whose connection can break during the
   * COMMIT itself (a network database) cannot always know, and may have stored them. The caller retries, which
   * is safe: applying a Yjs update twice changes nothing.
   */
  append(entries: readonly StoreEntry[]): Promise<void>
  /**
   * Replaces the snapshot of `name` with `state` and deletes its log, in one transaction that writes the new
   * snapshot before deleting what it replaces. The caller guarantees that `state` contains the old snapshot
   * and every log entry it appended through this store. A store that several server instances write at once
   * (PostgreSQL) cannot trust one caller's `state` to hold the others' entries: it merges what it deletes into
   * the snapshot it writes, and deletes only the entries it read. That merge must never bring back what was
   * quarantined for the document, and a part it cannot merge is quarantined rather than failing the compaction.
   */
  compact(name: string, state: Uint8Array): Promise<void>
  /**
   * Keeps a copy of `entries` of `name` aside, byte for byte, for an operator; the quarantine is never loaded.
   * Durable when it resolves. It sits beside the snapshot and the log and changes neither: it does not create
   * the document, count in its size or move its `updatedAt`. To stop loading a bad log entry, the caller
   * quarantines it and then compacts with a state that leaves it out, in that order, so its bytes always have a
   * copy somewhere.
   */
  quarantine(name: string, entries: readonly QuarantinedUpdate[]): Promise<void>
  /** What was quarantined for `name`, oldest first; empty when nothing was. */
  quarantined(name: string): Promise<QuarantineEntry[]>
  /**
   * Every stored document not in the trash, ordered by name; with `{ trashed: true }`, every document in the
   * trash instead. Reads only the rows the store keeps per document, never their content.
   */
  list(options?: { readonly trashed?: boolean }): Promise<DocInfo[]>
  /** The listing row of one document (in the trash or not), or `null` when nothing is stored for it. */
  info(name: string): Promise<DocInfo | null>
  /**
   * The name of the document `name` was renamed to (following every later rename), or `null` when `name` is not
   * an old name. Appends and compactions of an old name go to that document, so a late write of a server that
   * still had it open neither loses anything nor brings the old name back.
   */
  resolve(name: string): Promise<string | null>
  /**
   * Moves everything stored for `from` (content, quarantine, title, times) to `to` in one transaction and keeps
   * `from` as an old name of `to`; old names of `from` lead to `to` as well. `to` may be an old name of this same
   * document (renaming back). Throws {@link StoreConflict}, changing nothing: `missing` when no live document is
   * stored as `from`, `exists` or `trashed` when a document is stored as `to`, `alias` when `to` is an old name
   * of another document.
   */
  rename(from: string, to: string): Promise<void>
  /**
   * Stores a new document `name` whose snapshot is `state`, with `meta`. Throws {@link StoreConflict} (`exists`,
   * `trashed` or `alias`) when anything holds the name, changing nothing.
   */
  create(name: string, state: Uint8Array, meta: DocMeta): Promise<void>
  /** Moves a live document to the trash. Throws {@link StoreConflict} `missing` when there is none. */
  trash(name: string, by: DocAuthor | null): Promise<void>
  /** Takes a document out of the trash. Throws {@link StoreConflict} `missing` when none is there. */
  restore(name: string): Promise<void>
  /**
   * Deletes a document for good, whether in the trash or not: content, quarantine and old names leading to it,
   * in one transaction. A store that keeps share links (`AccessRecords`) revokes the document's links and
   * forgets them in the same transaction, so that none opens a later document given the same name. Resolves to
   * whether anything was stored.
   */
  purge(name: string): Promise<boolean>
  /**
   * Purges, as {@link purge} does, every document moved to the trash before `before` and still there when it is
   * deleted (a restore that lands meanwhile keeps its document); resolves to their names.
   */
  purgeTrashed(before: Date): Promise<string[]>
  /** Resolves when the store can serve reads and writes; rejects with the reason otherwise. */
  check(): Promise<void>
  /** Releases the store's resources. Called once, after the last append. */
  close(): Promise<void>
}
