import {
  CloseCode,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  MalformedMessage,
  type Message,
  readMessage,
} from '@tandem/protocol'
import { WebSocket } from 'ws'

/**
 * What a load client does with what it receives. Every callback is optional. One that throws
 * `MalformedMessage` (as `readAwarenessEntries` does for an awareness update it cannot read) ends the connection
 * as a malformed frame does: with a protocol error, reported through `dropped`.
 */
export interface LiteHandlers {
  /**
   * The server's step 2 arrived: `update` is the whole document as it was when the client joined. Like every
   * payload handed to a handler, it is a view into the frame received, not a copy.
   */
  synced?(update: Uint8Array): void
  /** A sync update (or step 2 after the first) arrived, carrying the Yjs `update`. */
  update?(update: Uint8Array): void
  /** An awareness message arrived, carrying an awareness update (read it with `readAwarenessEntries`). */
  awareness?(update: Uint8Array): void
  /** Tandem acknowledged the first `count` document-changing messages as durable. */
  saved?(count: number): void
  /** The connection closed without this side asking. */
  dropped?(code: number): void
}

/** How to connect a load client. */
export interface LiteClientOptions {
  /** `ws://host:port`. */
  url: string
  room: string
  /**
   * Whether the server speaks the sync protocol itself (Tandem, the reference server): then it sends step 1 on
   * open, answers ours with step 2, and the client is synced on that step 2. The raw broadcaster only relays,
   * so there a client is synced once open.
   */
  serverSyncs: boolean
  /** Opt in to Tandem's saved acknowledgement. @default false */
  saved?: boolean
  handlers?: LiteHandlers
}

/** An upgrade not answered this long counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 30_000

/** Sync step 1 of a client that has nothing: an empty state vector. */
const EMPTY_STEP1 = encodeSyncStep1Message(new Uint8Array([0]))

/** Sync step 2 of a client that has nothing to give: an empty update (no structs, no deletions). */
const EMPTY_STEP2 = encodeSyncStep2Message(new Uint8Array([0, 0]))

/**
 * A simulated person without a Y.Doc: it does the sync handshake as an empty client, then sends pre-encoded
 * messages and hands what arrives to its handlers. Costs a socket and a few objects, so one load process can
 * run thousands.
 */
export class LiteClient {
  /** Document-changing messages (sync step 2 and update) sent, as Tandem's saved acknowledgement counts them. */
  changesSent = 0
  /** Frames and bytes received. */
  framesReceived = 0
  bytesReceived = 0
  private syncedResolve: (() => void) | null = null
  private syncedReject: ((error: Error) => void) | null = null
  private closing = false
  private isSynced = false
  /** Resolves once the client has the server's state (at once on the raw broadcaster). */
  readonly synced: Promise<void>

  private constructor(
    readonly ws: WebSocket,
    private readonly options: LiteClientOptions,
  ) {
    this.synced = new Promise((resolve, reject) => {
      this.syncedResolve = resolve
      this.syncedReject = reject
    })
    // Nobody may wait on it (a dropped idle connection, say); the rejection is reported through `dropped`.
    this.synced.catch(() => {})
    ws.on('message', (data: Buffer) => this.receive(data))
    ws.on('close', (code) => {
      this.syncedReject?.(new Error(`closed with ${code} before it synced`))
      if (!this.closing) this.options.handlers?.dropped?.(code)
    })
  }

  /** Opens a client; resolves once the socket is open (the handshake then runs on its own). */
  static connect(options: LiteClientOptions): Promise<LiteClient> {
    const query = options.saved ? '?tandem=saved' : ''
    const ws = new WebSocket(`${options.url}/${options.room}${query}`, {
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    })
    const client = new LiteClient(ws, options)
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error)
      ws.once('error', onError)
      ws.once('unexpected-response', (_request, response) => {
        reject(new Error(`the upgrade was refused with HTTP ${response.statusCode}`))
        ws.terminate()
      })
      ws.once('open', () => {
        ws.off('error', onError)
        ws.on('error', () => {})
        ws.send(EMPTY_STEP1)
        if (!options.serverSyncs) client.markSynced()
        resolve(client)
      })
    })
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  /** Sends one message. */
  send(message: Uint8Array): void {
    this.ws.send(message)
  }

  /** Sends a document-changing message (sync step 2 or update), counting it as Tandem does. */
  sendChange(message: Uint8Array): void {
    this.changesSent++
    this.ws.send(message)
  }

  /** Closes the connection; `dropped` is not called for it. */
  close(): void {
    this.closing = true
    this.ws.close()
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.closing = true
    this.ws.terminate()
  }

  private markSynced(): void {
    this.isSynced = true
    this.syncedResolve?.()
    this.syncedResolve = null
    this.syncedReject = null
  }

  private receive(data: Buffer): void {
    this.framesReceived++
    this.bytesReceived += data.byteLength
    try {
      this.dispatch(readMessage(data))
    } catch (error) {
      if (!(error instanceof MalformedMessage)) throw error
      // Only this connection ends, and its handlers hear of it as dropped.
      this.ws.close(CloseCode.protocolError, error.message)
    }
  }

  private dispatch(message: Message): void {
    const handlers = this.options.handlers
    switch (message.type) {
      case 'sync-step-1':
        // Only a server's step 1 is answered: on the raw broadcaster it is another client's, relayed.
        if (this.options.serverSyncs) this.sendChange(EMPTY_STEP2)
        break
      case 'sync-step-2':
        if (this.isSynced) handlers?.update?.(message.update)
        else if (this.options.serverSyncs) {
          handlers?.synced?.(message.update)
          this.markSynced()
        }
        break
      case 'sync-update':
        handlers?.update?.(message.update)
        break
      case 'awareness':
        handlers?.awareness?.(message.update)
        break
      case 'saved':
        handlers?.saved?.(message.count)
        break
      case 'query-awareness':
        // A server's question to the clients that keep awareness state; no server sends it.
        break
    }
  }
}

/** A client that is not synced this long after it opened counts as failed. */
const SYNC_TIMEOUT_MS = 30_000

/**
 * Opens `count` clients with at most `concurrency` handshakes in flight (a burst of thousands of SYNs would
 * overflow the listen backlog and measure the kernel), resolving once every one is open and synced, or failed.
 * `make` gives the options of client `i`; `onReady` runs as soon as client `i` is synced. The result is indexed
 * like `make`'s calls, with a hole for each client that failed.
 */
export async function connectMany(
  count: number,
  make: (index: number) => LiteClientOptions,
  onReady?: (client: LiteClient, index: number) => void,
  concurrency = 128,
): Promise<{ clients: (LiteClient | undefined)[]; failed: number }> {
  const clients: (LiteClient | undefined)[] = new Array(count).fill(undefined)
  let next = 0
  let failed = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      try {
        const client = await LiteClient.connect(make(index))
        const timer = setTimeout(() => client.terminate(), SYNC_TIMEOUT_MS)
        try {
          await client.synced
        } finally {
          clearTimeout(timer)
        }
        clients[index] = client
        onReady?.(client, index)
      } catch {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return { clients, failed }
}
