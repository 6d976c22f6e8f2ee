import { encodeAwarenessMessage, encodeUpdateMessage } from '@tandem/protocol'
import * as Y from 'yjs'
import { type AwarenessMember, type Identity, toDocAuthor } from './awareness-ownership.js'
import type { CommitQueue } from './commit-queue.js'
import type { DocAuthor, DocMeta } from './doc-store.js'
import { DocumentSize } from './document-size.js'
import { type EventHook, type HookRunner, HookSequence, type MemberInfo } from './hooks.js'
import type { Logger } from './logger.js'
import { PendingContent, type PendingLimits, type PendingOwner } from './pending-content.js'
import { Presence } from './presence.js'
import type { SyncMetrics } from './sync-metrics.js'
import { SyncSource } from './sync-source.js'
import { WriteLog } from './write-log.js'

/**
 * What a room needs of a member: somewhere to send, who it is, the awareness ids it controls, and news of its
 * changes that wait for content the document lacks.
 */
export interface RoomMember extends AwarenessMember, PendingOwner {
  readonly info: MemberInfo
  send(message: Uint8Array): void
  /** The first `seq` updates of the room's write log are stored. */
  committed(seq: number): void
}

/** What a room needs of its server. */
export interface RoomContext {
  readonly queue: CommitQueue
  readonly metrics: SyncMetrics
  readonly logger: Logger
  readonly pendingLimits: PendingLimits
  readonly hooks: HookRunner
  /**
   * Whether documents keep their history: Y.Docs without garbage collection, so deleted text stays in the stored
   * state and any version can be rebuilt. @default true
   */
  readonly keepHistory?: boolean
  /** The clock history times changes with, in epoch ms; tests inject one. @default Date.now */
  readonly now?: () => number
  /** Told of every change a person made here (a member's or a server edit), with its time: versions follow it. */
  readonly changed?: (name: string, at: number) => void
}

/** What storage held of a document when it was loaded. */
export interface LoadedState {
  /** Everything that loaded, as one update, or `null` for a new document. */
  readonly state: Uint8Array | null
  /** How many entries storage's log of the document holds (since its last compaction). */
  readonly entries: number
}

/**
 * What a room needs of the other instances holding its document, when the server is scaled out (see
 * `Fanout`): it publishes its own members' changes and says when they are stored.
 */
export interface InstanceLink {
  /** Sends an update this instance's members made; `seq` is the write log's number of the latest in it. */
  publishUpdate(update: Uint8Array, seq: number): void
  /** Sends an awareness update of this instance's members. */
  publishAwareness(update: Uint8Array): void
  /** Says that more of the write log is stored. */
  committed(): void
}

/** The origin of a change another instance made and stores itself: relayed here, neither stored nor published. */
export const remoteOrigin = Symbol('another instance')
/** The origin of a change caught up from storage or another instance: stored here, not published. */
export const catchUpOrigin = Symbol('catch-up')

const mixedOrigins = Symbol('mixed origins')

/**
 * The transaction origin of an edit made on the server on someone's behalf (`SyncServer.edit`, which the document
 * API calls): stored, relayed to every member and published like a member's change, with `author` as its author.
 */
export class ServerEdit {
  constructor(
    readonly author: Identity,
    /**
     * Whom history credits with what this change inserts, when not `author` (`null`: nobody known): a restore
     * puts back other people's words as theirs. Hooks still hear of the change as `author`'s.
     */
    readonly writer?: DocAuthor | null,
  ) {}

  /** Who history says made this change. */
  get historyAuthor(): DocAuthor | null {
    return this.writer === undefined ? toDocAuthor(this.author) : this.writer
  }
}

/**
 * Given to the change of `SyncServer.edit`: queues `part` to run right after the change, as part of the same
 * edit by the same person, with what it inserts credited in history to `writer` (`null`: nobody known). A restore
 * uses it to put other people's words back as theirs. `part` must not throw: the change before it is applied.
 */
export type CreditPart = (writer: DocAuthor | null, part: (text: Y.Text) => void) => void

/**
 * One open document and everyone editing it: the Y.Doc (with the encodings newcomers are synced from), the
 * room's presence with its one ownership map, its members, and its write log. It owns the pipeline of a
 * change: apply, append to the write log, relay, and, once stored, tell the members.
 *
 * Updates and awareness changes are coalesced per event-loop turn: everything that arrived in one turn goes out
 * as one merged update (and one awareness message), encoded once and sent to every member. A member whose own
 * updates were all of the turn's updates is not sent its own changes back.
 */
export class Room {
  readonly source: SyncSource
  readonly presence: Presence<RoomMember>
  readonly members = new Set<RoomMember>()
  readonly log: WriteLog
  /** Changes that wait for content this document has not seen, kept out of the Y.Doc. */
  readonly pending: PendingContent
  /** How big the document is, measured without encoding it (see {@link DocumentSize}). */
  readonly size: DocumentSize
  /** The other instances holding this document, when scaled out. */
  link: InstanceLink | null = null
  private readonly hooks: HookSequence | null
  private outgoing: Uint8Array[] = []
  private outgoingOrigin: unknown = null
  private awarenessChanged = new Set<number>()
  /** This instance's changes of the turn, for the other instances. */
  private unpublished: Uint8Array[] = []
  private awarenessUnpublished = new Set<number>()
  private flushScheduled = false
  /** Stops {@link onUpdate} hearing of the document's changes. */
  private stopUpdates: (() => void) | null = null
  private destroyed = false
  /** Who made the latest change of this instance's members, for the store's listing. */
  private lastAuthor: DocAuthor | null = null
  private readonly metrics: SyncMetrics
  private readonly logger: Logger
  private readonly runner: HookRunner
  private readonly now: () => number
  private readonly changed: ((name: string, at: number) => void) | null

  constructor(
    readonly name: string,
    context: RoomContext,
    loaded: LoadedState,
  ) {
    this.source = new SyncSource({ gc: !(context.keepHistory ?? true) })
    this.presence = new Presence<RoomMember>(this.source.raw)
    this.now = context.now ?? Date.now
    this.changed = context.changed ?? null
    this.metrics = context.metrics
    this.logger = context.logger
    this.runner = context.hooks
    const notified: EventHook[] = ['change', 'afterStore', 'connect', 'disconnect']
    this.hooks = notified.some((hook) => context.hooks.has(hook)) ? new HookSequence(context.hooks) : null
    this.pending = new PendingContent(context.pendingLimits, (updates) =>
      this.logger.warn({ doc: name, updates }, 'dropping changes of another instance that waited too long'),
    )
    if (loaded.state) this.source.restore(loaded.state)
    this.size = new DocumentSize(loaded.state?.byteLength ?? 0)
    this.log = new WriteLog(
      {
        name,
        snapshot: () => this.size.encoded(Y.encodeStateAsUpdate(this.doc())),
        committed: (seq) => this.onCommitted(seq),
        describe: () => this.describe(),
      },
      context.queue,
      loaded.entries,
    )
  }

  /** The awareness of the people here. */
  get awareness(): Presence<RoomMember>['awareness'] {
    return this.presence.awareness
  }

  /**
   * The Y.Doc with everything it holds. After a load from storage, the first call applies the stored state (see
   * {@link SyncSource}): the stored bytes are served to a fresh client before the server applies them.
   */
  doc(): Y.Doc {
    return this.source.applied()
  }

  /**
   * Applies an update (v1) that passed the server's checks, with `origin` as its transaction origin. What of it
   * waits for content the document lacks is kept apart (see {@link PendingContent}), charged to `owner`. Returns
   * the reason when `owner`'s waiting content passed a bound (it was dropped). Throws what Yjs throws.
   */
  apply(update: Uint8Array, origin: unknown, owner: PendingOwner | null = null): string | null {
    return this.pending.apply(this.doc(), update, origin, owner)
  }

  /** Starts storing and relaying changes. */
  start(): void {
    this.stopUpdates = this.source.onUpdate(this.onUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  /** Adds a member; it is sent the room's changes from now on. */
  join(member: RoomMember): void {
    this.members.add(member)
  }

  /** Queues an update for storage that is already applied (one another instance did not confirm storing). */
  store(update: Uint8Array): void {
    this.append(update, null)
  }

  /** The awareness client ids this instance's members set. */
  localAwarenessIds(): number[] {
    return this.presence.ownership.liveIds()
  }

  /**
   * Removes a member, the changes it left waiting, and the awareness states it controlled (see
   * {@link Presence.leave}).
   */
  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return
    this.pending.drop(member)
    this.presence.leave(member, (claimant) => this.members.has(claimant))
  }

  /** Tells the hooks that `member` joined (`connect`) or left (`disconnect`); `failed` is called if one throws. */
  notifyMember(hook: 'connect' | 'disconnect', member: RoomMember, failed?: () => void): void {
    if (!this.hooks || !this.runner.has(hook)) return
    this.hooks.run(hook, { documentName: this.name, member: member.info }, member.info.id, failed)
  }

  /** Resolves once the hooks this room queued so far have run. */
  hooksSettled(): Promise<void> {
    return this.hooks?.settled() ?? Promise.resolve()
  }

  /** Stops everything; the room must not be used afterwards. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.pending.clear()
    this.stopUpdates?.()
    this.awareness.off('update', this.onAwarenessUpdate)
    this.presence.destroy()
    this.source.raw.destroy()
    this.outgoing = []
    this.unpublished = []
    this.awarenessChanged.clear()
    this.awarenessUnpublished.clear()
  }

  /** The document's title (the `meta` map's `title`) and the latest author, as the store lists them. */
  describe(): DocMeta {
    const title = this.doc().getMap('meta').get('title')
    return { title: typeof title === 'string' ? title : null, author: this.lastAuthor }
  }

  private append(update: Uint8Array, origin: unknown): number {
    const member = this.members.has(origin as RoomMember) ? (origin as RoomMember) : null
    // Who made it: a member here, or someone the server edited for; `null` for changes caught up from elsewhere.
    const identity = member?.info.identity ?? (origin instanceof ServerEdit ? origin.author : null)
    const author = member ? this.authorOf(member) : origin instanceof ServerEdit ? origin.historyAuthor : null
    if (member) this.lastAuthor = author
    const at = this.now()
    const seq = this.log.append(update, author, new Date(at))
    if (identity) this.changed?.(this.name, at)
    if (this.hooks && this.runner.has('change')) {
      const info = member?.info ?? null
      this.hooks.run('change', { documentName: this.name, update, seq, member: info, author: identity }, info?.id)
    }
    return seq
  }

  /**
   * Who `member` is, for history: a verified identity as it is; otherwise the name the person chose for their
   * cursor (the awareness `user.name`) when the identity has none, still marked unverified.
   */
  private authorOf(member: RoomMember): DocAuthor {
    const { identity } = member.info
    if (identity.verified || identity.name) return toDocAuthor(identity)
    let chosen: string | null = null
    for (const id of member.awarenessIds) {
      const user = (this.awareness.getStates().get(id) as { user?: { name?: unknown } } | undefined)?.user
      if (typeof user?.name === 'string' && user.name !== '') chosen = user.name
    }
    return toDocAuthor(identity, chosen)
  }

  private onCommitted(seq: number): void {
    for (const member of this.members) member.committed(seq)
    this.link?.committed()
    if (this.hooks && this.runner.has('afterStore')) this.hooks.run('afterStore', { documentName: this.name, seq })
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    // Yjs emits `update` synchronously at the end of the transaction that applied it: by the time `apply`
    // returns, the write log holds the change, and a member reading `log.appended` sees its number.
    this.size.grew(update.byteLength)
    if (origin !== remoteOrigin) this.append(update, origin)
    const publish = this.link !== null && origin !== remoteOrigin && origin !== catchUpOrigin
    if (publish) this.unpublished.push(update)
    if (this.members.size > 0) {
      this.outgoingOrigin = this.outgoing.length === 0 || origin === this.outgoingOrigin ? origin : mixedOrigins
      this.outgoing.push(update)
    } else if (!publish) {
      return
    }
    this.scheduleFlush()
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const member = this.members.has(origin as RoomMember) ? (origin as RoomMember) : null
    // Changes of this instance's members (a leaving member's removal included) go to the other instances too.
    const publish = this.link !== null && origin !== remoteOrigin && origin !== 'timeout'
    for (const id of [...added, ...updated]) {
      if (member) this.presence.ownership.set(member, id)
      this.awarenessChanged.add(id)
      if (publish) this.awarenessUnpublished.add(id)
    }
    // A member that removes its own state still owns its id.
    for (const id of removed) {
      this.awarenessChanged.add(id)
      if (publish) this.awarenessUnpublished.add(id)
    }
    if (this.members.size === 0) this.awarenessChanged.clear()
    if (this.awarenessChanged.size > 0 || this.awarenessUnpublished.size > 0) this.scheduleFlush()
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(this.flush)
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    if (this.destroyed) return
    try {
      this.flushNow()
    } catch (error) {
      // Ends this turn's relay of this document only: its members resync on their next reconnect at worst.
      this.metrics.error('flush-failed')
      this.logger.error({ err: error, doc: this.name }, "relaying a document's changes failed; they stay stored")
    }
  }

  private flushNow(): void {
    const { outgoing, unpublished } = this
    this.outgoing = []
    this.unpublished = []
    let merged: Uint8Array | null = null
    if (outgoing.length > 0) {
      const skip = this.outgoingOrigin
      this.outgoingOrigin = null
      merged = this.merge(outgoing)
      if (merged) this.broadcast(encodeUpdateMessage(merged), skip)
      else for (const update of outgoing) this.broadcast(encodeUpdateMessage(update), skip)
    }
    if (unpublished.length > 0) {
      // When every change of the turn was this instance's own, the merged update is the one to publish.
      const published = merged && unpublished.length === outgoing.length ? merged : this.merge(unpublished)
      if (published) this.link?.publishUpdate(published, this.log.appended)
      else for (const update of unpublished) this.link?.publishUpdate(update, this.log.appended)
    }
    let awareness: Uint8Array | null = null
    if (this.awarenessChanged.size > 0) {
      awareness = this.presence.encoding.changed([...this.awarenessChanged])
      // Awareness goes to everyone, the sender included, as the reference server does.
      this.broadcast(encodeAwarenessMessage(awareness), null)
    }
    if (this.awarenessUnpublished.size > 0) {
      const ids = [...this.awarenessUnpublished]
      const same = ids.length === this.awarenessChanged.size && ids.every((id) => this.awarenessChanged.has(id))
      this.link?.publishAwareness(same && awareness ? awareness : this.presence.statesOf(ids))
      this.awarenessUnpublished.clear()
    }
    this.awarenessChanged.clear()
  }

  private broadcast(message: Uint8Array, skip: unknown): void {
    let receivers = 0
    for (const member of this.members) {
      if (member === skip) continue
      member.send(message)
      receivers++
    }
    if (receivers > 0) this.metrics.messageSent(receivers, message.byteLength)
  }

  /** The turn's updates merged into one, or `null` when Yjs cannot merge them (they then go out one by one). */
  private merge(updates: Uint8Array[]): Uint8Array | null {
    if (updates.length === 1) return updates[0] as Uint8Array
    try {
      return Y.mergeUpdates(updates)
    } catch (error) {
      this.metrics.error('flush-failed')
      this.logger.error(
        { err: error, doc: this.name, updates: updates.length },
        'merging updates failed; relaying them one by one',
      )
      return null
    }
  }
}
