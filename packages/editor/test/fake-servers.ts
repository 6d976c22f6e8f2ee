// Small servers that misbehave on purpose, for the connection tests: one that answers WebSocket upgrades the way
// a test tells it to (accept and close with a code, or refuse with an HTTP status), and a TCP proxy that can go
// silent without closing, like a connection that died half-open.
import { createHash } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage } from 'node:http'
import { type AddressInfo, connect, createServer, type Socket } from 'node:net'

/** What the scripted server does with one upgrade request. */
export type UpgradeAnswer = { close: number; reason?: string } | { refuse: number }

export interface ScriptedServer {
  /** `ws://127.0.0.1:PORT`. */
  readonly url: string
  /** The path and query of every upgrade request so far. */
  readonly requests: string[]
  close(): Promise<void>
}

/** A WebSocket server that answers the n-th upgrade request (from 0) with `answer(n, request)`. */
export async function startScriptedServer(
  answer: (n: number, request: IncomingMessage) => UpgradeAnswer,
): Promise<ScriptedServer> {
  const requests: string[] = []
  const sockets = new Set<Socket>()
  // Plain HTTP requests (the editor asking why an upgrade failed) get the status of the last refusal.
  let lastRefusal = 404
  const server = createHttpServer((_request, response) => {
    response.writeHead(lastRefusal, { 'access-control-allow-origin': '*', 'content-type': 'text/plain' })
    response.end('refused')
  })
  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const n = requests.length
    requests.push(request.url ?? '')
    const reply = answer(n, request)
    if ('refuse' in reply) {
      lastRefusal = reply.refuse
      socket.end(`HTTP/1.1 ${reply.refuse} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
      return
    }
    const key = request.headers['sec-websocket-key'] ?? ''
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    )
    // A close frame: FIN + opcode 8, unmasked, payload = code (2 bytes) + reason.
    const reason = Buffer.from(reply.reason ?? '')
    const payload = Buffer.concat([Buffer.from([reply.close >> 8, reply.close & 0xff]), reason])
    socket.end(Buffer.concat([Buffer.from([0x88, payload.length]), payload]))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface FreezingProxy {
  /** `ws://127.0.0.1:PORT`. */
  readonly url: string
  /** Connections accepted so far. */
  readonly connections: number
  /** Chunks forwarded from the server to the browser so far. */
  readonly chunksToClient: number
  /** Stops forwarding on every open connection, in both directions, without closing anything. */
  freeze(): void
  close(): Promise<void>
}

/** A TCP proxy to `127.0.0.1:targetPort` that can freeze its open connections. */
export async function startFreezingProxy(targetPort: number): Promise<FreezingProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>()
  let connections = 0
  let chunksToClient = 0
  const server = createServer((client) => {
    connections++
    const upstream = connect(targetPort, '127.0.0.1')
    const pair = { client, upstream, frozen: false }
    pairs.add(pair)
    client.on('data', (chunk) => {
      if (!pair.frozen) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (pair.frozen) return
      chunksToClient++
      client.write(chunk)
    })
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    // A frozen connection ignores the closing of either side too: nothing gets through, not even a FIN.
    client.on('close', () => {
      if (!pair.frozen) end()
    })
    upstream.on('close', () => {
      if (!pair.frozen) end()
    })
    client.on('error', () => {})
    upstream.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    get connections() {
      return connections
    },
    get chunksToClient() {
      return chunksToClient
    },
    freeze() {
      for (const pair of pairs) pair.frozen = true
    },
    close: () =>
      new Promise((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy()
          upstream.destroy()
        }
        server.close(() => resolve())
      }),
  }
}
