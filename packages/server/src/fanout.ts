import { hostname } from 'node:os'
import {
  decodeInstanceMessage,
  encodeInstanceAwareness,
  encodeInstanceCommitted,
  encodeInstanceGone,
  encodeInstanceSyncReply,
  encodeInstanceSyncRequest,
  encodeInstanceUpdate,
  type InstanceMessage,
  instanceAwareness,
  instanceCommitted,
  instanceGone,
  instanceSyncReply,
  instanceSyncRequest,
  instanceUpdate,
  isEmptyUpdate,
} from '@tandem/protocol'
import * as Y from 'yjs'
import { syncDefaults } from './defaults.js'
import type { DocStore } from './doc-store.js'
import type { Logger } from './logger.js'
import type { MessageBus } from './message-bus.js'
import { catchUpOrigin, type InstanceLink, type Room, remoteOrigin } from './room.js'
import { checkStoredUpdate } from './stored-bounds.js'
import { recoverStoredState } from './stored-state.js'
import type { SyncMetrics } from './sync-metrics.js'

/** The bus topic of a document's messages. */
function topicOf(name: string): string {
  return `doc:${name}`
}

/** Settings of the fan-out between instances. */
export interface FanoutOptions {
  /** How this instance tags its messages. @default `<hostname>-<pid>-<random>` */
  instanceId?: string
  /**
   * How long an update from another instance may stay unconfirmed (no "committed" from its sender) before this
   * instance stores it itself, in ms: the sender may have died before its commit. @default 10000
   */
  peerCommitTimeout?: number
}

const nothing = new Uint8Array(0)

/**
 * How long after a commit an instance waits for an update to carry the news before it sends a `committed`
 * message of its own, in ms. Most commits are followed by another update of the document within that time.
 */
const COMMITTED_NOTICE_DELAY_MS = 250

/** An update from another instance that its sender has not yet said it stored. */
interface Unconfirmed {
  readonly sender: string
  readonly seq: number
  readonly update: Uint8Array
  readonly at: number
}

/**
 * Keeps the documents this instance holds in step with the other instances holding them, over a
 * {@link MessageBus}: one topic per document, every message tagged with the sending instance.
 *
 * Storage is the source of truth and the bus the fast path. A document joins its topic before it is loaded from
 * storage, then asks its peers for what it lacks, so an update another instance received but has not stored yet
 * is not missed. Each instance stores the updates its own clients made; an update from a peer is held until
 * that peer says it stored it, and stored here too if the peer never does (it may have died). After a bus
 * outage every loaded document reloads from storage and syncs with its peers again.
 */
export class Fanout {
  readonly instanceId: string
  private readonly links = new Set<RoomLink>()
  readonly peerCommitTimeout: number
  /**
   * Called when another instance says a document this one holds was renamed (`movedTo`) or deleted: the sync
   * server closes its connections with `code`.
   */
  onGone: ((name: string, code: number, movedTo: string | null) => void) | null = null

  constructor(
    readonly bus: MessageBus,
    private readonly store: DocStore,
    readonly logger: Logger,
    readonly metrics: SyncMetrics,
    options: FanoutOptions = {},
  ) {
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`
    this.peerCommitTimeout = options.peerCommitTimeout ?? syncDefaults.peerCommitTimeout
    bus.onReconnect(() => this.resyncAll())
  }

  /** Documents subscribed to on the bus. */
  get documentCount(): number {
    return this.links.size
  }

  /**
   * Subscribes to the document's topic; call before loading it, so that nothing the other instances send while
   * it loads is lost. Their messages wait until the link is started with the loaded room (see
   * {@link RoomLink.start}).
   */
  async join(name: string): Promise<RoomLink> {
    const link = new RoomLink(this, name)
    this.links.add(link)
    await this.bus.subscribe(link.topic, link.receive)
    return link
  }

  /** Unsubscribes; the document is leaving memory. */
  leave(link: RoomLink): void {
    if (!this.links.delete(link)) return
    link.dispose()
    this.bus.unsubscribe(link.topic)
  }

  /** Disconnects from the bus. */
  async close(): Promise<void> {
    for (const link of [...this.links]) this.leave(link)
    await this.bus.close()
  }

  /**
   * Tells every other instance holding `name` that it was renamed to `movedTo` or deleted (`movedTo` null), so they
   * close their connections to it with `code`. Published whether or not this instance holds the document.
   */
  publishGone(name: string, code: number, movedTo: string | null): void {
    this.publish(topicOf(name), encodeInstanceGone(this.instanceId, code, movedTo ?? ''))
  }

  /** Publishes a message, counting it. */
  publish(topic: string, message: Uint8Array): void {
    this.metrics.busPublished(message.byteLength, !this.bus.publish(topic, message))
  }

  private resyncAll(): void {
    this.logger.info({ bus: this.bus.name, documents: this.links.size }, 'bus is back; syncing loaded documents')
    for (const link of this.links) void link.resync(this.store)
  }
}

/** One room's link to the other instances that hold its document. */
export class RoomLink implements InstanceLink {
  readonly topic: string
  /** The room, once loaded; `null` before {@link start} and after {@link dispose}. */
  private room: Room | null = null
  /** Messages that arrived before the document was loaded; `null` once it is. */
  private early: Uint8Array[] | null = []
  private unconfirmed: Unconfirmed[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private noticeTimer: ReturnType<typeof setTimeout> | null = null
  private publishedSeq = 0
  /** The highest committed count the peers were told. */
  private announcedSeq = 0

  constructor(
    private readonly fanout: Fanout,
    readonly name: string,
  ) {
    this.topic = topicOf(name)
  }

  /** The room is loaded: applies what arrived meanwhile and asks the other instances for what it lacks. */
  start(room: Room): void {
    this.room = room
    room.link = this
    const early = this.early ?? []
    this.early = null
    for (const message of early) this.receive(message)
    // Asking needs the state vector: after a load from storage, not before the first client's answer went out.
    room.source.whenApplied(() => {
      if (this.room === room) this.requestSync(room)
    })
  }

  publishUpdate(update: Uint8Array, seq: number): void {
    this.publishedSeq = seq
    this.announcedSeq = this.room?.log.committed ?? 0
    this.fanout.publish(this.topic, encodeInstanceUpdate(this.fanout.instanceId, seq, this.announcedSeq, update))
  }

  publishAwareness(update: Uint8Array): void {
    this.fanout.publish(this.topic, encodeInstanceAwareness(this.fanout.instanceId, update))
  }

  committed(): void {
    this.noticeTimer ??= setTimeout(this.announceCommitted, COMMITTED_NOTICE_DELAY_MS)
  }

  /** Tells the peers what is stored, unless an update told them since the commit. */
  private readonly announceCommitted = (): void => {
    this.noticeTimer = null
    if (!this.room) return
    const seq = Math.min(this.room.log.committed, this.publishedSeq)
    if (seq <= this.announcedSeq) return
    this.announcedSeq = seq
    this.fanout.publish(this.topic, encodeInstanceCommitted(this.fanout.instanceId, seq))
  }

  readonly receive = (bytes: Uint8Array): void => {
    if (this.early) {
      this.early.push(bytes)
      return
    }
    const room = this.room
    if (!room) return
    let message: InstanceMessage
    try {
      message = decodeInstanceMessage(bytes)
    } catch (error) {
      this.fanout.metrics.error('bus-malformed')
      this.fanout.logger.warn({ err: error, doc: this.name }, 'dropping a malformed message from the bus')
      return
    }
    if (message.sender === this.fanout.instanceId) return
    this.fanout.metrics.busReceived(bytes.byteLength, Date.now() - message.sentAt)
    try {
      this.handle(room, message)
    } catch (error) {
      this.fanout.metrics.error('bus-malformed')
      this.fanout.logger.warn(
        { err: error, doc: this.name, sender: message.sender, kind: message.kind },
        'a message from another instance could not be applied; dropped',
      )
    }
  }

  /** Stores every unconfirmed update of peers now. */
  storeUnconfirmed(): number {
    const count = this.unconfirmed.length
    for (const entry of this.unconfirmed) this.room?.store(entry.update)
    this.unconfirmed = []
    this.clearTimer()
    return count
  }

  /** After a bus outage: applies what storage holds now, then syncs with the peers. */
  async resync(store: DocStore): Promise<void> {
    const room = this.room
    if (!room) return
    this.requestSync(room)
    try {
      const stored = await store.load(this.name)
      if (!stored || this.room !== room) return
      // What the document could not load when it opened stays out now too.
      const { state } = recoverStoredState(stored, checkStoredUpdate)
      if (state) room.apply(state, catchUpOrigin)
    } catch (error) {
      this.fanout.logger.warn({ err: error, doc: this.name }, 'reloading a document after a bus outage failed')
    }
  }

  dispose(): void {
    this.clearTimer()
    if (this.noticeTimer !== null) clearTimeout(this.noticeTimer)
    this.noticeTimer = null
    this.unconfirmed = []
    this.early = null
    if (this.room?.link === this) this.room.link = null
    this.room = null
  }

  private handle(room: Room, message: InstanceMessage): void {
    switch (message.kind) {
      case instanceUpdate:
        this.confirm(message.sender, message.committed)
        room.apply(message.update, remoteOrigin)
        this.unconfirmed.push({ sender: message.sender, seq: message.seq, update: message.update, at: Date.now() })
        this.timer ??= setTimeout(this.storeOverdue, this.fanout.peerCommitTimeout)
        break
      case instanceCommitted:
        this.confirm(message.sender, message.seq)
        break
      case instanceGone:
        this.fanout.onGone?.(this.name, message.code, message.movedTo === '' ? null : message.movedTo)
        break
      case instanceAwareness:
        room.presence.apply(message.update, remoteOrigin)
        break
      case instanceSyncRequest:
        this.reply(room, message.sender, message.stateVector, Y.encodeStateVector(room.doc()))
        break
      case instanceSyncReply:
        if (message.to !== this.fanout.instanceId) return
        if (message.update.byteLength > 0) room.apply(message.update, catchUpOrigin)
        if (message.awareness.byteLength > 0) room.presence.apply(message.awareness, remoteOrigin)
        // The peer says what it has: send back what it lacks (asking nothing in return).
        if (message.stateVector.byteLength > 0) this.reply(room, message.sender, message.stateVector, nothing)
        break
    }
  }

  /** Forgets the updates of `sender` it has stored: the first `seq`. */
  private confirm(sender: string, seq: number): void {
    if (this.unconfirmed.length === 0) return
    this.unconfirmed = this.unconfirmed.filter((entry) => entry.sender !== sender || entry.seq > seq)
    if (this.unconfirmed.length === 0) this.clearTimer()
  }

  private requestSync(room: Room): void {
    this.fanout.publish(this.topic, encodeInstanceSyncRequest(this.fanout.instanceId, Y.encodeStateVector(room.doc())))
  }

  /** Sends `to` what it lacks given its state vector, the awareness of this instance's clients, and `ask`. */
  private reply(room: Room, to: string, theirs: Uint8Array, ask: Uint8Array): void {
    let update = Y.encodeStateAsUpdate(room.doc(), theirs)
    if (isEmptyUpdate(update)) update = nothing
    const ids = room.localAwarenessIds()
    const awareness = ids.length > 0 ? room.presence.statesOf(ids) : nothing
    if (update === nothing && awareness === nothing && ask === nothing) return
    this.fanout.publish(this.topic, encodeInstanceSyncReply(this.fanout.instanceId, to, update, awareness, ask))
  }

  /** Stores the updates whose senders did not confirm them within the timeout: they may be gone. */
  private readonly storeOverdue = (): void => {
    this.timer = null
    const cutoff = Date.now() - this.fanout.peerCommitTimeout
    const overdue = this.unconfirmed.filter((entry) => entry.at <= cutoff)
    if (overdue.length > 0) {
      this.unconfirmed = this.unconfirmed.filter((entry) => entry.at > cutoff)
      for (const entry of overdue) this.room?.store(entry.update)
      this.fanout.metrics.error('bus-unconfirmed')
      this.fanout.logger.warn(
        { doc: this.name, updates: overdue.length, senders: [...new Set(overdue.map((entry) => entry.sender))] },
        'updates from other instances were not confirmed stored in time; storing them here',
      )
    }
    const next = this.unconfirmed[0]
    if (next) this.timer = setTimeout(this.storeOverdue, next.at + this.fanout.peerCommitTimeout - Date.now())
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}
