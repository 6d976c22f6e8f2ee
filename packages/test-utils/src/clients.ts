import { messageSaved, readMessage, SavedTracker } from '@tandem/protocol'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { WebSocketOptions } from './raw-client.js'

/** How to connect a test client. */
export interface ClientOptions {
  /** Opt in to Tandem's saved acknowledgement (`?tandem=saved`). @default false */
  saved?: boolean
  /** More URL query parameters. */
  params?: Record<string, string>
  /** The document to sync; a new one when omitted. */
  doc?: Y.Doc
  /** Longest wait between reconnection attempts, in ms. @default 500 */
  maxBackoffTime?: number
  /** Headers of the upgrade request (a session cookie, say), as a browser sends its cookies. @default none */
  headers?: Record<string, string>
  /** Certificates to trust for `wss://` besides the system's, as PEM (a test's self-signed one). @default none */
  ca?: string
  /** The TLS server name (SNI, and the name the certificate must have), as in `openRawClient`. @default the URL's */
  servername?: string
}

/** A stock y-websocket client in Node, with the bookkeeping tests need. */
export interface TestClient {
  readonly doc: Y.Doc
  readonly text: Y.Text
  readonly provider: WebsocketProvider
  /** The current connection's count of sent document changes and acknowledged saves. */
  readonly saves: SavedTracker
  /** Resolves once the provider is synced with the server. */
  synced(timeoutMs?: number): Promise<void>
  destroy(): void
}

/** Connects the real y-websocket `WebsocketProvider` (with the `ws` package as its WebSocket) to a server. */
export function connectClient(serverUrl: string, room: string, options: ClientOptions = {}): TestClient {
  // y-websocket adds a process 'exit' listener per provider in Node; tests run hundreds of them at once.
  if (process.getMaxListeners() < 10_000) process.setMaxListeners(10_000)
  const doc = options.doc ?? new Y.Doc()
  let saves = new SavedTracker()
  const wsOptions: WebSocketOptions = { headers: options.headers, ca: options.ca, servername: options.servername }
  // A WebSocket per connection attempt that counts what it sends, as the editor package does in browsers.
  class CountingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, wsOptions)
      saves = new SavedTracker()
    }
    override send(data: unknown, ...rest: unknown[]): void {
      if (data instanceof Uint8Array) saves.onSend(data)
      else if (data instanceof ArrayBuffer) saves.onSend(new Uint8Array(data))
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
    }
  }
  const params = { ...options.params, ...(options.saved ? { tandem: 'saved' } : {}) }
  const provider = new WebsocketProvider(serverUrl, room, doc, {
    WebSocketPolyfill: CountingWebSocket as unknown as typeof globalThis.WebSocket,
    params,
    disableBc: true,
    maxBackoffTime: options.maxBackoffTime ?? 500,
  })
  provider.messageHandlers[messageSaved] = (_encoder, decoder) => {
    // The provider's decoder is over the whole frame, already past the message type.
    const message = readMessage(decoder.arr)
    if (message.type === 'saved') saves.onSaved(message.count)
  }
  return {
    doc,
    text: doc.getText('content'),
    provider,
    get saves() {
      return saves
    },
    synced(timeoutMs = 10_000) {
      if (provider.synced) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not synced with ${room} within ${timeoutMs} ms`)), timeoutMs)
        const onSync = (synced: boolean) => {
          if (!synced) return
          clearTimeout(timer)
          provider.off('sync', onSync)
          resolve()
        }
        provider.on('sync', onSync)
      })
    },
    destroy() {
      provider.destroy()
      doc.destroy()
    },
  }
}

/** Polls `condition` until it returns true, or rejects after `timeoutMs` with `what` in the message. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
