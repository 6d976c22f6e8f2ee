import { hostname } from 'node:os'
import {
  decodeInstanceMessage,
  encodeInstanceAwareness,
  encodeInstanceCommitted,
  encodeInstanceSyncReply,
  encodeInstanceSyncRequest,
  encodeInstanceUpdate,
  type InstanceMessage,
  instanceAwareness,
  instanceCommitted,
  instanceSyncReply,
  instanceSyncRequest,
  instanceUpdate,
  isEmptyUpdate,
} from '@tandem/protocol'
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import type { DocStore } from './doc-store.js'
import { catchUpOrigin, type Document, type DocumentLink, remoteOrigin } from './document.js'
import type { Logger } from './logger.js'
import type { MessageBus } from './message-bus.js'
import { checkStoredUpdate } from './stored-bounds.js'
import { recoverStoredState } from './stored-state.js'
import type { SyncMetrics } from './sync-metrics.js'

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
  private readonly rooms = new Map<Document, Room>()
  readonly peerCommitTimeout: number

  constructor(
    readonly bus: MessageBus,
    private readonly store: DocStore,
    readonly logger: Logger,
    readonly metrics: SyncMetrics,
    options: FanoutOptions = {},
  ) {
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`
    this.peerCommitTimeout = options.peerCommitTimeout ?? 10_000
    bus.onReconnect(() => this.resyncAll())
  }

  /** Documents subscribed to on the bus. */
  get documentCount(): number {
    return this.rooms.size
  }

  /** Subscribes to the document's topic; call before loading it. Messages wait until {@link started}. */
  async join(doc: Document): Promise<void> {
    const room = new Room(this, doc)
    this.rooms.set(doc, room)
    doc.link = room
    await this.bus.subscribe(room.topic, room.receive)
  }

  /** The document is loaded: applies what arrived meanwhile and asks the peers for what it lacks. */
  started(doc: Document): void {
    this.rooms.get(doc)?.start()
  }

  /**
   * Hands every update of peers that is not confirmed stored to the document's write queue; call before the
   * final save of a document that is about to leave memory. Returns how many there were.
   */
  storeUnconfirmed(doc: Document): number {
    return this.rooms.get(doc)?.storeUnconfirmed() ?? 0
  }

  /** Unsubscribes; the document is leaving memory. */
  leave(doc: Document): void {
    const room = this.rooms.get(doc)
    if (!room) return
    this.rooms.delete(doc)
    room.dispose()
    doc.link = null
    this.bus.unsubscribe(room.topic)
  }

  /** Disconnects from the bus. */
  async close(): Promise<void> {
    for (const doc of [...this.rooms.keys()]) this.leave(doc)
    await this.bus.close()
  }

  /** Publishes a message, counting it. */
  publish(topic: string, message: Uint8Array): void {
    this.metrics.busPublished(message.byteLength, !this.bus.publish(topic, message))
  }

  private resyncAll(): void {
    this.logger.info({ bus: this.bus.name, documents: this.rooms.size }, 'bus is back; syncing loaded documents')
    for (const room of this.rooms.values()) void room.resync(this.store)
  }
}

/** One document's link to the other instances that hold it. */
class Room implements DocumentLink {
  readonly topic: string
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
    private readonly doc: Document,
  ) {
    this.topic = `doc:${doc.name}`
  }

  start(): void {
    const early = this.early ?? []
    this.early = null
    for (const message of early) this.receive(message)
    // Asking needs the state vector: after a load from storage, not before the first client's answer went out.
    this.doc.source.whenApplied(() => {
      if (this.doc.link === this) this.requestSync()
    })
  }

  publishUpdate(update: Uint8Array, seq: number): void {
    this.publishedSeq = seq
    this.announcedSeq = this.doc.committedSeq
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
    const seq = Math.min(this.doc.committedSeq, this.publishedSeq)
    if (seq <= this.announcedSeq) return
    this.announcedSeq = seq
    this.fanout.publish(this.topic, encodeInstanceCommitted(this.fanout.instanceId, seq))
  }

  readonly receive = (bytes: Uint8Array): void => {
    if (this.doc.link !== this) return
    if (this.early) {
      this.early.push(bytes)
      return
    }
    let message: InstanceMessage
    try {
      message = decodeInstanceMessage(bytes)
    } catch (error) {
      this.fanout.metrics.error('bus-malformed')
      this.fanout.logger.warn({ err: error, doc: this.doc.name }, 'dropping a malformed message from the bus')
      return
    }
    if (message.sender === this.fanout.instanceId) return
    this.fanout.metrics.busReceived(bytes.byteLength, Date.now() - message.sentAt)
    try {
      this.handle(message)
    } catch (error) {
      this.fanout.metrics.error('bus-malformed')
      this.fanout.logger.warn(
        { err: error, doc: this.doc.name, sender: message.sender, kind: message.kind },
        'a message from another instance could not be applied; dropped',
      )
    }
  }

  /** Stores every unconfirmed update of peers now. */
  storeUnconfirmed(): number {
    const count = this.unconfirmed.length
    for (const entry of this.unconfirmed) this.doc.store(entry.update)
    this.unconfirmed = []
    this.clearTimer()
    return count
  }

  /** After a bus outage: applies what storage holds now, then syncs with the peers. */
  async resync(store: DocStore): Promise<void> {
    this.requestSync()
    try {
      const stored = await store.load(this.doc.name)
      if (!stored || this.doc.link !== this) return
      // What the document could not load when it opened stays out now too.
      const { state } = recoverStoredState(stored, checkStoredUpdate)
      if (state) this.doc.apply(state, catchUpOrigin)
    } catch (error) {
      this.fanout.logger.warn({ err: error, doc: this.doc.name }, 'reloading a document after a bus outage failed')
    }
  }

  dispose(): void {
    this.clearTimer()
    if (this.noticeTimer !== null) clearTimeout(this.noticeTimer)
    this.noticeTimer = null
    this.unconfirmed = []
    this.early = null
  }

  private handle(message: InstanceMessage): void {
    const { doc } = this
    switch (message.kind) {
      case instanceUpdate:
        this.confirm(message.sender, message.committed)
        doc.apply(message.update, remoteOrigin)
        this.unconfirmed.push({ sender: message.sender, seq: message.seq, update: message.update, at: Date.now() })
        this.timer ??= setTimeout(this.storeOverdue, this.fanout.peerCommitTimeout)
        break
      case instanceCommitted:
        this.confirm(message.sender, message.seq)
        break
      case instanceAwareness:
        applyAwarenessUpdate(doc.awareness, message.update, remoteOrigin)
        break
      case instanceSyncRequest:
        this.reply(message.sender, message.stateVector, Y.encodeStateVector(doc.ydoc))
        break
      case instanceSyncReply:
        if (message.to !== this.fanout.instanceId) return
        if (message.update.byteLength > 0) doc.apply(message.update, catchUpOrigin)
        if (message.awareness.byteLength > 0) applyAwarenessUpdate(doc.awareness, message.awareness, remoteOrigin)
        // The peer says what it has: send back what it lacks (asking nothing in return).
        if (message.stateVector.byteLength > 0) this.reply(message.sender, message.stateVector, nothing)
        break
    }
  }

  /** Forgets the updates of `sender` it has stored: the first `seq`. */
  private confirm(sender: string, seq: number): void {
    if (this.unconfirmed.length === 0) return
    this.unconfirmed = this.unconfirmed.filter((entry) => entry.sender !== sender || entry.seq > seq)
    if (this.unconfirmed.length === 0) this.clearTimer()
  }

  private requestSync(): void {
    this.fanout.publish(
      this.topic,
      encodeInstanceSyncRequest(this.fanout.instanceId, Y.encodeStateVector(this.doc.ydoc)),
    )
  }

  /** Sends `to` what it lacks given its state vector, the awareness of this instance's clients, and `ask`. */
  private reply(to: string, theirs: Uint8Array, ask: Uint8Array): void {
    const { doc } = this
    let update = Y.encodeStateAsUpdate(doc.ydoc, theirs)
    if (isEmptyUpdate(update)) update = nothing
    const ids = doc.localAwarenessIds()
    const awareness = ids.length > 0 ? encodeAwarenessUpdate(doc.awareness, ids) : nothing
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
      for (const entry of overdue) this.doc.store(entry.update)
      this.fanout.metrics.error('bus-unconfirmed')
      this.fanout.logger.warn(
        { doc: this.doc.name, updates: overdue.length, senders: [...new Set(overdue.map((entry) => entry.sender))] },
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
