import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { CloseCode, docNameFromPath, EXTENSIONS_PARAM, MAX_CLOSE_REASON, parseExtensions } from '@tandem/protocol'
import {
  AccessDenied,
  DEFAULT_MAX_MESSAGE_SIZE,
  DocumentGone,
  type Member,
  noMetrics,
  type Room,
  type SyncMetrics,
  type SyncServer,
} from '@tandem/server'
import { WebSocket, WebSocketServer } from 'ws'
import { type AccessPolicy, stripMapped } from './access-policy.js'

/** How often the endpoint pings every connection, in ms: below nginx's default 60 s `proxy_read_timeout`. */
export const DEFAULT_PING_INTERVAL = 30_000

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
 * Serves Tandem's y-websocket-compatible endpoint on an existing `http.Server` (the upgrade handshake). Each
 * upgrade passes the access policy (rate and origin), the sync server's `authenticate` hooks, and loads its
 * room, in that order, before the handshake completes.
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
   * The endpoint's WebSocket: it hands its events straight to its member instead of through listeners, so an
   * idle connection holds no listener entries or closures of its own, and what the endpoint keeps of it is in
   * its own fields. ws delivers a socket's events through `emit`: this is where every frame enters the core.
   */
  class ConnectionSocket extends WebSocket {
    member: Member | null = null
    /** The client's IP, as the access policy saw it (for the per-IP limits). */
    ip = ''
    /**
     * Whether the socket answered the last ping, sent a message since it, or is new. A message counts: on a slow
     * link the ping waits behind what is being sent to the client (a big document's pieces), and its answer comes
     * late, while the client goes on talking.
     */
    alive = true

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      const connection = this.member
      switch (event) {
        case 'message':
          this.alive = true
          connection?.receive(args[0] as Buffer, args[1] as boolean)
          return true
        case 'pong':
          this.alive = true
          connection?.handlePong()
          return true
        case 'error':
          // ws closes the socket itself after an error (for example 1009 for an oversized frame).
          metrics.error('socket-error')
          logger.warn({ err: args[0], doc: connection?.room.name, connection: connection?.id }, 'WebSocket error')
          return true
        case 'close':
          if (connection) {
            connection.handleClosed()
            limits?.closed(this.ip, connection.room.name)
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
    const extensions = parseExtensions(query.get(EXTENSIONS_PARAM))
    const policy = options.policy
    const ip = policy ? policy.clientIp(request) : stripMapped(request.socket.remoteAddress ?? 'unknown')
    const refusal = policy?.admit(request, ip)
    if (refusal?.status === 429) return turnAway(request, socket, head, refusal.message, refusal.retryAfter ?? 60)
    if (refusal) return refuse(socket, refusal.status, refusal.message, refusal.retryAfter)
    // An old name leads to the renamed document; access is decided for the document where it is now, knowing the
    // name asked for, so that a link made for the old name still opens it.
    let name: string
    try {
      name = await sync.documents.follow(parsed.name)
    } catch {
      return refuse(socket, 503, 'The document could not be looked up in storage; try again later.')
    }
    let access: Awaited<ReturnType<SyncServer['authenticate']>>
    try {
      access = await sync.authenticate({
        documentName: name,
        requestedName: name === parsed.name ? null : parsed.name,
        headers: request.headers,
        query,
        ip,
      })
    } catch (error) {
      if (!(error instanceof AccessDenied)) {
        return refuse(socket, 500, 'The server could not check who may open this document.')
      }
      limits?.failed(ip)
      const code = error.status === 401 ? CloseCode.unauthorized : CloseCode.forbidden
      const message = `Access denied: ${error.message}.`
      logger.info({ doc: name, ip, code, reason: message }, 'access denied')
      // A browser cannot read the HTTP status of a refused upgrade, but it can read a close code: the handshake
      // completes and the socket closes at once, with nothing loaded and nothing of the document sent.
      return wss.handleUpgrade(request, socket, head, (ws) => ws.close(code, message.slice(0, 120)))
    }
    if (name !== parsed.name && extensions.has('moved') && name.length <= MAX_CLOSE_REASON) {
      // A client that follows renames is told the new name, and comes back for it.
      return wss.handleUpgrade(request, socket, head, (ws) => ws.close(CloseCode.documentMoved, name))
    }
    if (limits && !limits.mayOpen(ip, name)) {
      return turnAway(
        request,
        socket,
        head,
        `Too many documents open from one address (at most ${limits.docsPerIp}).`,
        60,
      )
    }
    let room: Room
    try {
      room = await sync.openRoom(name)
    } catch (error) {
      if (!(error instanceof DocumentGone)) {
        return refuse(socket, 503, 'The document could not be loaded from storage; try again later.')
      }
      // In the trash (or renamed meanwhile): a close code the editor can read, as for a refused token.
      logger.info({ doc: name, ip, code: error.code }, 'connection to a deleted or moved document refused')
      return wss.handleUpgrade(request, socket, head, (ws) => ws.close(error.code, error.reason))
    }
    if (socket.destroyed) return sync.releaseRoom(room)
    // ws answers a malformed handshake itself and never calls back: give the room back then.
    const releaseUnaccepted = () => sync.releaseRoom(room)
    socket.once('close', releaseUnaccepted)
    const saved = extensions.has('saved')
    const loading = extensions.has('loading')
    // The 101 response, the server's step 1 and the room's awareness leave in one write.
    socket.cork()
    try {
      wss.handleUpgrade(request, socket, head, (ws) => {
        // ws has its own socket listeners now; the upgrade's would only keep this request's variables alive.
        socket.off('close', releaseUnaccepted)
        socket.off('error', onUpgradeError)
        const bound = ws as ConnectionSocket
        bound.member = sync.connect(ws, room, {
          saved,
          loading,
          readOnly: access.access !== 'write',
          expiresAt: access.expiresAt ?? null,
          revocationKey: access.revocationKey ?? null,
          identity: access.identity,
        })
        if (!bound.member) return
        bound.ip = ip
        limits?.opened(ip, room.name)
      })
    } finally {
      socket.uncork()
    }
  }

  /**
   * Turns a connection away for now (too many attempts or open documents from its address). Not with an HTTP 429:
   * a browser cannot read the status of a refused upgrade, and would show a person "offline" when the server
   * answered. The handshake completes and the socket closes at once with 4029 (retry after a pause) and the
   * reason, with nothing loaded and nothing of the document sent, as for a refused token.
   */
  const turnAway = (request: IncomingMessage, socket: Duplex, head: Buffer, message: string, retryAfter: number) => {
    const reason = `${message} Try again in ${retryAfter} s.`.slice(0, MAX_CLOSE_REASON)
    wss.handleUpgrade(request, socket, head, (ws) => ws.close(CloseCode.rateLimited, reason))
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
      const connection = ws.member
      if (!connection) continue
      if (!ws.alive) {
        metrics.error('heartbeat-timeout')
        logger.info(
          { doc: connection.room.name, connection: connection.id },
          'dropping a connection that missed its ping',
        )
        ws.terminate()
        continue
      }
      ws.alive = false
      ws.ping()
    }
  }, options.pingInterval ?? DEFAULT_PING_INTERVAL)
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

const reasons: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
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
