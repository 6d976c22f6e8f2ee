/**
 * The message bus contract: how Tandem instances that hold the same document reach each other (Redis pub/sub
 * in `@tandem/redis`). A bus moves bytes on named topics, at most once, to the instances subscribed at the time;
 * it keeps nothing. What a message means is the sync core's business (see `Fanout`).
 */
export interface MessageBus {
  /** What the bus is, as `/readyz` and the logs name it: `redis`. */
  readonly name: string
  /**
   * Delivers every message later published on `topic` to `listener`, until {@link unsubscribe}. Resolves once
   * the subscription is in place, so that nothing published after that is missed; while the bus is down it
   * resolves at once and the subscription is made when the bus is back (followed by the reconnect listeners).
   */
  subscribe(topic: string, listener: (message: Uint8Array) => void): Promise<void>
  /** Stops delivering `topic`. */
  unsubscribe(topic: string): void
  /**
   * Sends `message` to every other subscriber of `topic` (the sender's own subscription may receive it too).
   * Never waits and never throws: returns `false` when the bus is down and the message was dropped.
   */
  publish(topic: string, message: Uint8Array): boolean
  /**
   * Calls `listener` each time the bus is back after an outage, once every subscription is in place again.
   * Messages published during the outage were lost; the listener catches up.
   */
  onReconnect(listener: () => void): void
  /** Resolves when the bus is connected; rejects with the reason otherwise. */
  check(): Promise<void>
  /** Disconnects. Called once, at shutdown. */
  close(): Promise<void>
}
