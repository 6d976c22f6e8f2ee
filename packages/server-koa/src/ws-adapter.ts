import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { docNameFromPath, EXTENSIONS_PARAM, parseExtensions } from '@tandem/protocol'
import { WebSocket, WebSocketServer } from 'ws'
import type { AccessPolicy, UpgradeDecision } from './access-policy.js'
import type { Connection } from './connection.js'
import type { SyncMetrics } from './sync-metrics.js'
import { noMetrics } from './sync-metrics.js'
import type { SyncServer } from './sync-server.js'
import { DEFAULT_MAX_MESSAGE_SIZE } from './write-limits.js'

/** Settings of the WebSocket endpoint. */
export interface AttachOptions {
  /**
   * The path under which documents are served: with `/collab`, `ws://host/collab/team/notes` is the document
   * `team/notes`. Upgrades outside it are refused with 404. @default '' (the document name is the whole path)
   */
  prefix?: string
  /**
   * The largest frame accepted, in bytes; a larger one closes the connection with 1009. Give the sync server the
   * same `maxMessageSize`. @default 16 MiB
   */
  maxPayload?: number
  /** How often every connection is pinged, in ms; one that has not answered the previous ping is dropped. @default 30000 */
  pingInterval?: number
  /** The same metrics the sync server reports to, for socket-level errors. @default noMetrics */
  metrics?: SyncMetrics
  /** Who may connect, from where and how often. @default everyone may edit everything, from anywhere */
  policy?: AccessPolicy
}

/** The WebSocket endpoint attached to an HTTP server. */
export interface AttachedEndpoint {
  /** The underlying `ws` server. */
  readonly wss: WebSocketServer
  /** Stops the heartbeat and refuses further upgrades. Connections are closed by the sync server's `close()`. */
  close(): void
}

/**
 * Serves Tandem's y-websocket-compatible endpoint on an existing `http.Server` (the upgrade handshake).
 *
 * The document is loaded before the handshake completes, so a client never sees an empty document in place
 * of one that is still loading, and a storage failure answers 503 instead of serving nothing. A bad document
 * name answers 400 with the reason. permessage-deflate is off: Yjs updates compress poorly and deflate costs
 * memory per connection.
 */
export function attachSyncServer(server: Server, sync: SyncServer, options: AttachOptions = {}): AttachedEndpoint {
  const prefix = (options.prefix ?? '').replace(/\/$/, '')
  const metrics = options.metrics ?? noMetrics
  const logger = sync.logger
  const limits = options.policy?.limits
  function onUpgradeError(this: Duplex, error: Error): void {
    logger.debug({ err: error }, 'socket error during the upgrade')
  }

  /**
   * The endpoint's WebSocket: it hands its events straight to its connection instead of through listeners, so
   * an idle connection holds no listener entries or closures of its own, and what the endpoint keeps of it is
   * in its own fields.
   */
  class ConnectionSocket extends WebSocket {
    connection: Connection | null = null
    /** The client's IP, as the access policy saw it (for the per-IP limits). */
    ip = ''
    /** Whether the socket answered the last ping (or is new). */
    alive = true

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      const connection = this.connection
      switch (event) {
        case 'message':
          connection?.receive(args[0] as Buffer, args[1] as boolean)
          return true
        case 'pong':
          this.alive = true
          connection?.handlePong()
          return true
        case 'error':
          // ws closes the socket itself after an error (for example 1009 for an oversized frame).
          metrics.error('socket-error')
          logger.warn({ err: args[0], doc: connection?.doc.name, connection: connection?.id }, 'WebSocket error')
          return true
        case 'close':
          if (connection) {
            connection.handleClosed()
            limits?.closed(this.ip, connection.doc.name)
          }
          break
      }
      // ws's own listeners, such as the server's list of its clients.
      return super.emit(event, ...args)
    }
  }

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_MESSAGE_SIZE,
    WebSocket: ConnectionSocket,
  })
  let closed = false

  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', onUpgradeError)
    if (closed || sync.isClosing) return refuse(socket, 503, 'The server is shutting down; try again shortly.')
    const url = request.url ?? '/'
    if (!url.startsWith(`${prefix}/`)) return refuse(socket, 404, `No documents are served at ${url.split('?')[0]}.`)
    const parsed = docNameFromPath(url.slice(prefix.length))
    if (!parsed.ok) return refuse(socket, 400, `Invalid document name: ${parsed.error}.`)
    const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
    const decision: UpgradeDecision = options.policy
      ? await options.policy.checkUpgrade(request, parsed.name, query)
      : acceptEveryone(request.socket.remoteAddress ?? 'unknown')
    if (decision.kind === 'refuse') return refuse(socket, decision.status, decision.message, decision.retryAfter)
    if (decision.kind === 'close') {
      logger.info({ doc: parsed.name, ip: decision.ip, code: decision.code, reason: decision.message }, 'access denied')
      // Nothing is loaded and nothing of the document is sent: the socket is closed as soon as it opens.
      return wss.handleUpgrade(request, socket, head, (ws) => ws.close(decision.code, decision.message.slice(0, 120)))
    }
    let doc: Awaited<ReturnType<SyncServer['openDocument']>>
    try {
      doc = await sync.openDocument(parsed.name)
    } catch {
      return refuse(socket, 503, 'The document could not be loaded from storage; try again later.')
    }
    if (socket.destroyed) return sync.releaseDocument(doc)
    // ws answers a malformed handshake itself and never calls back: give the document back then.
    const releaseUnaccepted = () => sync.releaseDocument(doc)
    socket.once('close', releaseUnaccepted)
    const saved = parseExtensions(query.get(EXTENSIONS_PARAM)).has('saved')
    // The 101 response, the server's step 1 and the room's awareness leave in one write.
    socket.cork()
    try {
      wss.handleUpgrade(request, socket, head, (ws) => {
        // ws has its own socket listeners now; the upgrade's would only keep this request's variables alive.
        socket.off('close', releaseUnaccepted)
        socket.off('error', onUpgradeError)
        const bound = ws as ConnectionSocket
        bound.connection = sync.connect(ws, doc, {
          saved,
          readOnly: decision.readOnly,
          expiresAt: decision.expiresAt,
          identity: decision.identity,
        })
        bound.ip = decision.ip
        limits?.opened(decision.ip, doc.name)
      })
    } finally {
      socket.uncork()
    }
  }

  const listener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    onUpgrade(request, socket, head).catch((error) => {
      logger.error({ err: error }, 'upgrade failed')
      refuse(socket, 500, 'The server failed to accept the connection.')
    })
  }
  server.on('upgrade', listener)

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients as Set<ConnectionSocket>) {
      const connection = ws.connection
      if (!connection) continue
      if (!ws.alive) {
        metrics.error('heartbeat-timeout')
        logger.info(
          { doc: connection.doc.name, connection: connection.id },
          'dropping a connection that missed its ping',
        )
        ws.terminate()
        continue
      }
      ws.alive = false
      ws.ping()
    }
  }, options.pingInterval ?? 30_000)
  heartbeat.unref()

  return {
    wss,
    close() {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      server.off('upgrade', listener)
      wss.close()
    },
  }
}

/** The decision without an access policy: everyone may edit, and a person is known by their address. */
function acceptEveryone(ip: string): UpgradeDecision {
  return { kind: 'accept', ip, readOnly: false, expiresAt: null, identity: { key: `ip:${ip}`, verified: false } }
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** Answers an upgrade request with an HTTP error and a one-line reason, then closes the socket. */
function refuse(socket: Duplex, status: number, message: string, retryAfter?: number): void {
  if (socket.destroyed) return
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      (retryAfter ? `Retry-After: ${retryAfter}\r\n` : '') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
