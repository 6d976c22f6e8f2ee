import type { AddressInfo } from 'node:net'
import { connect, createServer, type Socket } from 'node:net'

/** A slow link in front of a server: what a person on a poor connection sees. */
export interface ThrottledProxy {
  /** `ws://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  /** How many connections it has accepted. */
  readonly connections: number
  /** Bytes passed from the server to the clients so far. */
  readonly downloaded: number
  close(): Promise<void>
}

/** How often the link lets the next bytes through, in ms. */
const TICK_MS = 20

/**
 * Listens on a free port and passes each connection to `port` on 127.0.0.1, letting through at most
 * `bytesPerSecond` from the server to the client (the other way is not slowed). It keeps at most one tick's
 * bytes in hand and stops reading from the server meanwhile, so that the server sees the slow reader as TCP
 * shows it: its socket's buffer fills and its writes wait.
 */
export async function startThrottledProxy(port: number, bytesPerSecond: number): Promise<ThrottledProxy> {
  const perTick = Math.max(1, Math.round((bytesPerSecond * TICK_MS) / 1000))
  const sockets = new Set<Socket>()
  let connections = 0
  let downloaded = 0
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server = createServer((client) => {
    connections++
    track(client)
    const upstream = connect(port, '127.0.0.1')
    track(upstream)
    client.once('close', () => upstream.destroy())
    client.pipe(upstream)
    // Server to client: a tick's bytes at a time.
    const held: Buffer[] = []
    let heldBytes = 0
    let timer: ReturnType<typeof setInterval> | null = null
    let ended = false
    const tick = () => {
      let budget = perTick
      while (budget > 0 && held.length > 0) {
        const chunk = held[0] as Buffer
        const part = chunk.subarray(0, budget)
        client.write(part)
        downloaded += part.byteLength
        budget -= part.byteLength
        heldBytes -= part.byteLength
        if (part.byteLength === chunk.byteLength) held.shift()
        else held[0] = chunk.subarray(part.byteLength)
      }
      if (held.length === 0 && timer !== null) {
        clearInterval(timer)
        timer = null
      }
      // What the server sent before it closed still goes through, as slowly.
      if (held.length === 0 && ended) client.end()
      else if (heldBytes < perTick) upstream.resume()
    }
    upstream.on('data', (chunk: Buffer) => {
      held.push(chunk)
      heldBytes += chunk.byteLength
      if (heldBytes >= perTick) upstream.pause()
      timer ??= setInterval(tick, TICK_MS)
    })
    upstream.once('close', () => {
      ended = true
      if (held.length === 0) client.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const listening = (server.address() as AddressInfo).port
  return {
    url: `ws://127.0.0.1:${listening}`,
    port: listening,
    get connections() {
      return connections
    },
    get downloaded() {
      return downloaded
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
