/**
 * Looking at a running server from outside: its Prometheus metrics, raw HTTP upgrade answers, its log lines, and
 * deadlines on promises.
 */
import { connect } from 'node:net'

/** Fetches `/metrics` as text. */
export async function scrapeMetrics(httpUrl: string): Promise<string> {
  const response = await fetch(`${httpUrl}/metrics`)
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`)
  return response.text()
}

/**
 * The value of one sample in Prometheus text, e.g. `metricValue(text, 'tandem_errors_total', { kind: 'text-frame' })`.
 * A labelled counter that was never incremented has no sample: that reads as 0. Throws for an unlabelled series
 * that is missing, since that means the metric itself is gone.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!match || match[1] !== name) continue
    const sampleLabels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    )
    if (wanted.every(([key, value]) => sampleLabels[key] === value)) return Number(match[3])
  }
  if (wanted.length > 0) return 0
  throw new Error(`No sample of ${name} in the metrics.`)
}

/** Reads one metric sample from a running server. */
export async function readMetric(httpUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await scrapeMetrics(httpUrl), name, labels)
}

/** An HTTP answer read off a raw socket. */
export interface RawHttpResponse {
  status: number
  statusText: string
  headers: Record<string, string>
  body: string
}

/**
 * Sends a WebSocket upgrade request for `path` byte for byte over a plain TCP socket, so that nothing (a URL
 * parser, a client library) normalises `..`, `//` or percent-escapes on the way, and reads the answer until the
 * server closes the socket.
 */
export function rawUpgrade(port: number, path: string, timeoutMs = 10_000): Promise<RawHttpResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`No complete answer to the upgrade of ${path} within ${timeoutMs} ms.`))
    }, timeoutMs)
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      )
    })
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on('close', () => {
      clearTimeout(timer)
      const raw = Buffer.concat(chunks).toString('utf8')
      const split = raw.indexOf('\r\n\r\n')
      const head = (split === -1 ? raw : raw.slice(0, split)).split('\r\n')
      const status = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(head[0] ?? '')
      if (!status) return reject(new Error(`Not an HTTP answer to the upgrade of ${path}: ${JSON.stringify(raw)}`))
      const headers: Record<string, string> = {}
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({
        status: Number(status[1]),
        statusText: status[2]!,
        headers,
        body: split === -1 ? '' : raw.slice(split + 4),
      })
    })
  })
}

/** The log lines (as parsed JSON) whose fields include every field of `match`. */
export function logLines(logs: readonly Record<string, unknown>[], match: Record<string, unknown>) {
  return logs.filter((line) => Object.entries(match).every(([key, value]) => line[key] === value))
}

/** Resolves with `promise`'s value, or rejects when it takes longer than `timeoutMs`. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
