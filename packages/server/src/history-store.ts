import type { AuthorSpan } from './author-spans.js'
import type { DocAuthor } from './doc-store.js'

/**
 * The history part of the storage contract, beside `DocStore`: what a store keeps so that any past state of a
 * document can be rebuilt and every change shown with its author and time.
 *
 * - The snapshot a room compacts with keeps deleted content (its Y.Doc runs without garbage collection), so
 *   the text at any Yjs snapshot (state vector + delete set) can be rebuilt from the stored content.
 * - Each log entry is stored with its author and time (`StoreEntry.author`, `StoreEntry.at`), in the same row
 *   and transaction as the update.
 * - `compact` does not lose them: in the same transaction that deletes the log entries it folds their authors
 *   and times into the document's {@link AuthorSpan}s with `foldChanges` (the store reads the entries it deletes,
 *   so several instances compacting one document lose nothing either).
 * - Versions: numbered points in the history, stored once even when several instances propose one at the same
 *   time (see {@link HistoryStore.addVersion}).
 *
 * A rename moves a document's history and versions with it; a purge deletes them; an old name's calls go to the
 * document it was renamed to, as for `DocStore`. One contract test suite (`runHistoryStoreContract` in
 * @tandem/test-utils) runs over every implementation.
 */
export interface HistoryStore {
  /**
   * What is stored of the history of `name`: the spans folded by past compactions and the log entries since
   * the last one, with their authors and times; `null` when nothing is stored for the document.
   */
  loadHistory(name: string): Promise<StoredHistory | null>
  /**
   * Stores a version of `name`, numbered one more than the highest id it ever stored for the document (the first
   * is 1), and resolves to it. With `unlessCreatedSince`, stores nothing and resolves `null` when a version of
   * the document (of any kind) has `at` at or after that time: instances that each decide a version is due
   * after the same change then create it once. Throws `StoreConflict` `missing` when nothing is stored as `name`.
   */
  addVersion(
    name: string,
    version: VersionDraft,
    condition?: { readonly unlessCreatedSince?: Date },
  ): Promise<StoredVersion | null>
  /** The versions of `name`, oldest first, without their snapshots; empty when it has none. */
  versions(name: string): Promise<VersionInfo[]>
  /** One version of `name` with its snapshot, or `null` when there is no such version. */
  version(name: string, id: number): Promise<StoredVersion | null>
  /**
   * The snapshots of version `id` of `name` and of every earlier version still stored, oldest first, in one read:
   * what rebuilding the whole Yjs snapshot of version `id` needs (`fullSnapshot`). Empty when the document has no
   * version `id`.
   */
  versionSnapshots(name: string, id: number): Promise<Uint8Array[]>
  /**
   * Retention: in one transaction, applies `pruneHistory` (from @tandem/server) to the document's spans and
   * versions: drops the spans whose last change was before `before` and the oldest versions taken before it,
   * and writes the first version kept with the snapshot it returns. Version ids are never reused. Does nothing
   * when nothing is stored as `name`.
   */
  pruneHistory(name: string, before: Date): Promise<void>
}

/** One log entry as history keeps it. */
export interface LoggedChange {
  readonly update: Uint8Array
  /** Who made it; `null` when the server did not know (see `StoreEntry.author`). */
  readonly author: DocAuthor | null
  /** When the server accepted it (`StoreEntry.at`, or the store's clock when that was absent). */
  readonly at: Date
}

/** What a store holds of one document's history. */
export interface StoredHistory {
  /** Authors and times of the log entries earlier compactions deleted, folded by `foldChanges`. */
  readonly spans: readonly AuthorSpan[]
  /** The log entries since the last compaction, oldest first, in the order `load` returns their updates. */
  readonly changes: readonly LoggedChange[]
}

/**
 * How a version came to be: `auto` after a pause in editing or a stretch of it, `named` by a person ("Name this
 * version"), `restore` when a person restored an earlier version (the text after the restore).
 */
export type VersionKind = 'auto' | 'named' | 'restore'

/** A version to store. */
export interface VersionDraft {
  readonly kind: VersionKind
  /** The name a person gave it, `null` when none was given. */
  readonly label: string | null
  /** Who named it or restored, `null` for an automatic version. */
  readonly by: DocAuthor | null
  /** When it was taken. */
  readonly at: Date
  /**
   * The document at that moment, as bytes the store keeps as they are: `DocHistory` writes a Yjs snapshot
   * (`Y.encodeSnapshot`) of the state vector and the deletions made since the previous version (`deltaSnapshot`).
   */
  readonly snapshot: Uint8Array
  /** Who changed the document since the previous version, in the order their changes first appear in the text. */
  readonly authors: readonly DocAuthor[]
  /** Characters inserted since the previous version. */
  readonly inserted: number
  /** Characters deleted since the previous version. */
  readonly deleted: number
  /** For a `restore`, the id of the version that was restored; `null` otherwise. */
  readonly restoredFrom: number | null
}

/** A stored version as listed: everything but its snapshot, and its id. */
export interface VersionInfo extends Omit<VersionDraft, 'snapshot'> {
  /** Increasing per document, from 1. */
  readonly id: number
}

/** A stored version with its snapshot. */
export interface StoredVersion extends VersionInfo {
  readonly snapshot: Uint8Array
}

/** Whether `store` keeps history ({@link HistoryStore}). */
export function hasHistory<T extends object>(store: T): store is T & HistoryStore {
  const candidate = store as Partial<HistoryStore>
  return (
    typeof candidate.loadHistory === 'function' &&
    typeof candidate.addVersion === 'function' &&
    typeof candidate.versions === 'function' &&
    typeof candidate.version === 'function' &&
    typeof candidate.versionSnapshots === 'function'
  )
}
