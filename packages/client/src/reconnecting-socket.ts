/**
 * The provider's socket, kept open: when to connect, how long to wait before trying again, when to give up, and
 * how to notice a socket that died without closing. One ReconnectingSocket lives as long as its session, across
 * every socket the provider opens.
 *
 * The stock provider reconnects on its own with a fixed backoff and no jitter. This module takes that over: on
 * every close it clears the provider's `shouldConnect` (so the provider's own retry does nothing) and schedules
 * the next `provider.connect()` itself.
 */
import { CloseCode, encodeSyncStep1Message, isPermanentClose } from '@tandem/protocol'
import type { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { type ReconnectOptions, reconnectDelay } from './backoff.js'
import { type EditorError, errorFromClose, errorFromHttpStatus, errorFromToken } from './errors.js'

/** Where the connection to the server is. */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected'

/** A token to send as the `token` query parameter, or a function that fetches a fresh one before each attempt. */
export type TokenSource = string | (() => string | Promise<string>)

/**
 * A connection that stayed open this long did useful work: the next failure starts the backoff from the
 * beginning. One that the server closes sooner (even after syncing) keeps backing off, so a server that accepts
 * and then drops every connection is not hit in a tight loop.
 */
const STABLE_CONNECTION_MS = 5_000

/** @internal */
export interface ReconnectingSocketOptions {
  params: Record<string, string>
  token: TokenSource | undefined
  reconnect: Required<ReconnectOptions>
  /** Probe after this long without a message, in ms; give up at 2.5 times it. `0` turns the heartbeat off. */
  heartbeatInterval: number
  onStatus: (status: ConnectionStatus) => void
  onError: (error: EditorError) => void
  /** The server closed with 4308 (the document was renamed), `reason` being the new name if it fits. */
  onMoved: (reason: string) => void
  /** Called with the token of each attempt, before it connects. */
  onToken: (token: string | undefined) => void
}

/** @internal */
export class ReconnectingSocket {
  status: ConnectionStatus = 'disconnected'
  /** Whether the host wants to be connected; false after disconnect() and after access was denied. */
  private wanted = false
  private attempt = 0
  /** Bumped on every attempt and on stop(), so that a slow token fetch from an older attempt is dropped. */
  private generation = 0
  /** When the current socket opened, or 0 while it has not. */
  private openedAt = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined
  private lastProbe = 0
  private readonly abort = new AbortController()

  constructor(
    private readonly provider: WebsocketProvider,
    private readonly options: ReconnectingSocketOptions,
  ) {
    provider.on('status', this.onProviderStatus)
    provider.on('connection-close', this.onClose)
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.onOnline)
      window.addEventListener('offline', this.onOffline)
      document.addEventListener('visibilitychange', this.onVisible)
    }
  }

  /** Starts connecting, at once; does nothing when already connected or connecting. */
  start(): void {
    if (this.wanted) return
    this.wanted = true
    this.attempt = 0
    void this.open()
  }

  /** Closes the connection and stops reconnecting until start(). */
  stop(): void {
    this.wanted = false
    this.generation++
    this.clearRetry()
    this.provider.disconnect()
    this.setStatus('disconnected')
  }

  destroy(): void {
    this.stop()
    this.abort.abort()
    this.stopHeartbeat()
    this.provider.off('status', this.onProviderStatus)
    this.provider.off('connection-close', this.onClose)
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.onOnline)
      window.removeEventListener('offline', this.onOffline)
      document.removeEventListener('visibilitychange', this.onVisible)
    }
  }

  private async open(): Promise<void> {
    this.clearRetry()
    if (!this.wanted || this.provider.ws !== null) return
    const generation = ++this.generation
    this.setStatus('connecting')
    const source = this.options.token
    let token: unknown = source
    if (typeof source === 'function') {
      try {
        token = await source()
        if (typeof token !== 'string') throw new TypeError(`the token function returned ${typeof token}, not a string`)
      } catch (error) {
        if (generation !== this.generation) return
        this.options.onError(errorFromToken(error))
        this.setStatus('disconnected')
        this.scheduleRetry()
        return
      }
      if (generation !== this.generation || this.provider.ws !== null) return
    }
    this.options.onToken(typeof token === 'string' ? token : undefined)
    this.provider.params = typeof token === 'string' ? { ...this.options.params, token } : { ...this.options.params }
    this.openedAt = 0
    this.provider.connect()
  }

  private scheduleRetry(): void {
    this.clearRetry()
    const delay = reconnectDelay(this.attempt++, this.options.reconnect)
    this.retryTimer = setTimeout(() => void this.open(), delay)
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) return
    this.status = status
    if (status === 'connected') this.startHeartbeat()
    else this.stopHeartbeat()
    this.options.onStatus(status)
  }

  private readonly onProviderStatus = ({ status }: { status: ConnectionStatus }) => {
    if (status !== 'connected') return
    this.openedAt = Date.now()
    this.setStatus('connected')
  }

  private readonly onClose = (event: CloseEvent | null) => {
    // Our retry schedule replaces the provider's own (see the header comment).
    this.provider.shouldConnect = false
    const openedAt = this.openedAt
    this.openedAt = 0
    if (openedAt !== 0 && Date.now() - openedAt >= STABLE_CONNECTION_MS) this.attempt = 0
    if (!this.wanted) {
      this.setStatus('disconnected')
      return
    }
    if (event?.code === CloseCode.tokenExpired && typeof this.options.token === 'function') {
      // Fixable: the next attempt asks the token function for a fresh token. Through the backoff, so that a
      // function that keeps returning the expired token does not make a tight loop.
      this.setStatus('disconnected')
      this.scheduleRetry()
      return
    }
    if (event?.code === CloseCode.documentMoved) {
      // Not a failure: the session follows the new name and connects again at once.
      this.setStatus('disconnected')
      this.options.onMoved(event.reason)
      // After the provider has let go of the closed socket, which it does right after this event.
      this.attempt = 0
      this.clearRetry()
      this.retryTimer = setTimeout(() => void this.open(), 0)
      return
    }
    if (event && isPermanentClose(event.code)) {
      this.wanted = false
      this.setStatus('disconnected')
      this.options.onError(errorFromClose(event.code, event.reason))
      return
    }
    this.setStatus('disconnected')
    this.scheduleRetry()
    // Not "offline": the server answered, and said why it will not keep this connection for now.
    if (event?.code === CloseCode.rateLimited) this.options.onError(errorFromClose(event.code, event.reason))
    // Browsers hide the HTTP status of a refused upgrade: a 401 looks exactly like a server that is down.
    if (openedAt === 0 && event) void this.probeRefusal()
  }

  /**
   * Asks the server over plain HTTP, at the WebSocket's URL, why the upgrade failed: a server that refuses
   * access answers 401 or 403 there too. Only same-origin servers, or ones that allow it through CORS, can be
   * asked; anywhere else the fetch fails and the editor just keeps retrying.
   */
  private async probeRefusal(): Promise<void> {
    if (typeof fetch !== 'function') return
    let status: number
    try {
      const url = this.provider.url.replace(/^ws/, 'http')
      const response = await fetch(url, { cache: 'no-store', redirect: 'manual', signal: this.abort.signal })
      status = response.status
    } catch {
      return
    }
    const error = errorFromHttpStatus(status)
    if (!error || !this.wanted) return
    this.stop()
    this.options.onError(error)
  }

  private readonly onOnline = () => {
    if (!this.wanted || this.provider.ws !== null) return
    this.attempt = 0
    void this.open()
  }

  private readonly onOffline = () => {
    // Nothing gets through now, and the socket may not notice for a long time: close it, so that the status
    // says so at once and edits queue locally. The retries that follow fail fast until the network is back.
    if (this.wanted && this.provider.ws !== null) this.provider.disconnect()
  }

  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') this.onOnline()
  }

  private startHeartbeat(): void {
    const interval = this.options.heartbeatInterval
    if (interval <= 0 || this.heartbeatTimer !== undefined) return
    this.heartbeatTimer = setInterval(() => this.beat(interval), interval / 4)
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = undefined
  }

  /**
   * Browsers answer the server's pings without telling the page, so a connection that died without a close
   * (a laptop that slept, a NAT that forgot it) is only noticed by missing messages. After `interval` of
   * silence this sends sync step 1, which every y-websocket server answers; after 2.5 times `interval` it gives
   * up on the socket and reconnects.
   */
  private beat(interval: number): void {
    const ws = this.provider.ws
    if (!ws || !this.provider.wsconnected) return
    const now = Date.now()
    const silent = now - this.provider.wsLastMessageReceived
    if (silent >= interval * 2.5) {
      this.provider.disconnect()
      return
    }
    if (silent >= interval && this.lastProbe < this.provider.wsLastMessageReceived) {
      this.lastProbe = now
      ws.send(encodeSyncStep1Message(Y.encodeStateVector(this.provider.doc)))
    }
  }
}
