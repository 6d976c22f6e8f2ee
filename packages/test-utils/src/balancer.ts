import type { AddressInfo } from 'node:net'
import { connect, createServer, type Server, type Socket } from 'node:net'

/** A TCP load balancer in front of several servers, as a test's stand-in for nginx or an HAProxy. */
export interface Balancer {
  /** `ws://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  /** The backend port each accepted connection went to, in order. */
  readonly routed: readonly number[]
  close(): Promise<void>
}

/**
 * Listens on a free port and passes each connection to the next of `backends` (ports on 127.0.0.1) in turn,
 * skipping one that refuses: a backend that died is passed over, as a proxy with passive health checks does.
 */
export async function startBalancer(backends: readonly number[]): Promise<Balancer> {
  let next = 0
  const routed: number[] = []
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  const route = (client: Socket, tries: number): void => {
    if (tries >= backends.length) {
      client.destroy()
      return
    }
    const port = backends[next++ % backends.length] as number
    const upstream = connect(port, '127.0.0.1')
    track(upstream)
    let connected = false
    upstream.once('error', () => {
      if (connected) client.destroy()
      else route(client, tries + 1)
    })
    upstream.once('connect', () => {
      connected = true
      routed.push(port)
      client.pipe(upstream).pipe(client)
      client.once('close', () => upstream.destroy())
      upstream.once('close', () => client.destroy())
    })
  }
  const server: Server = createServer((client) => {
    track(client)
    client.on('error', () => client.destroy())
    route(client, 0)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    routed,
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
