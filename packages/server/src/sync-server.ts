import { CloseCode } from '@tandem/protocol'
import type * as Y from 'yjs'
import type { Identity } from './awareness-ownership.js'
import { CommitQueue, type CommitQueueOptions } from './commit-queue.js'
import { syncDefaults } from './defaults.js'
import { DocHistory } from './doc-history.js'
import type { DocAuthor, DocInfo, DocStore } from './doc-store.js'
import { DEFAULT_MAX_DOCUMENT_SIZE, DocumentTooLarge } from './document-size.js'
import { Documents } from './documents.js'
import { Fanout, type FanoutOptions } from './fanout.js'
import { HistoryRetention, type HistoryRetentionOptions, type PrunedDocument } from './history-retention.js'
import { type HistoryStore, hasHistory } from './history-store.js'
import { type AuthenticateRequest, type Authentication, HookRunner, type Hooks } from './hooks.js'
import { type Logger, silentLogger } from './logger.js'
import { Member, type MemberContext, type MemberOptions, type SyncSocket } from './member.js'
import { MemoryStore } from './memory-store.js'
import type { MessageBus } from './message-bus.js'
import { type CreditPart, type Room, ServerEdit } from './room.js'
import { Rooms } from './rooms.js'
import { noMetrics, type SyncMetrics } from './sync-metrics.js'
import { MAX_CLOCK } from './update-shape.js'
import { VersionSchedule, type VersionScheduleOptions } from './version-schedule.js'
import { budgetRates } from './write-budget.js'
import { DEFAULT_MAX_MESSAGE_SIZE, defaultWriteLimits, PENDING_PER_DOCUMENT, type WriteLimits } from './write-limits.js'

/** Settings of the sync core. */
export interface SyncServerOptions
  extends CommitQueueOptions,
    FanoutOptions,
    VersionScheduleOptions,
    HistoryRetentionOptions {
  /**
   * Keep every change: documents run without garbage collection so any earlier state can be rebuilt, changes are
   * stored with their authors, and versions are taken (see {@link SyncServer.history}). Needs a store that keeps
   * history (`HistoryStore`); with one that does not, nothing of history is kept. @default true
   */
  keepHistory?: boolean
  /** The clock history reads, in epoch ms; tests inject one. @default Date.now */
  now?: () => number
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
  /**
   * Extension points, run in the order of the list (see {@link Hooks}): authentication, and news of loads,
   * changes, commits, members and unloads. @default none
   */
  hooks?: readonly Hooks[]
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
  /**
   * The largest document, in bytes (the stored state it loaded with plus the updates applied since): a change that
   * would take a document past it closes its sender with 4413, unapplied and unstored. @default 64 MiB
   */
  maxDocumentSize?: number
}

/**
 * Tandem's sync core: rooms (one per open document), their members, write logs and hooks, free of any
 * transport. An adapter (`@tandem/server-koa`'s `attachSyncServer` for WebSockets) authenticates a request with
 * {@link authenticate}, opens the room with {@link openRoom} and hands the accepted socket to {@link connect}.
 */
export class SyncServer {
  readonly store: DocStore
  readonly logger: Logger
  private readonly metrics: SyncMetrics
  private readonly queue: CommitQueue
  private readonly rooms: Rooms
  private readonly hooks: HookRunner
  /** The other instances, when scaled out. */
  readonly fanout: Fanout | null
  /** Renaming, the trash, purging and duplicating documents, and following their old names. */
  readonly documents: Documents
  private readonly members = new Set<Member>()
  private closing: Promise<boolean> | null = null
  /** Automatic versions, when history is kept. */
  private readonly versions: VersionSchedule | null
  /** Pruning of old history, when history is kept for a limited time. */
  private readonly retention: HistoryRetention | null
  private readonly now: () => number
  /** Shared by every member. */
  private readonly context: MemberContext

  constructor(options: SyncServerOptions = {}) {
    this.store = options.store ?? new MemoryStore()
    this.logger = options.logger ?? silentLogger
    this.metrics = options.metrics ?? noMetrics
    this.hooks = new HookRunner(options.hooks ?? [], this.logger, this.metrics)
    this.queue = new CommitQueue(this.store, this.logger, this.metrics, options)
    this.fanout = options.bus ? new Fanout(options.bus, this.store, this.logger, this.metrics, options) : null
    const limits: WriteLimits = { ...defaultWriteLimits, ...options.limits }
    this.now = options.now ?? Date.now
    const keepHistory = (options.keepHistory ?? true) && hasHistory(this.store)
    this.versions = keepHistory
      ? new VersionSchedule((name, last) => this.takeVersion(name, last), this.now, options)
      : null
    const historyKeep = options.historyKeep ?? null
    this.retention =
      keepHistory && historyKeep !== null
        ? new HistoryRetention(this.store as DocStore & HistoryStore, historyKeep, this.now, this.logger)
        : null
    this.retention?.start()
    this.rooms = new Rooms(
      this.store,
      {
        queue: this.queue,
        hooks: this.hooks,
        logger: this.logger,
        metrics: this.metrics,
        keepHistory,
        now: this.now,
        changed: (name, at) => this.versions?.changed(name, at),
        pendingLimits: {
          maxBytes: limits.maxPendingBytes,
          maxUpdates: limits.maxPendingUpdates,
          maxAge: limits.maxPendingAge,
          perDocument: PENDING_PER_DOCUMENT,
        },
      },
      options.unloadDelay ?? syncDefaults.unloadDelay,
      this.fanout,
    )
    this.documents = new Documents(
      this.store,
      this.rooms,
      this.logger,
      (room, code, reason) => {
        for (const member of this.members) if (member.room === room) member.close(code, reason)
      },
      (name, gone) => this.fanout?.publishGone(name, gone.code, gone.movedTo),
    )
    if (this.fanout) {
      this.fanout.onGone = (name, code, movedTo) => {
        this.documents.peerGone(name, code, movedTo).catch((error: unknown) => {
          this.logger.error({ err: error, doc: name }, 'closing a document another instance renamed or deleted failed')
        })
      }
    }
    this.context = {
      logger: this.logger,
      metrics: this.metrics,
      maxBufferedBytes: options.maxBufferedBytes ?? syncDefaults.maxBufferedBytes,
      probeTimeout: options.probeTimeout ?? syncDefaults.probeTimeout,
      updateBounds: { maxClock: MAX_CLOCK, maxClients: limits.maxUpdateClients, maxStructs: limits.maxUpdateStructs },
      maxAwarenessSize: limits.maxAwarenessSize,
      maxDocumentSize: options.maxDocumentSize ?? DEFAULT_MAX_DOCUMENT_SIZE,
      budgetRates: budgetRates(limits, options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE),
      onClosed: (closed) => {
        if (!this.members.delete(closed)) return
        closed.room.notifyMember('disconnect', closed)
        this.rooms.release(closed.room)
      },
    }
  }

  /** Open connections (members of every room). */
  get connectionCount(): number {
    return this.members.size
  }

  /** Documents in memory (or loading). */
  get documentCount(): number {
    return this.rooms.size
  }

  /** Whether this server keeps history ({@link history} works): `keepHistory` is on and the store keeps it. */
  get keepsHistory(): boolean {
    return this.versions !== null
  }

  /** Whether {@link close} was called. */
  get isClosing(): boolean {
    return this.closing !== null
  }

  /**
   * Decides a request by the `authenticate` hooks (see {@link Hooks.authenticate}); without a decision, write
   * access for an unverified person known by their address. Throws `AccessDenied` for a refusal, and what a
   * hook throws otherwise.
   */
  async authenticate(request: AuthenticateRequest): Promise<Authentication & { identity: Identity }> {
    const decided = this.hooks.has('authenticate')
      ? await this.hooks.authenticate({ ...request, follow: (name) => this.documents.follow(name) })
      : null
    if (!decided) return { access: 'write', identity: { key: `ip:${request.ip}`, verified: false } }
    const named = decided.name ? { name: decided.name } : {}
    const identity = decided.user
      ? { key: `user:${decided.user}`, verified: true, ...named }
      : { key: `ip:${request.ip}`, verified: false, ...named }
    return { ...decided, identity }
  }

  /**
   * Opens the room of a document (loading it, and running the `load` hooks) or finds it open, and holds it for
   * a member about to be accepted. Call this before accepting the socket, so that a storage failure refuses the
   * connection instead of serving an empty document. Hand the room to {@link connect}, or give it back with
   * {@link releaseRoom}. Rejects with `DocumentGone` when `name` was renamed or is in the trash (resolve old
   * names first with `documents.locate`).
   */
  openRoom(name: string): Promise<Room> {
    if (this.closing) return Promise.reject(new Error('The server is shutting down; it accepts no new documents.'))
    return this.documents.open(name)
  }

  /** Gives back a room from {@link openRoom} that no member took. */
  releaseRoom(room: Room): void {
    this.rooms.release(room)
  }

  /**
   * Makes an accepted socket a member of a room from {@link openRoom} and starts syncing. When the document was
   * renamed or moved to the trash since the room was opened, closes the socket with that close code instead and
   * returns `null`.
   */
  connect(socket: SyncSocket, room: Room, options: MemberOptions = {}): Member | null {
    const gone = this.documents.goneOf(room)
    if (gone) {
      socket.close(gone.code, gone.reason)
      return null
    }
    const member = new Member(socket, room, this.context, options)
    this.members.add(member)
    member.open()
    room.notifyMember('connect', member, () =>
      member.close(CloseCode.internalError, 'the server could not admit the connection'),
    )
    return member
  }

  /**
   * Ends the access known by `revocationKey` (see `Authentication.revocationKey`): closes every connection
   * admitted with it with 4403 and `reason`, at once. Returns how many were closed.
   */
  endAccess(revocationKey: string, reason: string): number {
    let closed = 0
    for (const member of [...this.members]) {
      if (member.revocationKey !== revocationKey) continue
      member.close(CloseCode.forbidden, reason)
      closed++
    }
    if (closed > 0) this.logger.info({ connections: closed, reason }, 'closed connections whose access was revoked')
    return closed
  }

  /** The `content` text of a document, or `null` when no such document exists. */
  async getText(name: string): Promise<string | null> {
    if (!(await this.isOpenOrStored(name))) return null
    const room = await this.rooms.acquire(name)
    try {
      return room.doc().getText('content').toString()
    } finally {
      this.rooms.release(room)
    }
  }

  /**
   * Changes a document's `content` text on behalf of `author` (whom an `authenticate` hook named, as for the
   * document API), as an ordinary change: `change(text)` runs in one transaction, whose update enters the room's
   * write log, is relayed to the members and the other instances, and reaches the `change` hooks with `author`.
   * Opens the room (creating the document when it does not exist) and holds it until the change is stored, then
   * resolves with what `change` returned and whether the document existed before. When `change` throws, nothing
   * is written and the error is rethrown: check everything before the first change to the text. Rejects with
   * `DocumentGone` when `name` is an old name of a renamed document or is in the trash, as {@link openRoom} does.
   * `adds` is at most how many bytes the change adds (the request body's, say): when that would take the document
   * past `maxDocumentSize`, it rejects with `DocumentTooLarge` and writes nothing.
   *
   * `change` may also hand parts of the edit to `credit(writer, part)` (see {@link CreditPart}): each runs right
   * after `change`, in order, as its own transaction whose insertions history credits to `writer`. All of it
   * happens in one turn, so the members and the other instances still receive the edit as one update.
   */
  async edit<T>(
    name: string,
    author: Identity,
    change: (text: Y.Text, credit: CreditPart) => T,
    adds = 0,
  ): Promise<{ result: T; existed: boolean }> {
    if (this.closing) throw new Error('The server is shutting down; it accepts no new changes.')
    const existed = await this.isOpenOrStored(name)
    const room = await this.documents.open(name)
    try {
      const limit = this.context.maxDocumentSize
      if (room.size.wouldExceed(adds, limit)) throw new DocumentTooLarge(limit)
      const doc = room.doc()
      const text = doc.getText('content')
      const credited: { writer: DocAuthor | null; part: (text: Y.Text) => void }[] = []
      let result: T | undefined
      doc.transact(() => {
        result = change(text, (writer, part) => credited.push({ writer, part }))
      }, new ServerEdit(author))
      for (const { writer, part } of credited) doc.transact(() => part(text), new ServerEdit(author, writer))
      await room.log.saved()
      return { result: result as T, existed }
    } finally {
      this.rooms.release(room)
    }
  }

  /**
   * The history of the document `name`: versions, text at a version, diffs and authorship, naming and restoring
   * versions. Throws when history is not kept (`keepHistory: false`, or a store that keeps none).
   */
  history(name: string): DocHistory {
    const store = this.store
    if (!this.keepsHistory || !hasHistory(store)) {
      throw new Error(
        'This server keeps no history: it needs keepHistory (the default) and a store that keeps history.',
      )
    }
    return new DocHistory(
      {
        store,
        open: (document) => this.documents.open(document),
        release: (room) => this.rooms.release(room),
        edit: (document, author, change) => this.edit(document, author, change),
        now: this.now,
      },
      name,
    )
  }

  /**
   * Prunes every document's history older than `historyKeep` now (it also runs at start and on a timer), and
   * resolves to what was dropped; nothing when history is kept forever.
   */
  pruneHistory(): Promise<PrunedDocument[]> {
    return this.retention?.prune() ?? Promise.resolve([])
  }

  private takeVersion(name: string, lastChange: number): void {
    if (this.closing) return
    // Debug lines, so an operator (and a test) can see which instance of several stored the version.
    this.history(name)
      .autoVersion(new Date(lastChange))
      .then((version) =>
        version
          ? this.logger.debug({ doc: name, version: version.id }, 'took an automatic version')
          : this.logger.debug({ doc: name }, 'no automatic version needed: one was taken since the last change'),
      )
      .catch((error: unknown) => this.logger.error({ err: error, doc: name }, 'taking an automatic version failed'))
  }

  /** Whether `name` has a room open here or anything stored. */
  private async isOpenOrStored(name: string): Promise<boolean> {
    return this.rooms.open(name) !== undefined || (await this.store.info(name)) !== null
  }

  /** Every stored document not in the trash; with `{ trashed: true }`, the ones in the trash. */
  listDocuments(options: { trashed?: boolean } = {}): Promise<DocInfo[]> {
    return this.store.list(options)
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
    this.versions?.stop()
    // Before the store closes under it.
    await this.retention?.stop()
    for (const member of [...this.members]) member.close(CloseCode.goingAway, 'server shutting down')
    const saved = await this.rooms.closeAll(deadline)
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
