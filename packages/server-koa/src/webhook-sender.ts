import { randomUUID } from 'node:crypto'
import { type Logger, silentLogger } from '@tandem/server'
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js'

/** The events Tandem sends to webhook receivers. */
export type WebhookEventType = 'document.created' | 'document.changed' | 'document.deleted'

/** One event, as the JSON body of its deliveries. */
export interface WebhookEvent {
  /** Unique per event, the same in every attempt to deliver it (`evt_<uuid>`): receivers deduplicate by it. */
  readonly id: string
  readonly type: WebhookEventType
  /** When it happened, ISO 8601. */
  readonly time: string
  readonly document: { readonly name: string } & Readonly<Record<string, unknown>>
  readonly [field: string]: unknown
}

/** How a delivery ended, as `tandem_webhook_deliveries_total{result}` counts it. */
export type DeliveryResult = 'delivered' | 'retried' | 'failed' | 'dropped'
/** How one attempt ended. */
export type AttemptOutcome = 'ok' | 'http-error' | 'timeout' | 'network-error'

/** Where the sender reports (Prometheus in `tandem serve`, see `createWebhookMetrics`). */
export interface WebhookMetrics {
  /** An event's delivery to one receiver ended (`delivered`, `failed`, `dropped`) or is tried again (`retried`). */
  delivery(result: DeliveryResult): void
  /** One attempt ended, after `seconds`. */
  attempt(outcome: AttemptOutcome, seconds: number): void
}

/** Settings of the webhook sender; every default is in {@link webhookDefaults}. */
export interface WebhookSenderOptions {
  /** The receivers' URLs (http or https); each event goes to each. */
  urls: readonly string[]
  /** Signs every delivery with `Tandem-Signature` when set. @default unsigned */
  secret?: string | null
  /** Abandon an attempt after this long, in ms. */
  timeout?: number
  /** Attempts per event and receiver before it is counted as failed. */
  maxAttempts?: number
  /** Events waiting per receiver (queued or waiting to be retried); past it the oldest is dropped. */
  maxPending?: number
  /** Deliveries in flight at once per receiver. */
  concurrency?: number
  /** The first retry's delay, in ms; each next one doubles, with jitter, up to {@link maxRetryDelay}. */
  retryDelay?: number
  /** The longest wait before a retry (and the most of a receiver's `Retry-After` honoured), in ms. */
  maxRetryDelay?: number
  logger?: Logger
  metrics?: WebhookMetrics
  /** The jitter's random source, in [0, 1). @default Math.random */
  random?: () => number
}

/** The sender's defaults, declared once: `tandem serve --help` reads them from here. */
export const webhookDefaults = {
  timeout: 10_000,
  maxAttempts: 8,
  maxPending: 10_000,
  concurrency: 4,
  retryDelay: 1000,
  maxRetryDelay: 5 * 60_000,
  debounce: 2000,
} as const

interface Delivery {
  readonly event: WebhookEvent
  readonly body: string
  attempts: number
  retryTimer: ReturnType<typeof setTimeout> | null
}

/**
 * The delay before retry number `attempt` (1 for the first): `retryDelay` doubled per attempt, at most
 * `maxRetryDelay`, times a jitter between 0.5 and 1 so that receivers coming back are not hit by every sender at
 * once. A receiver's `Retry-After` (in ms here) wins, up to `maxRetryDelay`.
 */
export function retryDelayOf(
  attempt: number,
  options: { retryDelay: number; maxRetryDelay: number },
  random: () => number,
  retryAfter: number | null = null,
): number {
  if (retryAfter !== null) return Math.min(retryAfter, options.maxRetryDelay)
  const exponential = Math.min(options.retryDelay * 2 ** (attempt - 1), options.maxRetryDelay)
  return Math.round(exponential * (0.5 + random() / 2))
}

/** One receiver: its own queue, retries and concurrency, so that a slow one never holds up another. */
class Receiver {
  /** Waiting to be sent, oldest first; retries waiting for their timer are in {@link retrying}. */
  private readonly queue: Delivery[] = []
  private readonly retrying = new Set<Delivery>()
  private readonly inFlight = new Set<AbortController>()
  private active = 0
  private closed = false
  private dropsSinceLog = 0
  private lastDropLog = 0

  constructor(
    readonly url: string,
    private readonly options: Required<Omit<WebhookSenderOptions, 'urls' | 'secret'>> & { secret: string | null },
  ) {}

  get pending(): number {
    return this.queue.length + this.retrying.size
  }

  add(delivery: Delivery): void {
    if (this.closed) return
    this.queue.push(delivery)
    this.trim()
    this.pump()
  }

  close(): void {
    this.closed = true
    for (const delivery of this.retrying) if (delivery.retryTimer) clearTimeout(delivery.retryTimer)
    this.retrying.clear()
    this.queue.length = 0
    for (const controller of this.inFlight) controller.abort()
  }

  /** Keeps at most `maxPending` events waiting, counting those waiting for a retry. */
  private trim(): void {
    while (this.pending > this.options.maxPending) this.dropOldest()
  }

  private dropOldest(): void {
    // The oldest is the front of the queue, unless everything waits for a retry.
    let dropped = this.queue.shift()
    if (!dropped) {
      dropped = this.retrying.values().next().value as Delivery
      this.retrying.delete(dropped)
      if (dropped.retryTimer) clearTimeout(dropped.retryTimer)
    }
    this.options.metrics.delivery('dropped')
    this.dropsSinceLog++
    const now = Date.now()
    if (now - this.lastDropLog >= 10_000) {
      this.options.logger.warn(
        { url: this.url, dropped: this.dropsSinceLog, pending: this.options.maxPending },
        'a webhook receiver is behind: dropping its oldest events',
      )
      this.lastDropLog = now
      this.dropsSinceLog = 0
    }
  }

  private pump(): void {
    while (!this.closed && this.active < this.options.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift() as Delivery
      this.active++
      void this.attempt(delivery).finally(() => {
        this.active--
        this.pump()
      })
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    delivery.attempts++
    const { outcome, status, retryAfter, error } = await this.post(delivery)
    if (this.closed) return
    const { event } = delivery
    if (outcome === 'ok') {
      this.options.metrics.delivery('delivered')
      return
    }
    const retryable = outcome !== 'http-error' || status === 429 || (status ?? 0) >= 500
    const why = status !== null ? `HTTP ${status}` : (error ?? outcome)
    if (!retryable || delivery.attempts >= this.options.maxAttempts) {
      this.options.metrics.delivery('failed')
      this.options.logger.warn(
        { url: this.url, event: event.id, type: event.type, doc: event.document.name, attempts: delivery.attempts },
        `a webhook delivery failed (${why}); it is not tried again`,
      )
      return
    }
    this.options.metrics.delivery('retried')
    const delay = retryDelayOf(delivery.attempts, this.options, this.options.random, retryAfter)
    this.options.logger.debug({ url: this.url, event: event.id, attempts: delivery.attempts, delay }, `webhook ${why}`)
    this.retrying.add(delivery)
    delivery.retryTimer = setTimeout(() => {
      delivery.retryTimer = null
      // Dropped meanwhile (the queue was full): it is gone.
      if (!this.retrying.delete(delivery)) return
      this.queue.unshift(delivery)
      this.pump()
    }, delay)
    delivery.retryTimer.unref()
    // A delivery back from the receiver waits again: the queue may be full by now.
    this.trim()
  }

  private async post(delivery: Delivery): Promise<{
    outcome: AttemptOutcome
    status: number | null
    retryAfter: number | null
    error?: string
  }> {
    const controller = new AbortController()
    this.inFlight.add(controller)
    const timer = setTimeout(() => controller.abort(new Error('timeout')), this.options.timeout)
    const started = performance.now()
    let result: { outcome: AttemptOutcome; status: number | null; retryAfter: number | null; error?: string }
    try {
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': 'Tandem-Webhooks',
        'Tandem-Event': delivery.event.type,
        'Tandem-Delivery': delivery.event.id,
        'Tandem-Attempt': String(delivery.attempts),
      }
      if (this.options.secret !== null) {
        headers[SIGNATURE_HEADER] = signWebhook(this.options.secret, delivery.body, Math.floor(Date.now() / 1000))
      }
      const response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: delivery.body,
        redirect: 'manual',
        signal: controller.signal,
      })
      // The answer's body means nothing to Tandem; read it so the connection can be reused.
      await response.arrayBuffer()
      result = response.ok
        ? { outcome: 'ok', status: response.status, retryAfter: null }
        : {
            outcome: 'http-error',
            status: response.status,
            retryAfter: parseRetryAfter(response.headers.get('retry-after')),
          }
    } catch (error) {
      const timedOut = controller.signal.aborted
      result = {
        outcome: timedOut ? 'timeout' : 'network-error',
        status: null,
        retryAfter: null,
        error: timedOut ? `no answer within ${this.options.timeout} ms` : String((error as Error).cause ?? error),
      }
    } finally {
      clearTimeout(timer)
      this.inFlight.delete(controller)
    }
    this.options.metrics.attempt(result.outcome, (performance.now() - started) / 1000)
    return result
  }
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; `null` when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null) return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

const noWebhookMetrics: WebhookMetrics = { delivery() {}, attempt() {} }

/**
 * Sends events to webhook receivers, never in the way of editing: {@link emit} only queues. Each receiver has
 * its own bounded queue (past `maxPending` the oldest event is dropped and counted), at most `concurrency`
 * deliveries in flight, a timeout per attempt, and retries with exponential backoff and jitter after a network
 * error, a timeout, 429 or 5xx (honouring `Retry-After`), until `maxAttempts`. Another 4xx (or a redirect) is
 * not retried. Events live in memory only: those still queued when the server stops are not sent.
 */
export class WebhookSender {
  private readonly receivers: Receiver[]

  constructor(options: WebhookSenderOptions) {
    const settings = {
      timeout: options.timeout ?? webhookDefaults.timeout,
      maxAttempts: options.maxAttempts ?? webhookDefaults.maxAttempts,
      maxPending: options.maxPending ?? webhookDefaults.maxPending,
      concurrency: options.concurrency ?? webhookDefaults.concurrency,
      retryDelay: options.retryDelay ?? webhookDefaults.retryDelay,
      maxRetryDelay: options.maxRetryDelay ?? webhookDefaults.maxRetryDelay,
      logger: options.logger ?? silentLogger,
      metrics: options.metrics ?? noWebhookMetrics,
      random: options.random ?? Math.random,
      secret: options.secret ?? null,
    }
    for (const url of options.urls) {
      const protocol = URL.canParse(url) ? new URL(url).protocol : null
      if (protocol !== 'http:' && protocol !== 'https:') {
        throw new Error(`A webhook URL must be an http:// or https:// URL (got "${url}").`)
      }
    }
    this.receivers = options.urls.map((url) => new Receiver(url, settings))
  }

  /** Events waiting to be sent or retried, over every receiver. */
  get pending(): number {
    return this.receivers.reduce((sum, receiver) => sum + receiver.pending, 0)
  }

  /**
   * Queues an event for every receiver and returns it at once (with its id and time); never waits for a
   * delivery. The `document.deleted` event of a delete route: `emit('document.deleted', { name })`.
   */
  emit(
    type: WebhookEventType,
    document: WebhookEvent['document'],
    fields: Readonly<Record<string, unknown>> = {},
  ): WebhookEvent {
    const event: WebhookEvent = {
      id: `evt_${randomUUID()}`,
      type,
      time: new Date().toISOString(),
      document,
      ...fields,
    }
    const body = JSON.stringify(event)
    for (const receiver of this.receivers) receiver.add({ event, body, attempts: 0, retryTimer: null })
    return event
  }

  /** Stops: drops what waits and aborts what is in flight. */
  close(): void {
    for (const receiver of this.receivers) receiver.close()
  }
}
