import { type Access, docNameError, EXTENSIONS_PARAM, messageLoading } from '@tandem/protocol'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { type ReconnectOptions, resolveReconnect } from './backoff.js'
import { checkDocName } from './doc-name.js'
import { Emitter, type Listener } from './emitter.js'
import type { EditorError } from './errors.js'
import { type OfflineCopy, openOfflineCopy } from './offline.js'
import { type Peer, peersOf, watchPeers } from './peers.js'
import { type ConnectionStatus, ReconnectingSocket, type TokenSource } from './reconnecting-socket.js'
import { SavedAcknowledgement } from './saved-ack.js'
import { onServerMessage } from './server-messages.js'
import { normalizeServerUrl } from './server-url.js'
import { tokenAccess } from './token-access.js'
import { toAwarenessUser, type UserInfo } from './user.js'

/** How to open a document on a Tandem (or any y-websocket) server. */
export interface SessionOptions {
  /** The server, `ws://` or `wss://` (`http(s)://` is turned into the matching one). Required. */
  serverUrl: string
  /** The document's name, such as `"team/notes"`: 1-200 characters of `A-Z a-z 0-9 - _ . ~ @ : + =` and `/`. Required. */
  docName: string
  /** Who the local person is. @default an anonymous person with a default colour */
  user?: UserInfo
  /**
   * Credentials, sent as the `token` query parameter: a string, or a function that returns a fresh one (or a
   * promise of one) before every connection attempt.
   * @default no token
   */
  token?: TokenSource
  /**
   * Also keep the document in this browser's IndexedDB, so that a reload while the server is unreachable
   * shows the last content, and edits made offline survive a reload until they reach the server.
   * @default false
   */
  offline?: boolean
  /**
   * Connect at once (in a microtask, so that listeners added right after creation see the first `connecting`).
   * With `false`, call `connect()` when ready.
   * @default true
   */
  connect?: boolean
  /** The backoff between reconnection attempts. @default { minDelay: 250, maxDelay: 10000 } */
  reconnect?: ReconnectOptions
  /**
   * After this many ms without a message from the server the editor asks for one, and after 2.5 times as long
   * it gives up on the connection and reconnects: a connection that died silently is noticed within ~30 s.
   * `0` turns it off.
   * @default 10000
   */
  heartbeatInterval?: number
  /** More query parameters for the WebSocket URL. @default {} */
  params?: Record<string, string>
  /** Sync other tabs of this browser directly, through a BroadcastChannel. @default true */
  crossTab?: boolean
  /** Your own Y.Doc to sync; it is not destroyed with the session. @default a new Y.Doc */
  doc?: Y.Doc
  /** The WebSocket class, for environments without a global one. @default globalThis.WebSocket */
  WebSocket?: typeof WebSocket
}

/** How far a big document's first sync has come, in bytes of its state (the server's estimate). */
export interface LoadingProgress {
  /** Bytes received so far. */
  readonly received: number
  /** Bytes in all. */
  readonly total: number
}

/** The events of a {@link Session} (and of an editor): the arguments each listener gets. */
export interface SessionEvents {
  /** The connection moved: `connecting`, `connected` or `disconnected`. */
  status: [status: ConnectionStatus]
  /** The document now matches the server's; fires after every (re)connection. */
  synced: []
  /**
   * A big document is arriving in pieces (a Tandem server sends one over 1 MiB so): how much of it has come,
   * after each piece; then `null`, once it has all come or the connection closed.
   */
  loading: [progress: LoadingProgress | null]
  /**
   * Every local change is durable on the server: the server acknowledged the storage commit that covers it.
   * Needs a Tandem server; a stock y-websocket server never acknowledges, so this never fires there.
   */
  saved: []
  /**
   * A local change is not durable on the server yet: fires on the first change after everything was saved,
   * so that a page can show "Saving…" until the next `saved`.
   */
  unsaved: []
  /**
   * The people present changed: someone arrived, left, or changed name or colour. Also fires once right
   * after creation, with the local person alone.
   */
  peers: [peers: Peer[]]
  /** Something went wrong that the page should tell the person about, such as access denied. */
  error: [error: EditorError]
  /** The access the token grants changed (see `Session.access`). */
  access: [access: Access | null]
  /**
   * The document was renamed while open (the server closed with 4308): the session now syncs it under `to`,
   * and reconnects at once; nothing typed meanwhile is lost. Not fired when the new name is too long for a
   * close reason (over 123 characters): the session then goes on under the old name, which the server follows.
   */
  moved: [to: string, from: string]
}

/** A document open on a server: the Yjs document, the people present, and the connection. */
export interface Session {
  /** The document's name: the one it was opened with, or the one it was renamed to since (see `moved`). */
  readonly docName: string
  /** The Yjs document. */
  readonly doc: Y.Doc
  /** The shared text, `doc.getText('content')`. */
  readonly text: Y.Text
  /** The document's metadata, `doc.getMap('meta')`; `language` there picks the syntax highlighting. */
  readonly meta: Y.Map<unknown>
  /** Presence: the local person's `user` and `cursor`, and everyone else's. */
  readonly awareness: Awareness
  /** The underlying y-websocket provider, for what this API does not cover. Do not call connect() on it. */
  readonly provider: WebsocketProvider
  /** The connection's current status. */
  readonly status: ConnectionStatus
  /** Whether the document matches the server's (false while disconnected). */
  readonly synced: boolean
  /** While a big document arrives in pieces, how much of it has come; else `null`. */
  readonly loading: LoadingProgress | null
  /** Whether every local change is durable on the server (see the `saved` event). True before any change. */
  readonly saved: boolean
  /** The people present, local editor first. */
  readonly peers: Peer[]
  /**
   * What the current token grants, `read` or `write`, read from its claims; `null` without a token or for a
   * token that is not a Tandem token. A hint for the page (the server enforces access): createEditor makes the
   * view read-only for a `read` token.
   */
  readonly access: Access | null
  /**
   * Resolves once the offline copy (with `offline: true`) is loaded into the document; at once without it.
   * Rejects where the browser cannot keep one (no or broken IndexedDB); the editor works on without it.
   */
  readonly loaded: Promise<void>
  /** Whether destroy() was called. */
  readonly destroyed: boolean
  /** Listens to an event. */
  on<Name extends keyof SessionEvents>(name: Name, listener: Listener<SessionEvents[Name]>): void
  /** Stops listening to an event. */
  off<Name extends keyof SessionEvents>(name: Name, listener: Listener<SessionEvents[Name]>): void
  /** Changes the local person's name or colour, for everyone. */
  setUser(user: UserInfo): void
  /** Connects (again): after `connect: false`, after disconnect(), or after access was denied. */
  connect(): void
  /** Closes the connection and stays offline until connect(); edits keep working locally. */
  disconnect(): void
  /** Leaves: tells the others, closes the socket, stops every timer and listener. Safe to call twice. */
  destroy(): void
}

/**
 * Opens a document on a server: a Y.Doc synced through the stock y-websocket `WebsocketProvider`, with
 * Tandem's reconnection (exponential backoff with jitter, at once when the browser is back online, a heartbeat),
 * its saved acknowledgement, access errors, presence and an optional offline copy. It needs no editor: read and
 * change `session.text` directly, or bind any view to it. @tandem/editor builds its CodeMirror view on top
 * (`collab()`), and its `createEditor()` does both.
 */
export function createSession(options: SessionOptions): Session {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createSession() needs an options object with at least serverUrl and docName.')
  }
  const serverUrl = normalizeServerUrl(options.serverUrl)
  const docName = checkDocName(options.docName)
  const reconnect = resolveReconnect(options.reconnect)
  const heartbeatInterval = options.heartbeatInterval ?? 10_000
  if (!(Number.isFinite(heartbeatInterval) && heartbeatInterval >= 0)) {
    throw new RangeError(`heartbeatInterval must be 0 (off) or a number of milliseconds; got ${heartbeatInterval}.`)
  }
  const token = options.token
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'function') {
    throw new TypeError('The token option must be a string or a function that returns one (or a promise of one).')
  }
  const BaseWebSocket = options.WebSocket ?? globalThis.WebSocket
  if (typeof BaseWebSocket !== 'function') {
    throw new Error('There is no WebSocket in this environment; pass a WebSocket class as the WebSocket option.')
  }

  const ownDoc = options.doc === undefined
  const doc = options.doc ?? new Y.Doc()
  const awareness = new Awareness(doc)
  awareness.setLocalStateField('user', toAwarenessUser(options.user, doc.clientID))
  const emitter = new Emitter<SessionEvents>()

  let provider: WebsocketProvider | undefined
  const ack = new SavedAcknowledgement(
    doc,
    (origin) => origin === provider,
    (saved) => emitter.emit(saved ? 'saved' : 'unsaved'),
  )
  provider = new WebsocketProvider(serverUrl, docName, doc, {
    connect: false,
    awareness,
    params: { ...options.params, [EXTENSIONS_PARAM]: 'saved,moved,loading' },
    WebSocketPolyfill: ack.socketClass(BaseWebSocket),
    disableBc: options.crossTab === false,
  })
  ack.install(provider)
  let loading: LoadingProgress | null = null
  const setLoading = (progress: LoadingProgress | null) => {
    if (progress === null && loading === null) return
    loading = progress
    emitter.emit('loading', progress)
  }
  onServerMessage(provider, messageLoading, (message, fromSocket) => {
    if (message.type === 'loading' && fromSocket && !provider.synced) {
      setLoading({ received: message.sent, total: message.total })
    }
  })
  const onSync = (synced: boolean) => {
    if (!synced) return
    setLoading(null)
    emitter.emit('synced')
  }
  provider.on('sync', onSync)

  let access: Access | null = typeof token === 'string' ? tokenAccess(token) : null
  // Everyone's presence says who can only read: the access this person's token grants, as the token says. A
  // client can only claim less than it has without harm; the server enforces the access either way.
  // Only `read` is shown; other presence states stay exactly as before.
  const showAccess = () => {
    if (access === 'read') awareness.setLocalStateField('access', 'read')
    else if (awareness.getLocalState()?.access !== undefined) awareness.setLocalStateField('access', undefined)
  }
  showAccess()
  let currentName = docName
  const socket = new ReconnectingSocket(provider, {
    params: provider.params,
    token,
    reconnect,
    heartbeatInterval,
    onStatus: (status) => {
      if (status !== 'connected') setLoading(null)
      emitter.emit('status', status)
    },
    onError: (error) => {
      // An error nobody listens to would otherwise vanish, leaving a person staring at an editor that does not sync.
      if (!emitter.has('error')) console.warn(`Tandem editor (${currentName}): ${error.message}`)
      emitter.emit('error', error)
    },
    onMoved: (to) => {
      if (docNameError(to) !== null || to === currentName) return
      const from = currentName
      currentName = to
      // The next connection goes to the new name; other tabs are synced on the new name's channel too.
      provider.disconnectBc()
      provider.roomname = to
      provider.bcChannel = `${provider.serverUrl}/${to}`
      emitter.emit('moved', to, from)
    },
    onToken: (current) => {
      const next = current === undefined ? null : tokenAccess(current)
      if (next === access) return
      access = next
      showAccess()
      emitter.emit('access', next)
    },
  })
  const unwatchPeers = watchPeers(awareness, (peers) => emitter.emit('peers', peers))
  const offline: OfflineCopy | null = options.offline ? openOfflineCopy(serverUrl, docName, doc) : null
  let destroyed = false
  /** Whether connect() or disconnect() was called, which overrides the automatic start. */
  let touched = false

  const session: Session = {
    get docName() {
      return currentName
    },
    doc,
    text: doc.getText('content'),
    meta: doc.getMap('meta'),
    awareness,
    provider,
    get status() {
      return socket.status
    },
    get synced() {
      return provider.synced
    },
    get loading() {
      return loading
    },
    get saved() {
      return ack.saved
    },
    get peers() {
      return peersOf(awareness)
    },
    get access() {
      return access
    },
    loaded: offline ? offline.loaded : Promise.resolve(),
    get destroyed() {
      return destroyed
    },
    on: (name, listener) => emitter.on(name, listener),
    off: (name, listener) => emitter.off(name, listener),
    setUser(user) {
      if (destroyed) throw new Error('This session was destroyed; create a new one.')
      awareness.setLocalStateField('user', toAwarenessUser(user, doc.clientID))
    },
    connect() {
      if (destroyed) throw new Error('This session was destroyed; create a new one to connect again.')
      touched = true
      socket.start()
    },
    disconnect() {
      touched = true
      socket.stop()
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      unwatchPeers()
      // Leave first, while the socket is still open, so that the others see this person go at once.
      awareness.setLocalState(null)
      socket.destroy()
      provider.off('sync', onSync)
      provider.destroy()
      awareness.destroy()
      ack.destroy()
      void offline?.destroy()
      if (ownDoc) doc.destroy()
      emitter.clear()
    },
  }
  // In a microtask, so that listeners added right after createSession() returns get the first list of people
  // (just the local person) and the first `connecting`.
  queueMicrotask(() => {
    if (destroyed) return
    emitter.emit('peers', peersOf(awareness))
    if (options.connect !== false && !touched) socket.start()
  })
  return session
}
