import * as Y from 'yjs'
import type { DocStore, StoreEntry } from './doc-store.js'
import type { Logger } from './logger.js'
import type { SyncMetrics } from './sync-metrics.js'

/** What the write queue needs to know of a document. */
export interface PersistedDoc {
  readonly name: string
  readonly ydoc: Y.Doc
  /** Updates handed to the queue so far. */
  acceptedSeq: number
  /** Updates durably stored so far; the first `committedSeq` accepted updates are in storage. */
  committedSeq: number
  /** Entries in the store's log for this document since its last compaction. */
  logLength: number
  /** Called after each commit that stored updates of this document. */
  onCommitted(): void
}

/** Tuning of the write queue. */
export interface PersistenceOptions {
  /** How long an update may wait so that it is committed together with others, in ms. @default 20 */
  commitDelay?: number
  /** Compact a document once its log holds this many entries. @default 500 */
  compactAfter?: number
  /** The longest wait between retries of a failing commit, in ms. @default 5000 */
  maxRetryDelay?: number
}

interface SavedWaiter {
  doc: PersistedDoc
  target: number
  resolve: () => void
}

/**
 * The write queue between documents and the {@link DocStore}. Updates are appended to a per-document log and
 * committed in batches: every update waits at most `commitDelay` ms (plus the commit itself). Store calls run
 * one at a time, so a compaction never races an append of the same document. A failing commit keeps its
 * updates queued, in order, and retries with backoff until it succeeds.
 */
export class Persistence {
  private pending = new Map<PersistedDoc, Uint8Array[]>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private tail: Promise<void> = Promise.resolve()
  private busy = false
  private failures = 0
  /** While commits fail, no new attempt starts before this time (epoch ms). */
  private retryAt = 0
  private waiters: SavedWaiter[] = []
  private readonly commitDelay: number
  private readonly compactAfter: number
  private readonly maxRetryDelay: number

  constructor(
    private readonly store: DocStore,
    private readonly logger: Logger,
    private readonly metrics: SyncMetrics,
    options: PersistenceOptions = {},
  ) {
    this.commitDelay = options.commitDelay ?? 20
    this.compactAfter = options.compactAfter ?? 500
    this.maxRetryDelay = options.maxRetryDelay ?? 5000
  }

  /** Queues an update that `doc` produced; it is committed within the commit delay. */
  enqueue(doc: PersistedDoc, update: Uint8Array): void {
    const updates = this.pending.get(doc)
    if (updates) updates.push(update)
    else this.pending.set(doc, [update])
    doc.acceptedSeq++
    this.schedule(this.commitDelay)
  }

  /** Whether `doc` has updates that are not committed yet. */
  hasUnsaved(doc: PersistedDoc): boolean {
    return doc.committedSeq < doc.acceptedSeq
  }

  /**
   * Resolves once every update `doc` produced so far is committed, committing right away instead of waiting
   * for the commit delay. While the store fails it keeps waiting (the queue keeps retrying).
   */
  saved(doc: PersistedDoc): Promise<void> {
    if (!this.hasUnsaved(doc)) return Promise.resolve()
    const promise = new Promise<void>((resolve) => this.waiters.push({ doc, target: doc.acceptedSeq, resolve }))
    this.schedule(0)
    return promise
  }

  /**
   * Writes the document's whole state as its snapshot and drops its log, if the log is not empty or `rewrite`
   * asks for it anyway (the stored state was repaired on load).
   */
  compact(doc: PersistedDoc, rewrite = false): Promise<void> {
    return this.exclusive(() => this.compactNow(doc, rewrite))
  }

  /** Commits everything queued now; resolves when nothing is left or `deadline` (epoch ms) passes. */
  async flushAll(deadline: number): Promise<boolean> {
    while (this.pending.size > 0 || this.busy) {
      if (Date.now() >= deadline) return false
      this.schedule(0)
      // Polling is fine here: this runs once, at shutdown.
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return true
  }

  private schedule(delay: number): void {
    // A busy queue schedules again when its task ends (see exclusive()).
    if (this.busy || this.pending.size === 0) return
    if (this.timer !== null) {
      if (delay > 0) return
      clearTimeout(this.timer)
    }
    this.timer = setTimeout(
      () => {
        this.timer = null
        void this.exclusive(() => this.commit())
      },
      Math.max(delay, this.retryAt - Date.now()),
    )
  }

  private exclusive(task: () => Promise<void>): Promise<void> {
    const run = this.tail.then(async () => {
      this.busy = true
      try {
        await task()
      } finally {
        this.busy = false
        this.schedule(this.waiters.length > 0 ? 0 : this.commitDelay)
      }
    })
    this.tail = run.catch(() => {})
    return run
  }

  private async commit(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = this.pending
    this.pending = new Map()
    const entries: StoreEntry[] = []
    for (const [doc, updates] of batch) for (const update of updates) entries.push({ name: doc.name, update })
    const started = performance.now()
    try {
      await this.store.append(entries)
    } catch (error) {
      this.requeue(batch)
      this.failures++
      this.metrics.error('store-failed')
      const retryIn = Math.min(100 * 2 ** (this.failures - 1), this.maxRetryDelay)
      this.retryAt = Date.now() + retryIn
      this.logger.error({ err: error, entries: entries.length, retryIn }, 'storage commit failed; updates stay queued')
      return
    }
    this.failures = 0
    this.retryAt = 0
    this.metrics.committed((performance.now() - started) / 1000, entries.length)
    for (const [doc, updates] of batch) {
      doc.committedSeq += updates.length
      doc.logLength += updates.length
      doc.onCommitted()
    }
    this.wakeWaiters()
    // One compaction per commit, of the longest log: under an even load every document reaches the threshold
    // in the same commit, and compacting them all there stalled the queue (and the event loop) for an encode and
    // an fsync per document, ~100 ms. One per commit spreads them out, and after that their logs stay apart. A
    // document left over is compacted in a later commit that stores its updates, or when it unloads.
    let longest: PersistedDoc | null = null
    for (const doc of batch.keys()) {
      if (doc.logLength >= this.compactAfter && (!longest || doc.logLength > longest.logLength)) longest = doc
    }
    if (longest) await this.compactNow(longest)
  }

  private requeue(batch: Map<PersistedDoc, Uint8Array[]>): void {
    for (const [doc, updates] of batch) {
      const later = this.pending.get(doc)
      this.pending.set(doc, later ? updates.concat(later) : updates)
    }
  }

  private wakeWaiters(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.doc.committedSeq < waiter.target) return true
      waiter.resolve()
      return false
    })
  }

  private async compactNow(doc: PersistedDoc, rewrite = false): Promise<void> {
    if (doc.logLength === 0 && !rewrite) return
    try {
      await this.store.compact(doc.name, Y.encodeStateAsUpdate(doc.ydoc))
      doc.logLength = 0
    } catch (error) {
      this.metrics.error('compact-failed')
      this.logger.error(
        { err: error, doc: doc.name },
        'compaction failed; the log is kept and compaction retried later',
      )
    }
  }
}
