import { encodeAwarenessMessage, encodeUpdateMessage } from '@tandem/protocol'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { AwarenessEncoding } from './awareness-encoding.js'
import { AwarenessOwnership, type AwarenessPeer } from './awareness-ownership.js'
import type { Logger } from './logger.js'
import { PendingContent, type PendingLimits, type PendingOwner } from './pending-content.js'
import type { PersistedDoc, Persistence } from './persistence.js'
import type { SyncMetrics } from './sync-metrics.js'
import { SyncSource } from './sync-source.js'

/**
 * What a document needs of a connection: somewhere to send, who it is, the awareness ids it controls, and news
 * of its changes that wait for content the document lacks.
 */
export interface Peer extends AwarenessPeer, PendingOwner {
  send(message: Uint8Array): void
  /** Called after a storage commit that stored updates of this document. */
  onDocCommitted(): void
}

/** What a document needs of its server. */
export interface DocumentContext {
  readonly persistence: Persistence
  readonly metrics: SyncMetrics
  readonly logger: Logger
  readonly pendingLimits: PendingLimits
}

/**
 * What a document needs of the other instances holding it, when the server is scaled out (see `Fanout`): it
 * publishes its own clients' changes and says when they are stored.
 */
export interface DocumentLink {
  /** Sends an update this instance's clients made; `seq` is the document's accepted count including it. */
  publishUpdate(update: Uint8Array, seq: number): void
  /** Sends an awareness update of this instance's clients. */
  publishAwareness(update: Uint8Array): void
  /** Says that more of the accepted updates are stored (the document's `committedSeq`). */
  committed(): void
}

/** The origin of a change another instance made and stores itself: relayed here, neither stored nor published. */
export const remoteOrigin = Symbol('another instance')
/** The origin of a change caught up from storage or another instance: stored here, not published. */
export const catchUpOrigin = Symbol('catch-up')

const mixedOrigins = Symbol('mixed origins')

/**
 * One document in memory: its Y.Doc, the awareness of the people in it, and the connections editing it.
 *
 * Updates and awareness changes are coalesced per event-loop turn: everything that arrived in one turn goes out
 * as one merged update (and one awareness message), encoded once and sent to every connection. A connection
 * whose own updates were all of the turn's updates is not sent its own changes back.
 */
export class Document implements PersistedDoc {
  /** The Y.Doc and the encodings newcomers are synced from. */
  readonly source = new SyncSource()
  readonly awareness = new Awareness(this.source.raw)
  /** The room's awareness, encoded, for newcomers and for the changes the room is sent. */
  readonly awarenessEncoding = new AwarenessEncoding(this.awareness)
  readonly peers = new Set<Peer>()
  acceptedSeq = 0
  committedSeq = 0
  logLength = 0
  /** The other instances holding this document, when scaled out. */
  link: DocumentLink | null = null
  /** Who may set each awareness client id. */
  readonly ownership = new AwarenessOwnership<Peer>()
  /** Changes that wait for content this document has not seen, kept out of the Y.Doc. */
  readonly pending: PendingContent
  private outgoing: Uint8Array[] = []
  private outgoingOrigin: unknown = null
  private awarenessChanged = new Set<number>()
  /** This instance's changes of the turn, for the other instances. */
  private unpublished: Uint8Array[] = []
  private awarenessUnpublished = new Set<number>()
  private flushScheduled = false
  private destroyed = false
  private readonly persistence: Persistence
  private readonly metrics: SyncMetrics
  private readonly logger: Logger

  constructor(
    readonly name: string,
    context: DocumentContext,
  ) {
    this.persistence = context.persistence
    this.metrics = context.metrics
    this.logger = context.logger
    this.pending = new PendingContent(context.pendingLimits, (updates) =>
      this.logger.warn({ doc: name, updates }, 'dropping changes of another instance that waited too long'),
    )
    // The server is not a person in the room.
    this.awareness.setLocalState(null)
  }

  /** The Y.Doc; reading it applies the stored state first if that is still waiting (see {@link SyncSource}). */
  get ydoc(): Y.Doc {
    return this.source.doc
  }

  /**
   * Takes what storage holds, to apply when first needed (see {@link SyncSource}); call once, before
   * {@link start}, so none of it is stored again.
   */
  restore(state: Uint8Array | null, logLength: number): void {
    if (state) this.source.restore(state)
    this.logLength = logLength
  }

  /**
   * Applies an update (v1) that passed the server's checks, with `origin` as its transaction origin. What of it
   * waits for content the document lacks is kept apart (see {@link PendingContent}), charged to `owner`. Returns
   * the reason when `owner`'s waiting content passed a bound (it was dropped). Throws what Yjs throws.
   */
  apply(update: Uint8Array, origin: unknown, owner: PendingOwner | null = null): string | null {
    return this.pending.apply(this.ydoc, update, origin, owner)
  }

  /** Starts persisting and relaying changes. */
  start(): void {
    this.source.onUpdate(this.onUpdate)
    this.awareness.on('update', this.onAwarenessUpdate)
  }

  /** Called by the write queue after a commit; tells every peer. */
  onCommitted(): void {
    for (const peer of this.peers) peer.onDocCommitted()
    this.link?.committed()
  }

  /** Queues an update for storage that is already applied (one another instance did not confirm storing). */
  store(update: Uint8Array): void {
    this.persistence.enqueue(this, update)
  }

  /** The awareness client ids this instance's connections set. */
  localAwarenessIds(): number[] {
    return this.ownership.liveIds()
  }

  /**
   * Removes a peer, the changes it left waiting, and the awareness states it controlled; the others see them
   * leave at once, except states that a live claimant who is the same person takes over (see
   * {@link AwarenessOwnership.claim}). The ids stay reserved for the person, who may come back.
   */
  removePeer(peer: Peer): void {
    if (!this.peers.delete(peer)) return
    this.pending.drop(peer)
    const { removed, handedOver } = this.ownership.leave(peer, (claimant) => this.peers.has(claimant))
    const present = removed.filter((id) => this.awareness.states.has(id))
    if (present.length > 0) removeAwarenessStates(this.awareness, present, peer)
    for (const [claimant, update] of handedOver) applyAwarenessUpdate(this.awareness, update, claimant)
  }

  /** Stops everything; the document must not be used afterwards. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.pending.clear()
    this.source.raw.off('update', this.onUpdate)
    this.awareness.off('update', this.onAwarenessUpdate)
    this.awareness.destroy()
    this.source.raw.destroy()
    this.outgoing = []
    this.unpublished = []
    this.awarenessChanged.clear()
    this.awarenessUnpublished.clear()
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== remoteOrigin) this.persistence.enqueue(this, update)
    const publish = this.link !== null && origin !== remoteOrigin && origin !== catchUpOrigin
    if (publish) this.unpublished.push(update)
    if (this.peers.size > 0) {
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
    const peer = this.peers.has(origin as Peer) ? (origin as Peer) : null
    // Changes of this instance's clients (a leaving peer's removal included) go to the other instances too.
    const publish = this.link !== null && origin !== remoteOrigin && origin !== 'timeout'
    for (const id of [...added, ...updated]) {
      if (peer) this.ownership.set(peer, id)
      this.awarenessChanged.add(id)
      if (publish) this.awarenessUnpublished.add(id)
    }
    // A peer that removes its own state still owns its id.
    for (const id of removed) {
      this.awarenessChanged.add(id)
      if (publish) this.awarenessUnpublished.add(id)
    }
    if (this.peers.size === 0) this.awarenessChanged.clear()
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
      if (published) this.link?.publishUpdate(published, this.acceptedSeq)
      else for (const update of unpublished) this.link?.publishUpdate(update, this.acceptedSeq)
    }
    let awareness: Uint8Array | null = null
    if (this.awarenessChanged.size > 0) {
      awareness = this.awarenessEncoding.changed([...this.awarenessChanged])
      // Awareness goes to everyone, the sender included, as the reference server does.
      this.broadcast(encodeAwarenessMessage(awareness), null)
    }
    if (this.awarenessUnpublished.size > 0) {
      const ids = [...this.awarenessUnpublished]
      const same = ids.length === this.awarenessChanged.size && ids.every((id) => this.awarenessChanged.has(id))
      this.link?.publishAwareness(same && awareness ? awareness : encodeAwarenessUpdate(this.awareness, ids))
      this.awarenessUnpublished.clear()
    }
    this.awarenessChanged.clear()
  }

  private broadcast(message: Uint8Array, skip: unknown): void {
    let receivers = 0
    for (const peer of this.peers) {
      if (peer === skip) continue
      peer.send(message)
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
