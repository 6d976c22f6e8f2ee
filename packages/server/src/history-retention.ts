import type { DocInfo, DocStore } from './doc-store.js'
import type { HistoryStore } from './history-store.js'
import type { Logger } from './logger.js'

/** How long history is kept. */
export interface HistoryRetentionOptions {
  /**
   * Drop history (the authors and times of changes, and versions) older than this, in ms; `null` keeps it
   * forever. The text itself is never dropped: only what history says about how it came to be. @default null
   */
  historyKeep?: number | null
}

/** What one document's pruning dropped. */
export interface PrunedDocument {
  readonly name: string
  /** Versions dropped. */
  readonly versions: number
  /** Bytes of history freed (`DocInfo.historySize` before less after). */
  readonly bytes: number
}

/** The longest wait between two prunings, in ms. */
const MAX_PRUNE_INTERVAL = 3_600_000

/**
 * Keeps history to `historyKeep`: prunes every document's history (in the trash too) once at start, then every
 * hour, or every quarter of `historyKeep` when that is shorter (at least every second), so nothing outstays it by
 * more than that. One document at a time, through the store's own transaction (`HistoryStore.pruneHistory`):
 * rooms go on editing meanwhile. A run still going when the next is due makes that one skip.
 */
export class HistoryRetention {
  private timer: ReturnType<typeof setInterval> | null = null
  private stopped = false
  private running: Promise<PrunedDocument[]> | null = null

  constructor(
    private readonly store: DocStore & HistoryStore,
    /** How long history is kept, in ms. */
    private readonly keep: number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    if (!(keep > 0)) throw new RangeError(`historyKeep must be a number of ms above 0 or null, not ${keep}.`)
  }

  /** Prunes now, then on a timer that does not keep the process alive. */
  start(): void {
    if (this.timer) return
    void this.prune()
    this.timer = setInterval(() => void this.prune(), Math.max(1000, Math.min(MAX_PRUNE_INTERVAL, this.keep / 4)))
    this.timer.unref?.()
  }

  /** Stops the timer; a run in progress finishes the document it is on, and the promise resolves once it has. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /**
   * Prunes every document's history older than `historyKeep` and resolves to what it dropped (documents that lost
   * nothing left out). A failure is logged with the document's name, and the others are still pruned.
   */
  prune(): Promise<PrunedDocument[]> {
    this.running ??= this.pruneAll().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async pruneAll(): Promise<PrunedDocument[]> {
    const before = new Date(this.now() - this.keep)
    const pruned: PrunedDocument[] = []
    let documents: DocInfo[]
    try {
      documents = [...(await this.store.list()), ...(await this.store.list({ trashed: true }))]
    } catch (error) {
      this.logger.error({ err: error }, 'listing documents to prune their history failed; the next run tries again')
      return pruned
    }
    for (const doc of documents) {
      if (this.stopped) break
      // A document whose store counts no history has nothing to drop.
      if (doc.historySize === 0) continue
      const name = doc.name
      try {
        const dropped = await this.pruneOne(doc, before)
        if (dropped.versions > 0 || dropped.bytes > 0) {
          pruned.push(dropped)
          this.logger.info(
            { doc: name, versions: dropped.versions, bytes: dropped.bytes, before: before.toISOString() },
            'pruned history older than it is kept',
          )
        }
      } catch (error) {
        this.logger.error({ err: error, doc: name }, 'pruning history failed; the next run tries again')
      }
    }
    return pruned
  }

  /** Prunes `doc` (as the list gave it, with its history size before) and works out what went. */
  private async pruneOne(doc: DocInfo, before: Date): Promise<PrunedDocument> {
    const versionsBefore = await this.store.versions(doc.name)
    await this.store.pruneHistory(doc.name, before)
    const [versionsAfter, infoAfter] = await Promise.all([this.store.versions(doc.name), this.store.info(doc.name)])
    return {
      name: doc.name,
      versions: versionsBefore.length - versionsAfter.length,
      bytes: (doc.historySize ?? 0) - (infoAfter?.historySize ?? 0),
    }
  }
}
