/**
 * The storage contract. A store keeps, per document, a compacted snapshot plus an append-only log of Yjs
 * updates; loading returns both, and applying them in order rebuilds the document. Beside them it keeps the
 * document's quarantine: stored bytes the server could not load, set aside for an operator and never loaded.
 *
 * One contract test suite (`runDocStoreContract` in @tandem/test-utils) runs over every implementation.
 */

/** One update to append to a document's log. */
export interface StoreEntry {
  readonly name: string
  readonly update: Uint8Array
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
  /** Every stored document, ordered by name. */
  list(): Promise<DocInfo[]>
  /** The listing row of one document, or `null` when nothing is stored for it. */
  info(name: string): Promise<DocInfo | null>
  /** Resolves when the store can serve reads and writes; rejects with the reason otherwise. */
  check(): Promise<void>
  /** Releases the store's resources. Called once, after the last append. */
  close(): Promise<void>
}
