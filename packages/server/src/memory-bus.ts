import type { MessageBus } from './message-bus.js'

/**
 * The wire between {@link MemoryBus}es: the sync servers of one process that share it reach each other as
 * instances on Redis do. For tests, and for trying a scaled-out setup without Redis.
 */
export class MemoryBusNetwork {
  private readonly subscribers = new Map<string, Set<(message: Uint8Array) => void>>()
  private connected = true
  private readonly buses = new Set<MemoryBus>()

  /** A new bus on this network, for one sync server. */
  bus(): MemoryBus {
    const bus = new MemoryBus(this)
    this.buses.add(bus)
    return bus
  }

  /** Whether messages are delivered; while not, publishing drops them, as a bus that lost Redis does. */
  get isConnected(): boolean {
    return this.connected
  }

  /** Cuts every bus off (`false`) or brings them back (`true`, after which each bus's reconnect listeners run). */
  setConnected(connected: boolean): void {
    if (this.connected === connected) return
    this.connected = connected
    if (connected) for (const bus of this.buses) bus.reconnected()
  }

  /** @internal */
  subscribe(topic: string, listener: (message: Uint8Array) => void): void {
    let listeners = this.subscribers.get(topic)
    if (!listeners) {
      listeners = new Set()
      this.subscribers.set(topic, listeners)
    }
    listeners.add(listener)
  }

  /** @internal */
  unsubscribe(topic: string, listener: (message: Uint8Array) => void): void {
    const listeners = this.subscribers.get(topic)
    listeners?.delete(listener)
    if (listeners?.size === 0) this.subscribers.delete(topic)
  }

  /** @internal */
  deliver(topic: string, message: Uint8Array): void {
    const listeners = this.subscribers.get(topic)
    if (!listeners) return
    // Later, as a network would: a publisher never hears back within its own call.
    const copy = message.slice()
    setImmediate(() => {
      for (const listener of listeners) listener(copy)
    })
  }

  /** @internal */
  closed(bus: MemoryBus): void {
    this.buses.delete(bus)
  }
}

/** A {@link MessageBus} in this process, on a {@link MemoryBusNetwork}. */
export class MemoryBus implements MessageBus {
  readonly name = 'memory'
  private readonly topics = new Map<string, (message: Uint8Array) => void>()
  private readonly reconnectListeners: (() => void)[] = []

  constructor(private readonly network: MemoryBusNetwork) {}

  async subscribe(topic: string, listener: (message: Uint8Array) => void): Promise<void> {
    this.unsubscribe(topic)
    this.topics.set(topic, listener)
    this.network.subscribe(topic, listener)
  }

  unsubscribe(topic: string): void {
    const listener = this.topics.get(topic)
    if (!listener) return
    this.topics.delete(topic)
    this.network.unsubscribe(topic, listener)
  }

  publish(topic: string, message: Uint8Array): boolean {
    if (!this.network.isConnected) return false
    this.network.deliver(topic, message)
    return true
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener)
  }

  async check(): Promise<void> {
    if (!this.network.isConnected) throw new Error('the in-memory bus is disconnected')
  }

  async close(): Promise<void> {
    for (const topic of [...this.topics.keys()]) this.unsubscribe(topic)
    this.network.closed(this)
  }

  /** @internal */
  reconnected(): void {
    for (const listener of this.reconnectListeners) listener()
  }
}
