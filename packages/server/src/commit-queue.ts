import { syncDefaults } from './defaults.js'
import type { DocAuthor, DocStore, StoreEntry } from './doc-store.js'
import type { Logger } from './logger.js'
import type { SyncMetrics } from './sync-metrics.js'
import type { LogWriter, WriteLog } from './write-log.js'

/** Tuning of the commit queue. */
export interface CommitQueueOptions {
  /** How long an update may wait so that it is committed together with others, in ms. @default 20 */
  commitDelay?: number
  /** Compact a document once its log holds this many entries. @default 500 */
  compactAfter?: number
  /** The longest wait between retries of a failing commit, in ms. @default 5000 */
  maxRetryDelay?: number
}

/**
 * The commit queue between the rooms' write logs and the {@link DocStore}. Updates are committed in batches:
 * every update waits at most `commitDelay` ms (plus the commit itself). Store calls run one at a time, so a
 * compaction never races an append of the same document. A failing commit keeps its updates queued, in order,
 * and retries with backoff until it succeeds.
 */
export class CommitQueue implements LogWriter {
  private pending = new Map<WriteLog, Queued[]>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private tail: Promise<void> = Promise.resolve()
  private busy = false
  private failures = 0
  /** While commits fail, no new attempt starts before this time (epoch ms). */
  private retryAt = 0
  /** Someone waits for the queued updates: commit them without the commit delay. */
  private soon = false
  private readonly commitDelay: number
  private readonly compactAfter: number
  private readonly maxRetryDelay: number

  constructor(
    private readonly store: DocStore,
    private readonly logger: Logger,
    private readonly metrics: SyncMetrics,
    options: CommitQueueOptions = {},
  ) {
    this.commitDelay = options.commitDelay ?? syncDefaults.commitDelay
    this.compactAfter = options.compactAfter ?? syncDefaults.compactAfter
    this.maxRetryDelay = options.maxRetryDelay ?? syncDefaults.maxRetryDelay
  }

  /** Queues an update of `log`; it is committed within the commit delay. Call through `WriteLog.append`. */
  enqueue(log: WriteLog, update: Uint8Array, author: DocAuthor | null, at: Date): void {
    const queued: Queued = { update, author, at }
    const updates = this.pending.get(log)
    if (updates) updates.push(queued)
    else this.pending.set(log, [queued])
    this.schedule(this.commitDelay)
  }

  /** Commits what is queued without waiting for the commit delay: someone waits for it. */
  commitSoon(): void {
    this.soon = true
    this.schedule(0)
  }

  /**
   * Writes the document's whole state as its snapshot and drops its log, if the log is not empty or `rewrite`
   * asks for it anyway (the stored state was repaired on load).
   */
  compact(log: WriteLog, rewrite = false): Promise<void> {
    return this.exclusive(() => this.compactNow(log, rewrite))
  }

  /** Resolves once the store calls queued so far (commits and compactions) have run. */
  idle(): Promise<void> {
    return this.exclusive(async () => {})
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
        this.schedule(this.soon ? 0 : this.commitDelay)
      }
    })
    this.tail = run.catch(() => {})
    return run
  }

  private async commit(): Promise<void> {
    if (this.pending.size === 0) return
    const batch = this.pending
    this.pending = new Map()
    this.soon = false
    const compaction = this.compactionAfter(batch)
    const entries: StoreEntry[] = []
    for (const [log, updates] of batch) {
      // The title and author go with the last update of each document: the store keeps the latest.
      const meta = log.describe()
      for (const [i, { update, author, at }] of updates.entries()) {
        const entry: StoreEntry = { name: log.name, update, author, at }
        entries.push(i === updates.length - 1 && meta ? { ...entry, meta } : entry)
      }
    }
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
    for (const [log, updates] of batch) log.stored(updates.length)
    if (compaction) await this.compactNow(compaction.log, false, compaction.state)
  }

  /**
   * The document to compact once `batch` is stored, with its state taken now, before the append: then the state
   * holds exactly what storage will hold, and not the updates that arrive while the append runs. A state with such
   * an update replaces the log it folds into author spans, but the update's own log entry (its author) is stored
   * only by a later commit: a crash before that one keeps the text and loses who wrote it.
   *
   * One compaction per commit, of the longest log: under an even load every document reaches the threshold in the
   * same commit, and compacting them all there stalled the queue (and the event loop) for an encode and an fsync
   * per document, ~100 ms. One per commit spreads them out, and after that their logs stay apart. A document left
   * over is compacted in a later commit that stores its updates, or when it unloads.
   */
  private compactionAfter(batch: Map<WriteLog, Queued[]>): { log: WriteLog; state: Uint8Array } | null {
    let longest: WriteLog | null = null
    let most = 0
    for (const [log, updates] of batch) {
      const entries = log.uncompactedEntries + updates.length
      if (entries >= this.compactAfter && entries > most) {
        longest = log
        most = entries
      }
    }
    return longest ? { log: longest, state: longest.snapshot() } : null
  }

  private requeue(batch: Map<WriteLog, Queued[]>): void {
    for (const [log, updates] of batch) {
      const later = this.pending.get(log)
      this.pending.set(log, later ? updates.concat(later) : updates)
    }
  }

  /**
   * Replaces the document's stored log with `state` (by default its state now). Not while updates of it wait to be
   * stored: the state would hold them without their log entries (see {@link compactionAfter}); a later commit
   * compacts it instead.
   */
  private async compactNow(log: WriteLog, rewrite = false, state?: Uint8Array): Promise<void> {
    if (log.uncompactedEntries === 0 && !rewrite) return
    if (state === undefined && this.pending.has(log)) return
    try {
      await this.store.compact(log.name, state ?? log.snapshot())
      log.compacted()
    } catch (error) {
      this.metrics.error('compact-failed')
      this.logger.error(
        { err: error, doc: log.name },
        'compaction failed; the log is kept and compaction retried later',
      )
    }
  }
}

/** An update waiting for the store, with what history keeps of it. */
interface Queued {
  readonly update: Uint8Array
  readonly author: DocAuthor | null
  readonly at: Date
}
