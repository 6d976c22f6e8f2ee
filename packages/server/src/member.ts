import {
  type ClientMessage,
  CloseCode,
  documentTooLargeReason,
  encodeAwarenessMessage,
  encodeLoadingMessage,
  encodeSavedMessage,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  isEmptyUpdate,
  MalformedMessage,
  readClientMessage,
} from '@tandem/protocol'
import { AwarenessIds } from './awareness-ids.js'
import type { Identity } from './awareness-ownership.js'
import type { MemberInfo } from './hooks.js'
import type { Logger } from './logger.js'
import { PresenceRefused } from './presence.js'
import type { Room, RoomMember } from './room.js'
import { STREAM_ABOVE, StatePieces } from './state-pieces.js'
import type { ErrorKind, SyncMetrics } from './sync-metrics.js'
import { inspectUpdate, type UpdateBounds } from './update-shape.js'
import { type BudgetRates, WriteBudget } from './write-budget.js'
import { AWARENESS_STATES_PER_MESSAGE } from './write-limits.js'

/**
 * The transport a member speaks over: the part of a WebSocket the sync core needs. A `ws` WebSocket satisfies
 * it; so can any other transport (see `@tandem/server-koa` for the WebSocket adapter).
 */
export interface SyncSocket {
  /** Bytes queued for sending and not yet handed to the network. */
  readonly bufferedAmount: number
  /**
   * Sends one message. When given `sent`, the transport must call it once the message has been handed to the
   * network, or has failed to be: a big document's state is sent in pieces, each once the one before is on its
   * way (as `ws`'s `send` callback does).
   */
  send(data: Uint8Array, sent?: () => void): void
  close(code: number, reason: string): void
  /** Drops the connection at once, without a closing handshake. */
  terminate(): void
  /** Sends a ping; the transport calls {@link Member.handlePong} when the answer arrives. Optional. */
  ping?(): void
}

/** Per-member settings. */
export interface MemberOptions {
  /** Send Tandem's saved acknowledgement (the client opted in). @default false */
  saved?: boolean
  /** Send Tandem's loading progress while a big document's state arrives in pieces (the client opted in). @default false */
  loading?: boolean
  /**
   * The client may read the document and show its presence, but its document changes are never applied,
   * relayed or stored. @default false
   */
  readOnly?: boolean
  /** When the member's access ends: it is closed with 4440 (token expired) then. @default never */
  expiresAt?: Date | null
  /** What revoking the member's access is known by (see `Authentication.revocationKey`). @default none */
  revocationKey?: string | null
  /**
   * Who the person is: their awareness client ids stay reserved for them after they leave. @default one
   * unverified identity shared by every member that has none
   */
  identity?: Identity
}

/** The identity of a member opened without one. */
const anonymous: Identity = { key: 'anonymous', verified: false }

/** What a member needs of its server: one object, shared by all of the server's members. */
export interface MemberContext {
  readonly logger: Logger
  readonly metrics: SyncMetrics
  /** Cut a member off once this many bytes wait to be sent to it. */
  readonly maxBufferedBytes: number
  /** How long a probed member has to answer its ping, in ms. */
  readonly probeTimeout: number
  /** The bounds every update must be within. */
  readonly updateBounds: UpdateBounds
  /** The largest awareness state, in bytes of JSON. */
  readonly maxAwarenessSize: number
  /** The largest document, in bytes as {@link DocumentSize} measures it; a change past it closes with 4413. */
  readonly maxDocumentSize: number
  /** How fast each member's budgets refill. */
  readonly budgetRates: BudgetRates
  /** Called once, when the member has left. */
  onClosed(member: Member): void
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

let nextMemberId = 1

/**
 * One client of one room, over any transport: reads its messages and hands them to the room, and sends it the
 * document, the changes of others and, when it opted in, saved acknowledgements.
 *
 * Anything wrong with what the client sends ends this member only, with a named close code and a log line.
 */
export class Member implements RoomMember {
  /** A process-unique id, for logs. */
  readonly id = nextMemberId++
  readonly awarenessIds = new AwarenessIds()
  /** Document-changing messages received (the count a saved acknowledgement reports). */
  private changesReceived = 0
  /** The latest count of changes waiting for a commit, and the write log's number that covers them. */
  private ackPending: { count: number; seq: number } | null = null
  private closed = false
  private detached = false
  private readOnlyWarned = false
  private expiryTimer: ReturnType<typeof setTimeout> | null = null
  private probeTimer: ReturnType<typeof setTimeout> | null = null
  /** A big document's state on its way to this member in pieces, or `null`. */
  private streaming: StatePieces | null = null
  // The options are kept as fields, not as the object passed in: one object less per member.
  private readonly saved: boolean
  private readonly loading: boolean
  private readonly readOnly: boolean
  private readonly expiresAt: Date | null
  /** What revoking this member's access is known by, or `null`. */
  readonly revocationKey: string | null
  readonly identity: Identity
  private readonly budget: WriteBudget

  constructor(
    private readonly socket: SyncSocket,
    readonly room: Room,
    private readonly context: MemberContext,
    options: MemberOptions = {},
  ) {
    this.saved = options.saved ?? false
    this.loading = options.loading ?? false
    this.readOnly = options.readOnly ?? false
    this.expiresAt = options.expiresAt ?? null
    this.revocationKey = options.revocationKey ?? null
    this.identity = options.identity ?? anonymous
    this.budget = new WriteBudget(context.budgetRates)
  }

  /** Who this member is, for hooks. */
  get info(): MemberInfo {
    return { id: this.id, identity: this.identity, readOnly: this.readOnly }
  }

  /** Joins the room and starts the sync: the server's step 1 and the awareness of everyone present. */
  open(): void {
    this.scheduleExpiry()
    this.room.join(this)
    this.room.source.sendStep1((message) => this.send(message))
    if (this.room.awareness.getStates().size > 0) this.send(encodeAwarenessMessage(this.room.presence.encoding.all()))
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
      this.handle(readOrReject(() => readClientMessage(data)))
    } catch (error) {
      this.refuse(
        error instanceof RejectedMessage
          ? error
          : new RejectedMessage(CloseCode.internalError, 'internal-error', String(error)),
      )
    }
  }

  /**
   * Sends one message, or cuts the member off if the client stopped reading. `sent` is called once the message
   * has been handed to the network, or has failed to be.
   */
  send(message: Uint8Array, sent?: () => void): void {
    if (this.closed) return
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) {
      this.context.metrics.error('slow-consumer')
      this.context.logger.warn(
        { doc: this.room.name, connection: this.id, bufferedAmount: this.socket.bufferedAmount },
        'terminating a connection that stopped reading',
      )
      this.terminate()
      sent?.()
      return
    }
    if (sent) this.socket.send(message, sent)
    else this.socket.send(message)
  }

  committed(seq: number): void {
    if (this.ackPending && seq >= this.ackPending.seq) {
      const { count } = this.ackPending
      this.ackPending = null
      this.send(encodeSavedMessage(count))
    }
  }

  /** Ends the member with a close frame; the socket's close event follows. */
  close(code: number, reason: string): void {
    if (this.closed) return
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    this.socket.close(code, truncateReason(reason))
    this.closed = true
    this.detach()
  }

  /** Drops the member at once. */
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
        { doc: this.room.name, connection: this.id },
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
    this.context.logger.debug({ doc: this.room.name, connection: this.id }, 'a probed connection answered')
  }

  /** Call when the transport reports that the socket closed. */
  handleClosed(): void {
    this.closed = true
    this.detach()
  }

  /** Closes the member for what it sent, counted and logged. */
  private refuse(rejection: RejectedMessage): void {
    if (this.closed) return
    this.context.metrics.error(rejection.kind)
    this.context.logger.warn(
      { doc: this.room.name, connection: this.id, code: rejection.code, reason: rejection.message },
      'closing a connection that sent a bad message',
    )
    this.close(rejection.code, rejection.message)
  }

  private detach(): void {
    if (this.detached) return
    this.detached = true
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer)
    if (this.probeTimer !== null) clearTimeout(this.probeTimer)
    this.room.leave(this)
    this.context.onClosed(this)
  }

  private handle(message: ClientMessage): void {
    switch (message.type) {
      case 'sync-step-1': {
        if (!this.budget.spendSyncRequest()) {
          throw new RejectedMessage(
            CloseCode.rateLimited,
            'rate-limited',
            'the connection sent more sync requests than its budget allows',
          )
        }
        // The stream's last message answers this request too: it carries everything the client lacks then.
        if (this.streaming) return
        const source = this.room.source
        const pieces = applyOrReject(() => this.piecesFor(message.stateVector))
        if (pieces) {
          this.streaming = pieces
          if (this.loading) this.send(encodeLoadingMessage(0, pieces.total))
          this.sendPiece()
          return
        }
        const fromStorage = source.deferred
        const answer = applyOrReject(() => source.step2Message(message.stateVector))
        // Answered with the stored bytes: the server applies them once they are on their way.
        if (fromStorage && source.deferred) this.send(answer, () => source.applySoon())
        else this.send(answer)
        return
      }
      case 'sync-step-2':
      case 'sync-update':
        this.applyUpdate(message.update)
        return
      case 'awareness':
        this.applyAwareness(message.update)
        return
      case 'query-awareness':
        this.send(encodeAwarenessMessage(this.room.presence.encoding.all()))
        return
    }
  }

  /**
   * The document's state cut into pieces for a client with `stateVector`, when what it lacks is over
   * {@link STREAM_ABOVE} bytes; `null` to answer in one message. A document no bigger than that as a whole is
   * never cut, and costs nothing to decide.
   */
  private piecesFor(stateVector: Uint8Array): StatePieces | null {
    // The measured size: the stored state's bytes while it waits to be applied, since nothing is applied before it.
    if (this.room.size.bytes <= STREAM_ABOVE) return null
    const pieces = new StatePieces(this.room.source.applied(), stateVector)
    return pieces.total > STREAM_ABOVE ? pieces : null
  }

  /**
   * Sends the next piece of the state being streamed, and the next one once it is on its way; after the last, a
   * sync step 2 with the rest. One piece at a time waits to be sent, however slow the client: the socket's
   * buffer never holds the whole document, and whatever else the member is sent goes out between two pieces.
   */
  private sendPiece(): void {
    const pieces = this.streaming
    if (this.closed || !pieces) return
    const piece = pieces.next()
    if (piece) {
      this.send(encodeUpdateMessage(piece), () => {
        if (this.loading) this.send(encodeLoadingMessage(Math.min(pieces.sent, pieces.total), pieces.total))
        this.sendPiece()
      })
      return
    }
    this.streaming = null
    this.send(encodeSyncStep2Message(pieces.rest()))
  }

  private applyUpdate(update: Uint8Array): void {
    if (this.readOnly) {
      // Never applied, relayed or stored, and never acknowledged as saved.
      this.context.metrics.error('read-only-write')
      if (!this.readOnlyWarned) {
        this.readOnlyWarned = true
        this.context.logger.info(
          { doc: this.room.name, connection: this.id },
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
    // Refused before it is applied, stored or relayed; a document loaded over the limit can be read, not changed.
    const maxSize = this.context.maxDocumentSize
    if (this.room.size.wouldExceed(update.byteLength, maxSize)) {
      throw new RejectedMessage(CloseCode.documentTooLarge, 'document-too-large', documentTooLargeReason(maxSize))
    }
    const overBound = applyOrReject(() => this.room.apply(update, this, this))
    if (overBound) throw new RejectedMessage(CloseCode.pendingUnresolved, 'pending-unresolved', overBound)
    // Part of what this member sent waits for content the server has not seen; it is not stored until that
    // arrives, so it, and what this member sends after it, cannot be acknowledged as saved yet.
    if (this.saved && !this.room.pending.has(this)) this.acknowledgeWhenCommitted()
  }

  /** Acknowledges every change received so far once the write log has stored what it holds now. */
  private acknowledgeWhenCommitted(): void {
    this.ackPending = { count: this.changesReceived, seq: this.room.log.appended }
    this.committed(this.room.log.committed)
  }

  /**
   * Applies what this member may of an awareness update (see {@link Presence.judge}): entries for client ids a
   * live member owns are held back as a claim, and ids reserved for a person who left are theirs alone.
   */
  private applyAwareness(update: Uint8Array): void {
    const maxState = this.context.maxAwarenessSize
    if (update.byteLength > maxState * AWARENESS_STATES_PER_MESSAGE) {
      throw new RejectedMessage(
        CloseCode.updateRefused,
        'awareness-too-large',
        `update refused: an awareness message of ${update.byteLength} bytes, over the bound of ${maxState * AWARENESS_STATES_PER_MESSAGE}`,
      )
    }
    const presence = this.room.presence
    let verdict: ReturnType<typeof presence.judge>
    try {
      verdict = presence.judge(this, update, maxState)
    } catch (error) {
      if (error instanceof MalformedMessage) throw malformed(error)
      if (!(error instanceof PresenceRefused)) throw rejectedPayload(error)
      if (error.reason === 'too-large') {
        throw new RejectedMessage(CloseCode.updateRefused, 'awareness-too-large', `update refused: ${error.message}`)
      }
      throw new RejectedMessage(CloseCode.policyViolation, 'awareness-forgery', error.message)
    }
    // A person back after the server removed their state sends it again at the clock it had, which the removal
    // passed: tell them of the removal, and their client answers with its state at a newer clock (y-protocols
    // never lets a remote client remove the local state).
    if (verdict.stale.length > 0) this.send(encodeAwarenessMessage(presence.statesOf(verdict.stale)))
    if (verdict.reserved.length > 0) this.refuseReserved(verdict.reserved)
    if (verdict.claimed.length > 0) {
      this.context.metrics.error('awareness-forgery')
      this.context.logger.info(
        { doc: this.room.name, connection: this.id, clients: verdict.claimed },
        'holding back awareness for client ids another connection owns, and probing that connection',
      )
      presence.claim(this, verdict.claimed, update)
    }
    const allowed = verdict.apply
    if (allowed) applyOrReject(() => presence.apply(allowed, this))
  }

  /**
   * Answers a claim on client ids reserved for another person, who left and may come back: never applied. With
   * a verified identity it is a forgery and ends the member; without one the claimant may be that person
   * reconnecting from another address, so it only stays without effect.
   */
  private refuseReserved(ids: readonly number[]): void {
    if (this.identity.verified) {
      throw new RejectedMessage(
        CloseCode.policyViolation,
        'awareness-forgery',
        `the awareness client id ${ids[0]} belongs to another person`,
      )
    }
    this.context.metrics.error('awareness-forgery')
    this.context.logger.info(
      { doc: this.room.name, connection: this.id, clients: ids },
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
    if (error instanceof MalformedMessage) throw malformed(error)
    throw error
  }
}

/** The answer to a frame that is not a well-formed message: its reason says what was wrong. */
function malformed(error: MalformedMessage): RejectedMessage {
  return new RejectedMessage(CloseCode.protocolError, 'malformed-message', error.message)
}

function rejectedPayload(error: unknown): RejectedMessage {
  return new RejectedMessage(CloseCode.invalidPayload, 'rejected-update', `rejected payload: ${describe(error)}`)
}

function applyOrReject<T>(apply: () => T): T {
  try {
    return apply()
  } catch (error) {
    throw rejectedPayload(error)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function truncateReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason)
  if (bytes.byteLength <= 123) return reason
  return new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, '')
}
