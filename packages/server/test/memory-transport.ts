/**
 * A transport that is not a WebSocket: the sync core's members over pairs of in-memory sockets, and a client
 * that speaks Tandem's protocol from a Y.Doc. It goes the way a transport adapter does: authenticate, open the
 * room, make the socket a member.
 */
import {
  EXTENSIONS_PARAM,
  encodeAwarenessMessage,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  readMessage,
} from '@tandem/protocol'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import {
  type DocStore,
  type Member,
  MemoryStore,
  type StoreEntry,
  type SyncServer,
  type SyncSocket,
} from '../src/index.js'

const fromServer = Symbol('from the server')

/** How a test connects. */
export interface MemoryClientOptions {
  /** Ask for saved acknowledgements. @default false */
  saved?: boolean
  /** Ask for loading progress. @default false */
  loading?: boolean
  /** Request headers the `authenticate` hooks see. @default none */
  headers?: Record<string, string>
  /** The client's address. @default '10.0.0.1' */
  ip?: string
}

/** A client of a room over memory: its document, its presence, and what the server told it. */
export class MemoryClient {
  readonly doc = new Y.Doc()
  readonly awareness = new Awareness(this.doc)
  /** The close code and reason, once the server closed the connection. */
  closed: { code: number; reason: string } | null = null
  /** Whether the server's sync step 2 arrived. */
  synced = false
  /** The latest count of changes the server says are stored. */
  savedCount = 0
  /** Sync updates received before the server's sync step 2: the pieces of a streamed sync. */
  piecesBeforeSync = 0
  /** Sync step 2 messages received. */
  step2s = 0
  /** Every loading message: [sent, total]. */
  readonly progress: [sent: number, total: number][] = []
  /** Document-changing messages sent. */
  sent = 0
  member: Member | null = null
  private readonly socket: SyncSocket

  constructor() {
    const client = this
    this.socket = {
      bufferedAmount: 0,
      send(data: Uint8Array, sent?: () => void) {
        // Delivered in a later turn, as a network would.
        const copy = data.slice()
        setImmediate(() => {
          sent?.()
          client.receive(copy)
        })
      },
      close(code: number, reason: string) {
        client.closed ??= { code, reason }
      },
      terminate() {
        client.closed ??= { code: 1006, reason: '' }
      },
    }
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== fromServer) this.sendToServer(encodeUpdateMessage(update), true)
    })
    this.awareness.on('update', ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
      if (origin === fromServer) return
      const ids = [...(added ?? []), ...(updated ?? []), ...(removed ?? [])]
      this.sendToServer(encodeAwarenessMessage(encodeAwarenessUpdate(this.awareness, ids)), false)
    })
  }

  /** The document's `content` text. */
  get text(): string {
    return this.doc.getText('content').toString()
  }

  /**
   * Connects to the room `name` as an adapter would: the `authenticate` hooks, then the room, then the member.
   * Rejects with what authentication or loading threw.
   */
  async connect(sync: SyncServer, name: string, options: MemoryClientOptions = {}): Promise<this> {
    const extensions = [options.saved ? 'saved' : '', options.loading ? 'loading' : ''].filter(Boolean).join(',')
    const query = new URLSearchParams(extensions ? { [EXTENSIONS_PARAM]: extensions } : {})
    const access = await sync.authenticate({
      documentName: name,
      headers: options.headers ?? {},
      query,
      ip: options.ip ?? '10.0.0.1',
    })
    const room = await sync.openRoom(name)
    this.member = sync.connect(this.socket, room, {
      saved: options.saved ?? false,
      loading: options.loading ?? false,
      readOnly: access.access !== 'write',
      expiresAt: access.expiresAt ?? null,
      identity: access.identity,
    })
    this.sendToServer(encodeSyncStep1Message(Y.encodeStateVector(this.doc)), false)
    return this
  }

  /** Inserts `text` at the end of the document. */
  type(text: string): void {
    const content = this.doc.getText('content')
    content.insert(content.length, text)
  }

  /** Sends raw bytes, as a client may. */
  sendRaw(frame: Uint8Array): void {
    this.member?.receive(frame, true)
  }

  /** Leaves, as a closed socket does. */
  disconnect(): void {
    this.member?.handleClosed()
  }

  /** Leaves and frees the client's document and presence. */
  destroy(): void {
    this.disconnect()
    this.awareness.destroy()
    this.doc.destroy()
  }

  private sendToServer(frame: Uint8Array, changes: boolean): void {
    if (!this.member || this.closed) return
    if (changes) this.sent++
    this.member.receive(frame, true)
  }

  private receive(frame: Uint8Array): void {
    if (this.closed) return
    const message = readMessage(frame)
    switch (message.type) {
      case 'sync-step-1':
        this.sendToServer(encodeSyncStep2Message(Y.encodeStateAsUpdate(this.doc, message.stateVector)), true)
        break
      case 'sync-step-2':
        Y.applyUpdate(this.doc, message.update, fromServer)
        this.synced = true
        this.step2s++
        break
      case 'sync-update':
        Y.applyUpdate(this.doc, message.update, fromServer)
        if (!this.synced) this.piecesBeforeSync++
        break
      case 'loading':
        this.progress.push([message.sent, message.total])
        break
      case 'awareness':
        applyAwarenessUpdate(this.awareness, message.update, fromServer)
        break
      case 'saved':
        this.savedCount = message.count
        break
      case 'query-awareness':
        break
    }
  }
}

/** Polls `condition` until it holds, or throws after `timeoutMs` naming `what`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** The `content` text of what `store` holds for `name`: its snapshot and log, applied to a fresh Y.Doc. */
export async function storedText(store: DocStore, name: string): Promise<string> {
  const stored = await store.load(name)
  const doc = new Y.Doc()
  for (const update of [...(stored?.snapshot ? [stored.snapshot] : []), ...(stored?.updates ?? [])]) {
    Y.applyUpdate(doc, update)
  }
  return doc.getText('content').toString()
}

/** A memory store whose appends wait at a gate the test opens. */
export class GatedStore extends MemoryStore {
  /** Appends waiting at the gate. */
  waiting = 0
  /** Appends that have come to the gate, open or not, since the store was made. */
  arrived = 0
  private gate: (() => void) | null = null
  private held: Promise<void> | null = null

  hold(): void {
    this.held = new Promise((resolve) => {
      this.gate = resolve
    })
  }

  open(): void {
    this.gate?.()
    this.held = null
  }

  override async append(entries: readonly StoreEntry[]): Promise<void> {
    this.arrived++
    this.waiting++
    await this.held
    this.waiting--
    return super.append(entries)
  }
}
