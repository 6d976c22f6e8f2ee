/**
 * The client side of Tandem's opt-in "saved" acknowledgement.
 *
 * The server counts the document-changing messages (sync step 2 and update) each connection sends and, after
 * the storage commit covering the first N of them, sends `saved(N)`. This module counts the same messages on
 * the same socket (by wrapping the WebSocket class the provider uses) and works out whether every local change
 * is covered by an acknowledged message.
 *
 * A message covers every local change made before it only once the socket has sent its sync step 2: that
 * reply carries everything the server lacked when the connection opened, including changes made offline or
 * sent on an earlier socket that closed before its acknowledgement. Updates sent before it cover nothing yet.
 */
import { isDocumentChangingMessage, messageSaved, readMessage, SavedTracker } from '@tandem/protocol'
import type { WebsocketProvider } from 'y-websocket'
import type * as Y from 'yjs'
import { onServerMessage } from './server-messages.js'

/** @internal */
export class SavedAcknowledgement {
  /** Whether every local change is durable on the server. */
  saved = true
  private tracker = new SavedTracker()
  private socket: WebSocket | null = null
  private step2Sent = false
  /** Local changes so far; each one increments it. */
  private localSeq = 0
  /** The highest local change an acknowledgement covered. */
  private confirmedSeq = 0
  /** For each counted message of this socket that covers local changes: [message count, local seq]. */
  private covers: [number, number][] = []

  constructor(
    private readonly doc: Y.Doc,
    private readonly isRemote: (origin: unknown) => boolean,
    private readonly onChange: (saved: boolean) => void,
  ) {
    doc.on('update', this.onUpdate)
  }

  /** A WebSocket class whose sockets report what they send; for the provider's `WebSocketPolyfill` option. */
  socketClass(Base: typeof WebSocket): typeof WebSocket {
    const ack = this
    return class TrackedWebSocket extends Base {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols)
        ack.onSocket(this)
      }

      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
        super.send(data as never)
        if (ack.socket === this) ack.onSend(data)
      }
    }
  }

  /** Registers the handler of `saved(N)` messages on the provider. */
  install(provider: WebsocketProvider): void {
    onServerMessage(provider, messageSaved, (message, fromSocket) => {
      // An acknowledgement only means something on the socket that sent the counted messages.
      if (message.type === 'saved' && fromSocket) this.onAcknowledged(message.count)
    })
  }

  destroy(): void {
    this.doc.off('update', this.onUpdate)
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown) => {
    if (this.isRemote(origin)) return
    this.localSeq++
    this.set(false)
  }

  private onSocket(socket: WebSocket): void {
    this.socket = socket
    this.tracker = new SavedTracker()
    this.step2Sent = false
    this.covers = []
  }

  private onSend(data: unknown): void {
    const bytes = toBytes(data)
    if (!bytes || !isDocumentChangingMessage(bytes)) return
    this.tracker.onSend(bytes)
    if (readMessage(bytes).type === 'sync-step-2') this.step2Sent = true
    if (this.step2Sent) this.covers.push([this.tracker.sent, this.localSeq])
  }

  private onAcknowledged(count: number): void {
    this.tracker.onSaved(count)
    while (this.covers.length > 0 && this.covers[0]![0] <= this.tracker.acknowledged) {
      this.confirmedSeq = Math.max(this.confirmedSeq, this.covers.shift()![1])
    }
    this.set(this.confirmedSeq >= this.localSeq)
  }

  private set(saved: boolean): void {
    if (saved === this.saved) return
    this.saved = saved
    this.onChange(saved)
  }
}

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}
