import type { DocAuthor, DocMeta } from './doc-store.js'
/** What a write log needs of its room. */
export interface WriteLogOwner {
  /** The document's name, the key its updates are stored under. */
  readonly name: string
  /** The document's whole state as one update, for a compaction. */
  snapshot(): Uint8Array
  /** The first `seq` appended updates are in storage now. */
  committed(seq: number): void
  /** The document's title and latest author, stored with its updates. */
  describe?(): DocMeta
}

/** Where a write log's updates go: the server's commit queue (see `CommitQueue`). */
export interface LogWriter {
  enqueue(log: WriteLog, update: Uint8Array, author: DocAuthor | null, at: Date): void
  /** Commits at once everything queued, instead of after the commit delay. */
  commitSoon(): void
}

/**
 * One room's write log: every update its document accepted, numbered in order (the first is 1), and how many
 * of them are in storage. The log is the only owner of those numbers. Saved acknowledgements, the fan-out's
 * "committed" notices and the `afterStore` hook read them here and hear of each commit through the owner's
 * `committed(seq)`.
 */
export class WriteLog {
  private appendedCount = 0
  private committedCount = 0
  /** Entries in storage's log of this document since its last compaction. */
  private uncompacted: number
  private waiters: { seq: number; resolve: () => void }[] = []

  constructor(
    private readonly owner: WriteLogOwner,
    private readonly writer: LogWriter,
    /** How many entries storage's log of the document holds already (loaded with it). */
    storedEntries = 0,
  ) {
    this.uncompacted = storedEntries
  }

  /** The document's name. */
  get name(): string {
    return this.owner.name
  }

  /** How many updates were appended: the sequence number of the latest. */
  get appended(): number {
    return this.appendedCount
  }

  /** How many of the appended updates are in storage: the first `committed` are. */
  get committed(): number {
    return this.committedCount
  }

  /** Whether some appended update is not in storage yet. */
  get hasUnsaved(): boolean {
    return this.committedCount < this.appendedCount
  }

  /** How many entries storage's log of this document holds since its last compaction. */
  get uncompactedEntries(): number {
    return this.uncompacted
  }

  /**
   * Queues an update for storage with who made it (`null` when unknown) and when, which the store keeps with it;
   * returns its sequence number.
   */
  append(update: Uint8Array, author: DocAuthor | null = null, at: Date = new Date()): number {
    this.writer.enqueue(this, update, author, at)
    return ++this.appendedCount
  }

  /**
   * Resolves once every update appended so far is in storage, committing at once rather than after the commit
   * delay. While storage fails it keeps waiting (the commit queue keeps retrying).
   */
  saved(): Promise<void> {
    if (!this.hasUnsaved) return Promise.resolve()
    const seq = this.appendedCount
    const promise = new Promise<void>((resolve) => this.waiters.push({ seq, resolve }))
    this.writer.commitSoon()
    return promise
  }

  /** The document's title and latest author, for the store's listing; `undefined` when the owner keeps none. */
  describe(): DocMeta | undefined {
    return this.owner.describe?.()
  }

  /** The document's state, for a compaction. */
  snapshot(): Uint8Array {
    return this.owner.snapshot()
  }

  /** Called by the commit queue: the next `count` appended updates are in storage. */
  stored(count: number): void {
    this.committedCount += count
    this.uncompacted += count
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((waiter) => {
        if (waiter.seq > this.committedCount) return true
        waiter.resolve()
        return false
      })
    }
    this.owner.committed(this.committedCount)
  }

  /** Called by the commit queue: storage's log of the document was replaced by one snapshot. */
  compacted(): void {
    this.uncompacted = 0
  }
}
