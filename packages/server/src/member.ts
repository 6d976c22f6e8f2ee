import {
  CloseCode,
  encodeAwarenessMessage,
  encodeSavedMessage,
  isEmptyUpdate,
  messageAwareness,
  messageQueryAwareness,
  messageSync,
  syncStep1,
  syncStep2,
  syncUpdate,
} from '@tandem/protocol'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { AwarenessIds } from './awareness-ids.js'
import type { Identity } from './awareness-ownership.js'
import type { Document, Peer } from './document.js'
import type { Logger } from './logger.js'
import type { ErrorKind, SyncMetrics } from './sync-metrics.js'
import { inspectUpdate, type UpdateBounds } from './update-shape.js'
import { type BudgetRates, WriteBudget } from './write-budget.js'
import { AWARENESS_STATES_PER_MESSAGE } from './write-limits.js'

/**
 * The transport a connection speaks over: the part of a WebSocket the sync core needs. A `ws` WebSocket
 * satisfies it; so can any other transport.
 */
export interface SyncSocket {
  /** Bytes queued for sending and not yet handed to the network. */
  readonly bufferedAmount: number
  /**
   * Sends one message. A transport that takes `sent` calls it once the message has been handed to the network
   * (or has failed to be); one that ignores it only makes the server apply a document's stored state later.
   */
  send(data: Uint8Array, sent?: () => void): void
  close(code: number, reason: string): void
  /** Drops the connection at once, without a closing handshake. */
  terminate(): void
  /** Sends a ping; the transport calls {@link Connection.handlePong} when the answer arrives. Optional. */
  ping?(): void
}

/** Per-connection settings. */
export interface ConnectionOptions {
  /** Send Tandem's saved acknowledgement (the client opted in). @default false */
  saved?: boolean
  /**
   * The client may read the document and show its presence, but its document changes are never applied,
   * relayed or stored. @default false
   */
  readOnly?: boolean
  /** When the connection's access ends: it is closed with 4440 (token expired) then. @default never */
  expiresAt?: Date | null
  /**
   * Who the person is: their awareness client ids stay reserved for them after they leave. @default one
   * unverified identity shared by every connection that has none
   */
  identity?: Identity
}

/** The identity of a connection opened without one. */
const anonymous: Identity = { key: 'anonymous', verified: false }

/** The most awareness client ids one connection may set; a stock client uses one. */
export const MAX_AWARENESS_IDS_PER_CONNECTION = 16

/** What a connection needs of its server: one object, shared by all of the server's connections. */
export interface ConnectionContext {
  readonly logger: Logger
  readonly metrics: SyncMetrics
  /** Cut a connection off once this many bytes wait to be sent to it. */
  readonly maxBufferedBytes: number
  /** How long a probed connection has to answer its ping, in ms. */
  readonly probeTimeout: number
  /** The bounds every update must be within. */
  readonly updateBounds: UpdateBounds
  /** The largest awareness state, in bytes of JSON. */
  readonly maxAwarenessSize: number
  /** How fast each connection's budgets refill. */
  readonly budgetRates: BudgetRates
  /** Called once, when the connection has ended. */
  onClosed(connection: Connection): void
}

/** A message the server refuses, with the close code and error kind that answer it. */
class RejectedMessage extends Error {
  constructor(
    readonly code: number,
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message)
  }
}

let nextConnectionId = 1

/**
 * One client's connection to one document: reads its messages, applies them, and sends it the document, the
 * changes of others and, when it opted in, saved acknowledgements.
 *
 * Anything wrong with what the client sends ends this connection only, with a named close code and a log line.
 */
export class Connection implements Peer {
  /** A process-unique id, for logs. */
  readonly id = nextConnectionId++
  readonly awarenessIds = new AwarenessIds()
  private changesReceived = 0
  /** The latest count of changes waiting for a commit, and the document sequence number that covers them. */
  private ackPending: { count: number; seq: number } | null = null
  private closed = false
  private detached = false
  private readOnlyWarned = false
  private expiryTimer: ReturnType<typeof setTimeout> | null = null
  private probeTimer: ReturnType<typeof setTimeout> | null = null
  // The options are kept as fields, not as the object passed in: one object less per connection.
  private readonly saved: boolean
  private readonly readOnly: boolean
  private readonly expiresAt: Date | null
  readonly identity: Identity
  private readonly budget: WriteBudget

  constructor(
    private readonly socket: SyncSocket,
    readonly doc: Document,
    private readonly context: ConnectionContext,
    options: ConnectionOptions = {},
  ) {
    this.saved = options.saved ?? false
    this.readOnly = options.readOnly ?? false
    this.expiresAt = options.expiresAt ?? null
    this.identity = options.identity ?? anonymous
    this.budget = new WriteBudget(context.budgetRates)
  }

  /** Starts the sync: the server's step 1 and the awareness of everyone present. */
  open(): void {
    this.scheduleExpiry()
    this.doc.peers.add(this)
    this.doc.source.sendStep1((message) => this.send(message))
    if (this.doc.awareness.getStates().size > 0) this.send(encodeAwarenessMessage(this.doc.awarenessEncoding.all()))
  }

  /** Handles one frame from the client. */
  receive(data: Uint8Array, isBinary: boolean): void {
    if (this.closed) return
    this.context.metrics.messageReceived(data.byteLength)
    try {
      const exhausted = this.budget.spendMessage(data.byteLength)
      if (exhausted) {
        throw new RejectedMessage(
          CloseCode.rateLimited,
          'rate-limited',
          `the connection sent more ${exhausted} than its budget allows`,
        )
      }
      if (!isBinary) throw new RejectedMessage(CloseCode.unsupportedData, 'text-frame', 'text frames are not supported')
      this.handle(data)
    } catch (error) {
      this.refuse(
        error instanceof RejectedMessage
          ? error
          : new RejectedMessage(CloseCode.internalError, 'internal-error', String(error)),
      )
    }
  }

  /** Closes the connection for what it sent, counted and logged. */
  private refuse(rejection: RejectedMessage): void {
    if (this.closed) return
    this.context.metrics.error(rejection.kind)
    this.context.logger.warn(
      { doc: this.doc.name, connection: this.id, code: rejection.code, reason: rejection.message },
      'closing a connection that sent a bad message',
    )
    this.close(rejection.code, rejection.message)
  }

  /**
   * Sends one message, or cuts the connection off if the client stopped reading. `sent` is called once the
   * message has been handed to the network, or has failed to be.
   */
  send(message: Uint8Array, sent?: () => void): void {
    if (this.closed) return
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) {
      this.context.metrics.error('slow-consumer')
      this.context.logger.warn(
        { doc: this.doc.name, connection: this.id, bufferedAmount: this.socket.bufferedAmount },
        'terminating a connection that stopped reading',
      )
      this.terminate()
      sent?.()
      return
    }
    if (sent) this.socket.send(message, sent)
    else this.socket.send(message)
  }

  onDocCommitted(): void {
    if (this.ackPending && this.doc.committedSeq >= this.ackPending.seq) {
      const { count } = this.ackPending
      this.ackPending = null
      this.send(encodeSavedMessage(count))
    }
  }

  /** Ends the connection with a close frame; the socket's close event follows. */
  close(code: number, reason: string): void {
    if (this.closed) return
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    this.socket.close(code, truncateReason(reason))
    this.closed = true
    this.detach()
  }

  /** Drops the connection at once. */
  terminate(): void {
    if (this.closed) return
    this.closed = true
    this.socket.terminate()
    this.detach()
  }

  probe(): void {
    if (this.closed || this.probeTimer !== null || !this.socket.ping) return
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null
      this.context.metrics.error('heartbeat-timeout')
      this.context.logger.info(
        { doc: this.doc.name, connection: this.id },
        'dropping a connection that did not answer a probe',
      )
      this.terminate()
    }, this.context.probeTimeout)
    this.socket.ping()
  }

  pendingResolved(): void {
    if (this.saved && !this.closed) this.acknowledgeWhenCommitted()
  }

  pendingRefused(reason: string): void {
    this.refuse(new RejectedMessage(CloseCode.pendingUnresolved, 'pending-unresolved', reason))
  }

  /** Call when the transport reports a pong. */
  handlePong(): void {
    if (this.probeTimer === null) return
    clearTimeout(this.probeTimer)
    this.probeTimer = null
    this.context.logger.debug({ doc: this.doc.name, connection: this.id }, 'a probed connection answered')
  }

  /** Call when the transport reports that the socket closed. */
  handleClosed(): void {
    this.closed = true
    this.detach()
  }

  private detach(): void {
    if (this.detached) return
    this.detached = true
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer)
    if (this.probeTimer !== null) clearTimeout(this.probeTimer)
    this.doc.removePeer(this)
    this.context.onClosed(this)
  }

  private handle(data: Uint8Array): void {
    const decoder = decoding.createDecoder(data)
    const type = readOrReject(() => decoding.readVarUint(decoder))
    switch (type) {
      case messageSync: {
        const subtype = readOrReject(() => decoding.readVarUint(decoder))
        const payload = readOrReject(() => decoding.readVarUint8Array(decoder))
        assertConsumed(decoder)
        if (subtype === syncStep1) {
          if (!this.budget.spendSyncRequest()) {
            throw new RejectedMessage(
              CloseCode.rateLimited,
              'rate-limited',
              'the connection sent more sync requests than its budget allows',
            )
          }
          const source = this.doc.source
          const fromStorage = source.deferred
          const answer = applyOrReject(() => source.step2Message(payload))
          if (fromStorage && source.deferred) {
            // Answered with the stored bytes: the server applies them once they are on their way.
            this.send(answer, () => source.applySoon())
          } else {
            this.send(answer)
          }
        } else if (subtype === syncStep2 || subtype === syncUpdate) {
          this.applyUpdate(payload)
        } else {
          throw new RejectedMessage(
            CloseCode.protocolError,
            'malformed-message',
            `unknown sync message type ${subtype}`,
          )
        }
        return
      }
      case messageAwareness: {
        const payload = readOrReject(() => decoding.readVarUint8Array(decoder))
        assertConsumed(decoder)
        const allowed = this.ownAwareness(payload)
        if (allowed) applyOrReject(() => applyAwarenessUpdate(this.doc.awareness, allowed, this))
        return
      }
      case messageQueryAwareness: {
        assertConsumed(decoder)
        this.send(encodeAwarenessMessage(this.doc.awarenessEncoding.all()))
        return
      }
      default:
        throw new RejectedMessage(CloseCode.protocolError, 'malformed-message', `unknown message type ${type}`)
    }
  }

  private applyUpdate(update: Uint8Array): void {
    if (this.readOnly) {
      // Never applied, relayed or stored, and never acknowledged as saved.
      this.context.metrics.error('read-only-write')
      if (!this.readOnlyWarned) {
        this.readOnlyWarned = true
        this.context.logger.info(
          { doc: this.doc.name, connection: this.id },
          'ignoring changes from a read-only connection',
        )
      }
      return
    }
    this.changesReceived++
    // A client with nothing the server lacks answers step 1 with an empty update: applying it would change
    // nothing (and would apply a document's stored state early).
    if (isEmptyUpdate(update)) {
      if (this.saved) this.acknowledgeWhenCommitted()
      return
    }
    const shape = inspectUpdate(update, this.context.updateBounds)
    if (!shape.ok) {
      if (shape.malformed) {
        throw new RejectedMessage(CloseCode.invalidPayload, 'rejected-update', `rejected payload: ${shape.reason}`)
      }
      throw new RejectedMessage(CloseCode.updateRefused, 'update-refused', `update refused: ${shape.reason}`)
    }
    const overBound = applyOrReject(() => this.doc.apply(update, this, this))
    if (overBound) throw new RejectedMessage(CloseCode.pendingUnresolved, 'pending-unresolved', overBound)
    // Part of what this connection sent waits for content the server has not seen; it is not stored until that
    // arrives, so it, and what this connection sends after it, cannot be acknowledged as saved yet.
    if (this.saved && !this.doc.pending.has(this)) this.acknowledgeWhenCommitted()
  }

  /** Acknowledges every change received so far once the document's accepted updates are committed. */
  private acknowledgeWhenCommitted(): void {
    this.ackPending = { count: this.changesReceived, seq: this.doc.acceptedSeq }
    this.onDocCommitted()
  }

  /**
   * The part of an awareness update this connection may apply, decided on the parsed entries, as y-protocols
   * reads them. Entries for client ids a live connection owns are held back as a claim, and ids reserved for a
   * person who left are theirs alone (see `AwarenessOwnership`). Entries that would change nothing pass: the
   * stock y-websocket client re-broadcasts every awareness change it applies, other people's included, so
   * echoes of others' states at their current clock are routine. Returns `null` when nothing is left to apply.
   */
  private ownAwareness(payload: Uint8Array): Uint8Array | null {
    const maxState = this.context.maxAwarenessSize
    if (payload.byteLength > maxState * AWARENESS_STATES_PER_MESSAGE) {
      throw new RejectedMessage(
        CloseCode.updateRefused,
        'awareness-too-large',
        `update refused: an awareness message of ${payload.byteLength} bytes, over the bound of ${maxState * AWARENESS_STATES_PER_MESSAGE}`,
      )
    }
    const decoder = decoding.createDecoder(payload)
    const awareness = this.doc.awareness
    const ownership = this.doc.ownership
    const count = readOrReject(() => decoding.readVarUint(decoder))
    const kept: { id: number; clock: number; state: string }[] = []
    const claimed: number[] = []
    const reserved: number[] = []
    /** Ids whose state the server removed and this connection sets again at a clock the removal passed. */
    const stale: number[] = []
    // Ids this update would add to the connection's own; usually none (a client updates its own state).
    const added: number[] = []
    for (let i = 0; i < count; i++) {
      const id = readOrReject(() => decoding.readVarUint(decoder))
      const clock = readOrReject(() => decoding.readVarUint(decoder))
      const bytes = readOrReject(() => decoding.readVarUint8Array(decoder))
      if (bytes.byteLength > maxState) {
        throw new RejectedMessage(
          CloseCode.updateRefused,
          'awareness-too-large',
          `update refused: the awareness state of client ${id} is ${bytes.byteLength} bytes, over the bound of ${maxState}`,
        )
      }
      const state = textDecoder.decode(bytes)
      const parsed: unknown = applyOrReject(() => JSON.parse(state))
      const current = awareness.meta.get(id)?.clock ?? 0
      // The same test applyAwarenessUpdate makes before it changes anything, on the same parsed state.
      const takesEffect = current < clock || (current === clock && parsed === null && awareness.states.has(id))
      if (takesEffect) {
        const verdict = ownership.judge(this, id)
        if (verdict === 'claimed') {
          claimed.push(id)
          continue
        }
        if (verdict === 'reserved') {
          reserved.push(id)
          continue
        }
        if (!this.awarenessIds.has(id) && !added.includes(id)) {
          added.push(id)
          // Checked as they come, so `added` stays short.
          if (this.awarenessIds.size + added.length > MAX_AWARENESS_IDS_PER_CONNECTION) {
            throw new RejectedMessage(
              CloseCode.policyViolation,
              'awareness-forgery',
              `a connection may set at most ${MAX_AWARENESS_IDS_PER_CONNECTION} awareness states`,
            )
          }
        }
      } else if (
        parsed !== null &&
        awareness.meta.has(id) &&
        !awareness.states.has(id) &&
        ownership.judge(this, id) === 'own'
      ) {
        stale.push(id)
      }
      kept.push({ id, clock, state })
    }
    assertConsumed(decoder)
    // A person back after the server removed their state sends it again at the clock it had, which the removal
    // passed: tell them of the removal, and their client answers with its state at a newer clock (y-protocols
    // never lets a remote client remove the local state).
    if (stale.length > 0) this.send(encodeAwarenessMessage(encodeAwarenessUpdate(awareness, stale)))
    if (reserved.length > 0) this.refuseReserved(reserved)
    if (claimed.length > 0) {
      this.context.metrics.error('awareness-forgery')
      this.context.logger.info(
        { doc: this.doc.name, connection: this.id, clients: claimed },
        'holding back awareness for client ids another connection owns, and probing that connection',
      )
      ownership.claim(this, claimed, payload)
    }
    if (claimed.length === 0 && reserved.length === 0) return payload
    if (kept.length === 0) return null
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, kept.length)
    for (const { id, clock, state } of kept) {
      encoding.writeVarUint(encoder, id)
      encoding.writeVarUint(encoder, clock)
      encoding.writeVarString(encoder, state)
    }
    return encoding.toUint8Array(encoder)
  }

  /**
   * Answers a claim on client ids reserved for another person, who left and may come back: never applied. With
   * a verified identity (a token) it is a forgery and ends the connection; without one the claimant may be that
   * person reconnecting from another address, so it only stays without effect.
   */
  private refuseReserved(ids: number[]): void {
    if (this.identity.verified) {
      throw new RejectedMessage(
        CloseCode.policyViolation,
        'awareness-forgery',
        `the awareness client id ${ids[0]} belongs to another person`,
      )
    }
    this.context.metrics.error('awareness-forgery')
    this.context.logger.info(
      { doc: this.doc.name, connection: this.id, clients: ids },
      'holding back awareness for client ids reserved for a person who left',
    )
  }

  private scheduleExpiry(): void {
    const expiresAt = this.expiresAt
    if (!expiresAt) return
    // setTimeout holds at most ~24.8 days; a later expiry re-arms.
    const wait = Math.min(expiresAt.getTime() - Date.now(), 2 ** 31 - 1)
    this.expiryTimer = setTimeout(
      () => {
        if (Date.now() < expiresAt.getTime()) return this.scheduleExpiry()
        this.close(CloseCode.tokenExpired, 'the token expired')
      },
      Math.max(wait, 0),
    )
  }
}

function readOrReject<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw new RejectedMessage(CloseCode.protocolError, 'malformed-message', `malformed message: ${describe(error)}`)
  }
}

function applyOrReject<T>(apply: () => T): T {
  try {
    return apply()
  } catch (error) {
    throw new RejectedMessage(CloseCode.invalidPayload, 'rejected-update', `rejected payload: ${describe(error)}`)
  }
}

function assertConsumed(decoder: decoding.Decoder): void {
  if (decoding.hasContent(decoder)) {
    throw new RejectedMessage(CloseCode.protocolError, 'malformed-message', 'malformed message: trailing bytes')
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

const textDecoder = new TextDecoder()

function truncateReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason)
  if (bytes.byteLength <= 123) return reason
  return new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, '')
}
