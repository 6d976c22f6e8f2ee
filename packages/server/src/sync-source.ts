import { encodeSyncStep1Message, encodeSyncStep2Message } from '@tandem/protocol'
import * as Y from 'yjs'

let nextGuid = 1

/**
 * A document's Y.Doc, as the server syncs newcomers from it: the server's step 1 and the step 2 that answers an
 * empty state vector (the whole document) are kept until the document next changes, so that every newcomer
 * of an unchanged document costs no encoding.
 */
export class SyncSource {
  // Yjs gives every Y.Doc a random uuid as its guid, which costs 32 calls to the system's random source; the
  // guid only matters for subdocuments, which the server never creates.
  readonly raw = new Y.Doc({ guid: `tandem-${nextGuid++}` })
  private step1: Uint8Array | null = null
  private step2: Uint8Array | null = null

  constructor() {
    this.raw.on('afterTransaction', this.onTransaction)
  }

  /** The Y.Doc. */
  get doc(): Y.Doc {
    return this.raw
  }

  /** The server's sync step 1 message. */
  step1Message(): Uint8Array {
    this.step1 ??= encodeSyncStep1Message(Y.encodeStateVector(this.doc))
    return this.step1
  }

  /**
   * The sync step 2 message answering a client's step 1 with `stateVector`. Throws when `stateVector` cannot be
   * read.
   */
  step2Message(stateVector: Uint8Array): Uint8Array {
    // A client with nothing sends the empty state vector: it gets the whole document.
    if (stateVector.length !== 1 || stateVector[0] !== 0) {
      return encodeSyncStep2Message(Y.encodeStateAsUpdate(this.doc, stateVector))
    }
    this.step2 ??= encodeSyncStep2Message(Y.encodeStateAsUpdate(this.doc))
    return this.step2
  }

  private readonly onTransaction = (): void => {
    this.step1 = null
    this.step2 = null
  }
}
