import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a {@link WebhookReceiver} got. */
export interface ReceivedDelivery {
  readonly headers: IncomingHttpHeaders
  /** The raw body, as received. */
  readonly body: string
  /** When it arrived (`Date.now()`). */
  readonly at: number
}

/** How a receiver answers a delivery: a status, a status with headers, or `hang` (never answer). */
export type ReceiverAnswer = number | { status: number; headers?: Record<string, string> } | 'hang'

/** A real HTTP server on 127.0.0.1 that records webhook deliveries. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT/hook`. */
  readonly url: string
  /** Every request so far, in order of arrival (a hanging one included). */
  readonly deliveries: ReceivedDelivery[]
  /** Stops listening and cuts every connection, a hanging one included. */
  close(): Promise<void>
}

/**
 * Starts a webhook receiver on a free port. `answer` decides each delivery's answer from it and its index
 * (0 for the first). @default 200 to everything
 */
export async function startWebhookReceiver(
  answer: (delivery: ReceivedDelivery, index: number) => ReceiverAnswer = () => 200,
): Promise<WebhookReceiver> {
  const deliveries: ReceivedDelivery[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const delivery = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }
      deliveries.push(delivery)
      const decided = answer(delivery, deliveries.length - 1)
      if (decided === 'hang') return
      const { status, headers } = typeof decided === 'number' ? { status: decided, headers: {} } : decided
      response.writeHead(status, headers).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
