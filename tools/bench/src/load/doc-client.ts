import {
  CloseCode,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  MalformedMessage,
  type Message,
  readMessage,
} from '@tandem/protocol'
import { WebSocket } from 'ws'
import * as Y from 'yjs'

/** How to connect a {@link DocClient}. */
export interface DocClientOptions {
  url: string
  room: string
  /** See `LiteClientOptions.serverSyncs`. */
  serverSyncs: boolean
  saved?: boolean
  /** Called after every remote update has been applied to the client's document. */
  onApplied?(): void
  onSaved?(count: number): void
}

/** When a {@link DocClient}'s first sync happened, in `performance.now()` ms. */
export interface SyncTimings {
  started: number
  opened: number
  /**
   * The document began to arrive: the server's step 2, or the first piece of a big document's state (which
   * comes as updates before the step 2).
   */
  received: number
  /** ...and all of it was applied to the client's Y.Doc. */
  applied: number
  /** Bytes of the sync messages that brought it: the step 2 and any pieces before it. */
  bytes: number
}

/**
 * A client with a real Y.Doc, like a y-websocket provider without the reconnection logic: for measuring how
 * long a fresh client takes to hold a whole document, and for replaying traces where clients must end with the
 * right text.
 */
export class DocClient {
  readonly doc = new Y.Doc()
  readonly text = this.doc.getText('content')
  readonly timings: SyncTimings = { started: performance.now(), opened: 0, received: 0, applied: 0, bytes: 0 }
  changesSent = 0
  private isSynced = false
  private syncedResolve: (() => void) | null = null
  readonly synced: Promise<void>
  private readonly ws: WebSocket

  constructor(private readonly options: DocClientOptions) {
    this.synced = new Promise((resolve) => {
      this.syncedResolve = resolve
    })
    this.ws = new WebSocket(`${options.url}/${options.room}${options.saved ? '?tandem=saved' : ''}`, {
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
    })
    this.ws.binaryType = 'nodebuffer'
    this.ws.on('error', () => {})
    this.ws.on('open', () => {
      this.timings.opened = performance.now()
      this.ws.send(encodeSyncStep1Message(Y.encodeStateVector(this.doc)))
      if (!options.serverSyncs) this.markSynced()
    })
    this.ws.on('message', (data: Buffer) => this.receive(data))
  }

  /** Resolves once synced, or rejects after `timeoutMs`. */
  async waitSynced(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not synced within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      await Promise.race([this.synced, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Applies a (pre-encoded) local update and sends it, as a person's edit. */
  sendUpdate(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, this)
    this.changesSent++
    this.ws.send(encodeUpdateMessage(update))
  }

  close(): void {
    this.ws.close()
    this.doc.destroy()
  }

  private markSynced(): void {
    this.isSynced = true
    this.syncedResolve?.()
  }

  private receive(data: Buffer): void {
    let message: Message
    try {
      message = readMessage(data)
    } catch (error) {
      if (!(error instanceof MalformedMessage)) throw error
      // The client then never syncs, and waitSynced says so.
      this.ws.close(CloseCode.protocolError, error.message)
      return
    }
    if (message.type === 'saved') {
      this.options.onSaved?.(message.count)
      return
    }
    if (message.type === 'sync-step-1') {
      this.changesSent++
      this.ws.send(encodeSyncStep2Message(Y.encodeStateAsUpdate(this.doc, message.stateVector)))
      return
    }
    if (message.type !== 'sync-step-2' && message.type !== 'sync-update') return
    const first = message.type === 'sync-step-2' && !this.isSynced
    if (!this.isSynced) {
      if (this.timings.received === 0) this.timings.received = performance.now()
      this.timings.bytes += data.byteLength
    }
    Y.applyUpdate(this.doc, message.update, 'remote')
    if (first && this.options.serverSyncs) {
      this.timings.applied = performance.now()
      this.markSynced()
    }
    this.options.onApplied?.()
  }
}
