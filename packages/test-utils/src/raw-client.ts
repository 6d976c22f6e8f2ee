import { type Message, readMessage } from '@tandem/protocol'
import { WebSocket } from 'ws'

/** How a raw connection ended. */
export interface CloseInfo {
  code: number
  reason: string
}

/** A bare WebSocket to a document that records every frame, for speaking the protocol byte by byte. */
export interface RawClient {
  readonly ws: WebSocket
  /** Every binary frame received, in order. */
  readonly received: Uint8Array[]
  /** Resolves when the socket has closed, with the code and reason. */
  readonly closed: Promise<CloseInfo>
  send(data: Uint8Array | string): void
  /**
   * Resolves with the first received frame (from now on, or already received) that matches; rejects with what
   * `match` throws.
   */
  next(match: (frame: Uint8Array) => boolean, timeoutMs?: number): Promise<Uint8Array>
  /** Resolves with the first received message of `type` (from now on, or already received), read by readMessage. */
  nextMessage<T extends Message['type']>(type: T, timeoutMs?: number): Promise<Extract<Message, { type: T }>>
}

/** Options of `ws` for a test's WebSocket, typed with the TLS ones that `ws` passes on to `tls.connect`. */
export type WebSocketOptions = NonNullable<ConstructorParameters<typeof WebSocket>[2]> & {
  /**
   * The name sent for TLS SNI and checked against the certificate, for a `wss://` URL by address (127.0.0.1) to a
   * site reached by name; set `Host` in `headers` to match. @default the URL's host name
   */
  servername?: string
}

/** Opens a raw WebSocket to `serverUrl/room` and resolves once it is open. */
export async function openRawClient(
  serverUrl: string,
  room: string,
  options: WebSocketOptions = {},
): Promise<RawClient> {
  const ws = new WebSocket(`${serverUrl}/${room}`, options)
  const received: Uint8Array[] = []
  const waiters: {
    match: (frame: Uint8Array) => boolean
    resolve: (frame: Uint8Array) => void
    reject: (error: unknown) => void
  }[] = []
  ws.on('message', (data: Buffer) => {
    const frame = new Uint8Array(data)
    received.push(frame)
    for (const waiter of waiters.splice(0)) {
      // A match that throws (a frame readMessage refuses) fails that wait, not the socket's event handler.
      let matched: boolean
      try {
        matched = waiter.match(frame)
      } catch (error) {
        waiter.reject(error)
        continue
      }
      if (matched) waiter.resolve(frame)
      else waiters.push(waiter)
    }
  })
  const closed = new Promise<CloseInfo>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused with ${response.statusCode}`)),
    )
    ws.once('error', reject)
  })
  return {
    ws,
    received,
    closed,
    send(data) {
      ws.send(data)
    },
    next,
    async nextMessage<T extends Message['type']>(type: T, timeoutMs?: number) {
      const frame = await next((frame) => readMessage(frame).type === type, timeoutMs)
      return readMessage(frame) as Extract<Message, { type: T }>
    },
  }

  function next(match: (frame: Uint8Array) => boolean, timeoutMs = 10_000): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const found = received.find(match)
      if (found) {
        resolve(found)
        return
      }
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms`)), timeoutMs)
      waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
    })
  }
}
