import type { DocStore } from './doc-store.js'
import { Document, type DocumentContext } from './document.js'
import type { Fanout } from './fanout.js'
import { checkStoredUpdate } from './stored-bounds.js'
import { recoverStoredState } from './stored-state.js'

interface Entry {
  readonly loading: Promise<Document>
  doc: Document | null
  /** Holders: connections and in-flight requests. The document is unloaded some time after this reaches 0. */
  refs: number
  unloadTimer: ReturnType<typeof setTimeout> | null
  unloading: boolean
}

/**
 * The documents in memory, by name. A document is loaded from storage once, however many connections arrive
 * while it loads, and none of them sees it before the load finished. Some time after its last holder
 * releases it, it is saved and unloaded; a holder that arrives during that save keeps the same in-memory
 * document, so no edit is lost and no second copy is ever loaded.
 */
export class DocRegistry {
  private readonly entries = new Map<string, Entry>()

  private readonly persistence: DocumentContext['persistence']
  private readonly logger: DocumentContext['logger']
  private readonly metrics: DocumentContext['metrics']

  constructor(
    private readonly store: DocStore,
    /** What every document is made with. */
    private readonly context: DocumentContext,
    /** How long a document stays loaded after its last holder left, in ms. */
    private readonly unloadDelay: number,
    /** The other instances, when scaled out. */
    private readonly fanout: Fanout | null = null,
  ) {
    this.persistence = context.persistence
    this.logger = context.logger
    this.metrics = context.metrics
  }

  /** Documents in memory or loading. */
  get size(): number {
    return this.entries.size
  }

  /** The loaded documents. */
  *documents(): IterableIterator<Document> {
    for (const entry of this.entries.values()) if (entry.doc) yield entry.doc
  }

  /** The document named `name` if it is in memory. */
  loaded(name: string): Document | undefined {
    return this.entries.get(name)?.doc ?? undefined
  }

  /** Loads or finds a document and holds it until {@link release}. Rejects when storage fails to load it. */
  async acquire(name: string): Promise<Document> {
    let entry = this.entries.get(name)
    if (!entry) {
      const created: Entry = { loading: this.load(name), doc: null, refs: 0, unloadTimer: null, unloading: false }
      created.loading.then(
        (doc) => {
          created.doc = doc
        },
        () => {
          if (this.entries.get(name) === created) this.entries.delete(name)
        },
      )
      this.entries.set(name, created)
      entry = created
    }
    entry.refs++
    if (entry.unloadTimer !== null) {
      clearTimeout(entry.unloadTimer)
      entry.unloadTimer = null
    }
    try {
      return await entry.loading
    } catch (error) {
      entry.refs--
      throw error
    }
  }

  /** Gives back a document taken with {@link acquire}. */
  release(doc: Document): void {
    const entry = this.entries.get(doc.name)
    if (!entry || entry.doc !== doc) return
    entry.refs--
    if (entry.refs === 0) this.scheduleUnload(doc.name, entry)
  }

  /** Saves every document and forgets them all; used at shutdown. Returns whether all were saved in time. */
  async closeAll(deadline: number): Promise<boolean> {
    for (const entry of this.entries.values()) {
      if (entry.unloadTimer !== null) clearTimeout(entry.unloadTimer)
      entry.unloadTimer = null
    }
    for (const doc of this.documents()) this.fanout?.storeUnconfirmed(doc)
    const saved = await this.persistence.flushAll(deadline)
    for (const doc of this.documents()) {
      this.fanout?.leave(doc)
      if (saved && Date.now() < deadline) await this.persistence.compact(doc)
      doc.destroy()
    }
    this.entries.clear()
    return saved
  }

  private async load(name: string): Promise<Document> {
    const started = performance.now()
    const doc = new Document(name, this.context)
    const fail = (error: unknown, message: string): never => {
      this.fanout?.leave(doc)
      doc.destroy()
      this.metrics.error('load-failed')
      this.logger.error({ err: error, doc: name }, message)
      throw error
    }
    // Scaled out, the document listens to the other instances first, so nothing they send while it loads is lost.
    if (this.fanout) await this.fanout.join(doc)
    let stored: Awaited<ReturnType<DocStore['load']>> = null
    try {
      stored = await this.store.load(name)
    } catch (error) {
      fail(error, 'loading a document from storage failed')
    }
    const recovered = stored ? recoverStoredState(stored, checkStoredUpdate) : null
    // Rewritten only once what could not be loaded is safely kept aside: its bytes are never lost.
    let rewrite = recovered !== null && !recovered.clean
    if (recovered && recovered.quarantined.length > 0) {
      this.metrics.error('quarantined')
      this.logger.error(
        { doc: name, reasons: recovered.quarantined.map((part) => part.reason) },
        'parts of the stored document could not be loaded: they are kept aside for an operator, and the rest is loaded',
      )
      try {
        await this.store.quarantine(name, recovered.quarantined)
      } catch (error) {
        rewrite = false
        this.logger.error({ err: error, doc: name }, 'keeping unloadable parts aside failed; they stay where they are')
      }
    }
    doc.restore(recovered?.state ?? null, stored?.updates.length ?? 0)
    doc.start()
    if (rewrite) void this.persistence.compact(doc, true)
    this.fanout?.started(doc)
    this.logger.debug({ doc: name, ms: Math.round(performance.now() - started) }, 'document loaded')
    return doc
  }

  private scheduleUnload(name: string, entry: Entry): void {
    if (entry.unloadTimer !== null || entry.unloading) return
    entry.unloadTimer = setTimeout(() => {
      entry.unloadTimer = null
      void this.unload(name, entry)
    }, this.unloadDelay)
  }

  private async unload(name: string, entry: Entry): Promise<void> {
    const doc = entry.doc
    if (!doc || entry.refs > 0) return
    entry.unloading = true
    try {
      this.fanout?.storeUnconfirmed(doc)
      await this.persistence.saved(doc)
      if (entry.refs === 0) await this.persistence.compact(doc)
    } finally {
      entry.unloading = false
    }
    // A holder may have arrived, or an edit slipped in, while saving: then the document stays.
    if (entry.refs > 0) return
    if (this.persistence.hasUnsaved(doc) || (this.fanout?.storeUnconfirmed(doc) ?? 0) > 0) {
      this.scheduleUnload(name, entry)
      return
    }
    if (this.entries.get(name) === entry) this.entries.delete(name)
    this.fanout?.leave(doc)
    doc.destroy()
    this.logger.debug({ doc: name }, 'document unloaded')
  }
}
