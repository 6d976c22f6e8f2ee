import type { Logger, MessageBus } from '@tandem/server'
import { silentLogger } from '@tandem/server'
import { Redis, type RedisOptions } from 'ioredis'

/** How to open a {@link RedisBus} with {@link openRedisBus}. */
export interface RedisBusOptions {
  /**
   * The Redis server, as a URL: `redis://[[user]:password@]host:6379[/db]`, or `rediss://` for TLS. Every instance
   * of one deployment must use the same server and {@link prefix}.
   */
  readonly url: string
  /** What every channel name starts with, so several deployments can share one Redis. @default 'tandem:' */
  readonly prefix?: string
  /** Where the bus logs losing and regaining Redis. @default silentLogger */
  readonly logger?: Logger
  /** How long opening the bus waits for Redis, in ms. @default 10000 */
  readonly connectTimeoutMs?: number
}

/** The longest wait between two reconnection attempts, in ms. */
const MAX_RECONNECT_DELAY_MS = 2000

/**
 * Opens a {@link RedisBus}: two connections to Redis, one to publish and one to subscribe (a subscribed Redis
 * connection can do nothing else). Rejects, with both closed, with an error naming the server (never its
 * password) when Redis cannot be reached within the timeout.
 */
export async function openRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const where = describeUrl(options.url)
  const timeout = options.connectTimeoutMs ?? 10_000
  const connectionOptions: RedisOptions = {
    lazyConnect: true,
    // Nothing waits for Redis: a publish while it is down is dropped (and made up for when it is back).
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeout,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  }
  const publisher = new Redis(options.url, { ...connectionOptions, connectionName: 'tandem-publish' })
  const subscriber = new Redis(options.url, { ...connectionOptions, connectionName: 'tandem-subscribe' })
  const errors: Error[] = []
  const collect = (error: Error) => errors.push(error)
  publisher.on('error', collect)
  subscriber.on('error', collect)
  try {
    await withTimeout(Promise.all([publisher.connect(), subscriber.connect()]), timeout)
  } catch (error) {
    publisher.disconnect()
    subscriber.disconnect()
    const cause = errors[0] ?? error
    throw new Error(`Cannot reach Redis at ${where}: ${(cause as Error).message}`, { cause })
  } finally {
    publisher.off('error', collect)
    subscriber.off('error', collect)
  }
  return new RedisBus(publisher, subscriber, where, options.prefix ?? 'tandem:', options.logger ?? silentLogger)
}

/**
 * Tandem's {@link MessageBus} on Redis pub/sub: a topic is a channel named `prefix + topic`. While Redis is down,
 * publishing drops messages and the connections retry (every 2 s at most); once both are back and every channel
 * is subscribed again, the reconnect listeners run so the sync core catches up on what was lost.
 */
export class RedisBus implements MessageBus {
  readonly name = 'redis'
  private readonly listeners = new Map<string, (message: Uint8Array) => void>()
  private readonly reconnectListeners: (() => void)[] = []
  /** Whether a connection dropped since both were last ready. */
  private interrupted = false
  private closed = false

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    /** The server, for messages: host and port, no password. */
    readonly where: string,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      this.listeners.get(channel.toString())?.(message)
    })
    for (const connection of [publisher, subscriber]) {
      connection.on('error', (error: Error) => {
        if (!this.interrupted) this.logger.warn({ err: error, redis: where }, 'Redis connection error')
      })
      connection.on('close', () => {
        if (this.closed || this.interrupted) return
        this.interrupted = true
        this.logger.warn({ redis: where }, 'lost the connection to Redis; reconnecting')
      })
      connection.on('ready', () => void this.recover())
    }
  }

  async subscribe(topic: string, listener: (message: Uint8Array) => void): Promise<void> {
    const channel = this.prefix + topic
    this.listeners.set(channel, listener)
    if (this.subscriber.status !== 'ready') return
    try {
      await this.subscriber.subscribe(channel)
    } catch (error) {
      // The connection dropped meanwhile: the channel is subscribed again when it is back.
      this.logger.warn({ err: error, redis: this.where, channel }, 'subscribing failed; retried when Redis is back')
    }
  }

  unsubscribe(topic: string): void {
    const channel = this.prefix + topic
    if (!this.listeners.delete(channel)) return
    if (this.subscriber.status === 'ready') this.subscriber.unsubscribe(channel).catch(() => {})
  }

  publish(topic: string, message: Uint8Array): boolean {
    if (this.publisher.status !== 'ready') return false
    const payload = Buffer.from(message.buffer, message.byteOffset, message.byteLength)
    this.publisher.publish(this.prefix + topic, payload).catch(() => {})
    return true
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  async check(): Promise<void> {
    if (this.publisher.status !== 'ready' || this.subscriber.status !== 'ready') {
      throw new Error(`not connected to Redis at ${this.where} (connection ${this.publisher.status})`)
    }
    await withTimeout(this.publisher.ping(), 2000)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.listeners.clear()
    await Promise.all(
      [this.publisher, this.subscriber].map((connection) =>
        connection.status === 'ready'
          ? connection.quit().catch(() => connection.disconnect())
          : connection.disconnect(),
      ),
    )
  }

  /** After an outage, once both connections are ready: subscribes every channel again, then tells the listeners. */
  private async recover(): Promise<void> {
    if (!this.interrupted || this.closed) return
    if (this.publisher.status !== 'ready' || this.subscriber.status !== 'ready') return
    this.interrupted = false
    try {
      if (this.listeners.size > 0) await this.subscriber.subscribe(...this.listeners.keys())
    } catch (error) {
      // Dropped again: the next 'ready' tries again.
      this.interrupted = true
      this.logger.warn({ err: error, redis: this.where }, 'subscribing again after an outage failed')
      return
    }
    this.logger.info({ redis: this.where, channels: this.listeners.size }, 'reconnected to Redis')
    for (const listener of this.reconnectListeners) listener()
  }
}

/** `host:port/db` of a Redis URL, without credentials; the URL itself when it does not parse. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return 'the given URL (it does not parse)'
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
