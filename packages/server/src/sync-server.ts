import { CloseCode } from '@tandem/protocol'
import { Connection, type ConnectionContext, type ConnectionOptions, type SyncSocket } from './connection.js'
import { DocRegistry } from './doc-registry.js'
import type { DocInfo, DocStore } from './doc-store.js'
import type { Document } from './document.js'
import { Fanout, type FanoutOptions } from './fanout.js'
import { type Logger, silentLogger } from './logger.js'
import { MemoryStore } from './memory-store.js'
import type { MessageBus } from './message-bus.js'
import { Persistence, type PersistenceOptions } from './persistence.js'
import { noMetrics, type SyncMetrics } from './sync-metrics.js'
import { MAX_CLOCK } from './update-shape.js'
import { budgetRates } from './write-budget.js'
import { DEFAULT_MAX_MESSAGE_SIZE, defaultWriteLimits, PENDING_PER_DOCUMENT, type WriteLimits } from './write-limits.js'

/** Settings of the sync core. */
export interface SyncServerOptions extends PersistenceOptions, FanoutOptions {
  /** Where documents are kept. @default a new {@link MemoryStore} (nothing survives a restart) */
  store?: DocStore
  /**
   * The bus to the other instances of a scaled-out deployment (`@tandem/redis`), which then edit the same
   * documents live with this one. @default none: a single instance
   */
  bus?: MessageBus
  /** Where the core logs. @default silentLogger */
  logger?: Logger
  /** Where the core reports metrics. @default noMetrics */
  metrics?: SyncMetrics
  /** How long a document stays in memory after its last connection left, in ms. @default 3000 */
  unloadDelay?: number
  /** Cut a connection off once this many bytes wait to be sent to it. @default 8 MiB */
  maxBufferedBytes?: number
  /**
   * How long a connection has to answer when the server checks on it out of turn (another connection claims
   * its awareness client ids, as a person reconnecting after a silent drop does), in ms. @default 5000
   */
  probeTimeout?: number
  /** What one connection may send: bounds on updates and presence, and budgets over time. @default {@link defaultWriteLimits} */
  limits?: Partial<WriteLimits>
  /**
   * The largest frame the transport takes, in bytes: a connection's byte budget always lets one through.
   * @default 16 MiB
   */
  maxMessageSize?: number
}

/**
 * Tandem's sync core: documents, the connections editing them, and their persistence, free of any transport.
 * An adapter (see `attachSyncServer`) feeds it sockets; `connect()` takes any {@link SyncSocket}.
 */
export class SyncServer {
  readonly store: DocStore
  readonly logger: Logger
  private readonly metrics: SyncMetrics
  private readonly persistence: Persistence
  private readonly registry: DocRegistry
  /** The other instances, when scaled out. */
  readonly fanout: Fanout | null
  private readonly connections = new Set<Connection>()
  private closing: Promise<boolean> | null = null
  /** Shared by every connection. */
  private readonly context: ConnectionContext

  constructor(options: SyncServerOptions = {}) {
    this.store = options.store ?? new MemoryStore()
    this.logger = options.logger ?? silentLogger
    this.metrics = options.metrics ?? noMetrics
    this.persistence = new Persistence(this.store, this.logger, this.metrics, options)
    this.fanout = options.bus ? new Fanout(options.bus, this.store, this.logger, this.metrics, options) : null
    const limits: WriteLimits = { ...defaultWriteLimits, ...options.limits }
    this.registry = new DocRegistry(
      this.store,
      {
        persistence: this.persistence,
        logger: this.logger,
        metrics: this.metrics,
        pendingLimits: {
          maxBytes: limits.maxPendingBytes,
          maxUpdates: limits.maxPendingUpdates,
          maxAge: limits.maxPendingAge,
          perDocument: PENDING_PER_DOCUMENT,
        },
      },
      options.unloadDelay ?? 3000,
      this.fanout,
    )
    this.context = {
      logger: this.logger,
      metrics: this.metrics,
      maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
      probeTimeout: options.probeTimeout ?? 5000,
      updateBounds: { maxClock: MAX_CLOCK, maxClients: limits.maxUpdateClients, maxStructs: limits.maxUpdateStructs },
      maxAwarenessSize: limits.maxAwarenessSize,
      budgetRates: budgetRates(limits, options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE),
      onClosed: (closed) => {
        if (this.connections.delete(closed)) this.registry.release(closed.doc)
      },
    }
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size
  }

  /** Documents in memory (or loading). */
  get documentCount(): number {
    return this.registry.size
  }

  /** Whether {@link close} was called. */
  get isClosing(): boolean {
    return this.closing !== null
  }

  /**
   * Loads a document (or finds it in memory) and holds it for a connection about to be accepted. Call this
   * before accepting the socket, so that a storage failure refuses the connection instead of serving an
   * empty document. Hand the result to {@link connect}, or give it back with {@link releaseDocument}.
   */
  openDocument(name: string): Promise<Document> {
    if (this.closing) return Promise.reject(new Error('The server is shutting down; it accepts no new documents.'))
    return this.registry.acquire(name)
  }

  /** Gives back a document from {@link openDocument} that no connection took. */
  releaseDocument(doc: Document): void {
    this.registry.release(doc)
  }

  /** Attaches an accepted socket to a document from {@link openDocument} and starts syncing. */
  connect(socket: SyncSocket, doc: Document, options: ConnectionOptions = {}): Connection {
    const connection = new Connection(socket, doc, this.context, options)
    this.connections.add(connection)
    connection.open()
    return connection
  }

  /** The `content` text of a document, or `null` when no such document exists. */
  async getText(name: string): Promise<string | null> {
    if (!this.registry.loaded(name) && (await this.store.info(name)) === null) return null
    const doc = await this.registry.acquire(name)
    try {
      return doc.ydoc.getText('content').toString()
    } finally {
      this.registry.release(doc)
    }
  }

  /** Every stored document. */
  listDocuments(): Promise<DocInfo[]> {
    return this.store.list()
  }

  /**
   * Shuts down: refuses new documents, closes every connection with 1001 (going away), commits everything,
   * and closes the bus and the store. Resolves whether everything was saved before `timeoutMs`. Calling it again returns
   * the same promise.
   */
  close(timeoutMs = 8000): Promise<boolean> {
    this.closing ??= this.shutdown(Date.now() + timeoutMs)
    return this.closing
  }

  private async shutdown(deadline: number): Promise<boolean> {
    for (const connection of [...this.connections]) connection.close(CloseCode.goingAway, 'server shutting down')
    const saved = await this.registry.closeAll(deadline)
    if (!saved) this.logger.error({}, 'shutdown deadline passed before every document was saved')
    try {
      await this.fanout?.close()
    } catch (error) {
      this.logger.error({ err: error }, 'closing the bus failed')
    }
    try {
      await this.store.close()
    } catch (error) {
      this.logger.error({ err: error }, 'closing the store failed')
    }
    return saved
  }
}
