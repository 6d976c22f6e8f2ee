import { encodeAwarenessMessage, encodeUpdateMessage } from '@tandem/protocol'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { AwarenessEncoding } from './awareness-encoding.js'
import type { AwarenessIdSet } from './awareness-ids.js'
import type { StoredDoc } from './doc-store.js'
import type { PersistedDoc, Persistence } from './persistence.js'
import type { SyncMetrics } from './sync-metrics.js'
import { SyncSource } from './sync-source.js'

/** What a document needs of a connection: somewhere to send, and the awareness ids it controls. */
export interface Peer {
  /** Client ids whose awareness this peer set; removed when it leaves. */
  readonly awarenessIds: AwarenessIdSet
  send(message: Uint8Array): void
  /** Called after a storage commit that stored updates of this document. */
  onDocCommitted(): void
  /** Checks at once that the peer is still there, and drops it if it does not answer. */
  probe(): void
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
  private outgoing: Uint8Array[] = []
  private outgoingOrigin: unknown = null
  private awarenessChanged = new Set<number>()
  /** This instance's changes of the turn, for the other instances. */
  private unpublished: Uint8Array[] = []
  private awarenessUnpublished = new Set<number>()
  private flushScheduled = false
  private destroyed = false
  /** Which peer set each awareness client id, so no other peer can change it. */
  private readonly awarenessOwners = new Map<number, Peer>()
  /** The latest awareness update of a peer that tried to set ids another peer owns, by id. */
  private readonly claims = new Map<number, { peer: Peer; update: Uint8Array }>()

  constructor(
    readonly name: string,
    private readonly persistence: Persistence,
    private readonly metrics: SyncMetrics,
  ) {
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
  restore(stored: StoredDoc | null): void {
    if (!stored) return
    const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : [...stored.updates]
    if (parts.length === 0) return
    this.source.restore(parts.length === 1 ? (parts[0] as Uint8Array) : Y.mergeUpdates(parts))
    this.logLength = stored.updates.length
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
    return [...this.awarenessOwners.keys()]
  }

  /** The peer that set the awareness state of `clientId`, if one did. */
  awarenessOwner(clientId: number): Peer | undefined {
    return this.awarenessOwners.get(clientId)
  }

  /**
   * Records that `peer` sent an awareness update setting `ids` that other peers own, and asks those owners to
   * prove they are still there. A person whose connection dropped without a close (the server has not noticed
   * yet) reconnects with the same client id: if the old connection turns out gone, the new one takes the ids
   * over and this update is applied then. If the owners answer, nothing changes: the claim was a forgery.
   */
  claimAwareness(peer: Peer, ids: readonly number[], update: Uint8Array): void {
    for (const id of ids) {
      this.claims.set(id, { peer, update })
      this.awarenessOwners.get(id)?.probe()
    }
  }

  /**
   * Removes a peer and the awareness states it controlled; the others see them leave at once, except states
   * that a live peer claimed (see {@link claimAwareness}), which pass to that peer.
   */
  removePeer(peer: Peer): void {
    if (!this.peers.delete(peer)) return
    for (const [id, claim] of this.claims) if (claim.peer === peer) this.claims.delete(id)
    const removed: number[] = []
    const handedOver = new Map<Peer, Uint8Array>()
    for (const id of peer.awarenessIds) {
      const claim = this.claims.get(id)
      if (claim && this.peers.has(claim.peer)) {
        this.claims.delete(id)
        this.awarenessOwners.set(id, claim.peer)
        claim.peer.awarenessIds.add(id)
        handedOver.set(claim.peer, claim.update)
      } else if (this.awareness.states.has(id)) {
        removed.push(id)
      }
    }
    peer.awarenessIds.clear()
    if (removed.length > 0) removeAwarenessStates(this.awareness, removed, peer)
    for (const [claimant, update] of handedOver) applyAwarenessUpdate(this.awareness, update, claimant)
  }

  /** Stops everything; the document must not be used afterwards. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
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
      if (peer) {
        peer.awarenessIds.add(id)
        this.awarenessOwners.set(id, peer)
      }
      this.awarenessChanged.add(id)
      if (publish) this.awarenessUnpublished.add(id)
    }
    for (const id of removed) {
      peer?.awarenessIds.delete(id)
      this.awarenessOwners.delete(id)
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
    const { outgoing, unpublished } = this
    let merged: Uint8Array | null = null
    if (outgoing.length > 0) {
      merged = mergeAll(outgoing)
      const skip = this.outgoingOrigin
      this.outgoing = []
      this.outgoingOrigin = null
      this.broadcast(encodeUpdateMessage(merged), skip)
    }
    if (unpublished.length > 0) {
      this.unpublished = []
      // When every change of the turn was this instance's own, the merged update is the one to publish.
      this.link?.publishUpdate(
        merged && unpublished.length === outgoing.length ? merged : mergeAll(unpublished),
        this.acceptedSeq,
      )
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
}

function mergeAll(updates: Uint8Array[]): Uint8Array {
  return updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates)
}
