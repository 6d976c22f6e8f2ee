import { encodeSyncStep1Message, encodeSyncStep2Message, isEmptyUpdate } from '@tandem/protocol'
import * as Y from 'yjs'
import { encodeTransactionUpdate } from './transaction-update.js'

/** The origin of the transaction that applies a document's stored state to its Y.Doc. */
const storedOrigin = Symbol('stored state')

let nextGuid = 1

/** How many answers to different state vectors are kept between two changes of the document. */
const MAX_KEPT_ANSWERS = 16

/**
 * A document's Y.Doc, as the server syncs newcomers from it: the server's step 1 and the step 2 that answers an
 * empty state vector (the whole document) are kept until the document next changes, so that every newcomer
 * of an unchanged document costs no encoding.
 *
 * After a load from storage the stored state is not applied at once: a fresh client is answered with the stored
 * bytes themselves, and the Y.Doc gets them only once that answer is on its way (see {@link applySoon}), so the
 * client's apply runs while the server's does. Anything else that needs the document calls {@link applied}, which applies them first, so
 * nothing ever sees the Y.Doc without its stored state; the server's step 1 (which needs the state vector) and
 * the Y.Doc's `update` listeners wait for it (see {@link sendStep1} and {@link onUpdate}).
 *
 * The stored bytes are not read before they are sent: storage holds only what this server encoded, and reading
 * them would take as long as the client's own apply does. Should they not apply, the document becomes unusable
 * (every read of it throws), and none of it is ever stored again.
 */
export class SyncSource {
  /**
   * The Y.Doc, possibly without its stored state yet: only for what does not read its content (awareness,
   * destroying it).
   */
  // Yjs gives every Y.Doc a random uuid as its guid, which costs 32 calls to the system's random source; the
  // guid only matters for subdocuments, which the server never creates.
  readonly raw: Y.Doc
  /** The stored state not yet applied to {@link raw}. */
  private unapplied: Uint8Array | null = null
  /** What waits for the stored state to be applied. */
  private afterApply: (() => void)[] = []
  private step1: Uint8Array | null = null
  private step2: Uint8Array | null = null
  /**
   * Answers to non-empty state vectors, by state vector, until the document next changes: a client that asks
   * the same question again and again costs one encoding, not one per question.
   */
  private answers: Map<string, Uint8Array> | null = null
  private applyScheduled = false
  /** Why the stored state could not be applied; the document is unusable then. */
  private failure: unknown = null

  /**
   * `gc: false` keeps deleted content in the document (and in every state it encodes), so that any earlier
   * state can be rebuilt from a Yjs snapshot: what history needs.
   */
  constructor(options: { readonly gc?: boolean } = {}) {
    this.raw = new Y.Doc({ guid: `tandem-${nextGuid++}`, gc: options.gc ?? true })
    this.raw.on('afterTransaction', this.onTransaction)
  }

  /** The Y.Doc with everything it holds; the first call after a load applies the stored state. */
  applied(): Y.Doc {
    if (this.unapplied) this.applyStored()
    if (this.failure !== null) throw this.failure
    return this.raw
  }

  /** Whether the stored state is still waiting to be applied. */
  get deferred(): boolean {
    return this.unapplied !== null
  }

  /** Takes the state a document was stored with, as one update, to apply when it is first needed. */
  restore(update: Uint8Array): void {
    if (isEmptyUpdate(update)) return
    this.unapplied = update
  }

  /**
   * Calls `listener` with the update (v1) and origin of every transaction that changes the Y.Doc, as Yjs's `update`
   * event would, but encoded before Yjs merges the transaction's structs (see {@link encodeTransactionUpdate}). It
   * never sees the stored state: while that waits, the listener is added once it is applied (1 MB of stored state
   * would be encoded only to be ignored). Returns the function that removes the listener.
   */
  onUpdate(listener: (update: Uint8Array, origin: unknown) => void): () => void {
    let removed = false
    const onTransaction = (transaction: Y.Transaction): void => {
      const update = encodeTransactionUpdate(transaction)
      if (update) listener(update, transaction.origin)
    }
    this.whenApplied(() => {
      if (!removed) this.raw.on('afterTransaction', onTransaction)
    })
    return () => {
      removed = true
      this.raw.off('afterTransaction', onTransaction)
    }
  }

  /** Hands `send` the server's step 1 message: at once, or once the stored state is applied. */
  sendStep1(send: (message: Uint8Array) => void): void {
    this.whenApplied(() => send(this.step1Message()))
  }

  /** Runs `then` at once, or once the stored state is applied if that still waits. */
  whenApplied(then: () => void): void {
    if (this.unapplied) this.afterApply.push(then)
    else then()
  }

  /**
   * The sync step 2 message answering a client's step 1 with `stateVector`. Throws when `stateVector` cannot be
   * read.
   */
  step2Message(stateVector: Uint8Array): Uint8Array {
    // A client with nothing sends the empty state vector: it gets the whole document.
    if (stateVector.length !== 1 || stateVector[0] !== 0) {
      const key = Buffer.from(stateVector.buffer, stateVector.byteOffset, stateVector.byteLength).toString('latin1')
      this.answers ??= new Map()
      let answer = this.answers.get(key)
      if (!answer) {
        answer = encodeSyncStep2Message(Y.encodeStateAsUpdate(this.applied(), stateVector))
        if (this.answers.size >= MAX_KEPT_ANSWERS) this.answers.clear()
        this.answers.set(key, answer)
      }
      return answer
    }
    if (this.failure !== null) throw this.failure
    this.step2 ??= encodeSyncStep2Message(this.unapplied ?? Y.encodeStateAsUpdate(this.applied()))
    return this.step2
  }

  /**
   * Applies the stored state in a later event-loop turn, if it is still waiting: call once an answer sent from
   * the stored bytes has been handed to the network, so that applying them does not hold that answer back.
   */
  applySoon(): void {
    if (!this.unapplied || this.applyScheduled) return
    this.applyScheduled = true
    setImmediate(() => {
      this.applyScheduled = false
      // A failure is reported to whoever reads the document next.
      if (this.unapplied && !this.raw.isDestroyed) this.applyStored()
    })
  }

  private step1Message(): Uint8Array {
    this.step1 ??= encodeSyncStep1Message(Y.encodeStateVector(this.applied()))
    return this.step1
  }

  private applyStored(): void {
    const update = this.unapplied as Uint8Array
    this.unapplied = null
    const waiting = this.afterApply
    this.afterApply = []
    try {
      Y.applyUpdate(this.raw, update, storedOrigin)
    } catch (error) {
      // The Y.Doc may hold part of the stored state: nothing may read it, encode it or store it from now on, and
      // no one is sent the stored bytes again.
      this.failure = new Error(`The stored state of this document could not be applied: ${String(error)}`)
      this.step1 = null
      this.step2 = null
      return
    }
    for (const then of waiting) then()
  }

  private readonly onTransaction = (transaction: Y.Transaction): void => {
    // The stored state describes the document it is applied to (an empty one): the encodings stay valid.
    if (transaction.origin === storedOrigin) return
    this.step1 = null
    this.step2 = null
    this.answers = null
  }
}
