/**
 * What one connection may send: the bounds on each update and presence state, and its budgets over time. A
 * client that passes one is closed with a named code (see `CloseCode`); honest clients stay far below every
 * default. docs/security.md lists each, with its flag.
 */

/** Bounds and budgets of one connection's writes. */
export interface WriteLimits {
  /** The most clients whose structs or deletions one update may carry; more closes with 4422. @default 1000 */
  readonly maxUpdateClients: number
  /** The most structs (and delete ranges) one update may carry; more closes with 4422. @default 50000 */
  readonly maxUpdateStructs: number
  /**
   * Bytes of pending content (changes that wait for content the server never received) one connection may
   * leave waiting; a document holds at most four times this. Past it the connection closes with 4002.
   * @default 1 MiB
   */
  readonly maxPendingBytes: number
  /** Pending changes one connection may leave waiting; more closes with 4002. @default 100 */
  readonly maxPendingUpdates: number
  /** How long pending content may wait for what it depends on, in ms; then its sender closes with 4002. @default 30000 */
  readonly maxPendingAge: number
  /** The largest awareness (presence) state, in bytes of JSON; larger closes with 4422. A message may carry 16 times this. @default 64 KiB */
  readonly maxAwarenessSize: number
  /** Messages per second one connection may send, with bursts of one second's worth; more closes with 4029. @default 300 */
  readonly messagesPerSecond: number
  /**
   * Bytes per second one connection may send, with bursts of one second's worth or one frame of the largest
   * size, whichever is more; more closes with 4029. @default 4 MiB
   */
  readonly bytesPerSecond: number
  /** Sync step 1 requests (each answered with an encoding of the document) per minute, all at once at most; more closes with 4029. @default 30 */
  readonly syncRequestsPerMinute: number
}

/** The defaults of {@link WriteLimits}. */
export const defaultWriteLimits: WriteLimits = {
  maxUpdateClients: 1000,
  maxUpdateStructs: 50_000,
  maxPendingBytes: 1024 * 1024,
  maxPendingUpdates: 100,
  maxPendingAge: 30_000,
  maxAwarenessSize: 64 * 1024,
  messagesPerSecond: 300,
  bytesPerSecond: 4 * 1024 * 1024,
  syncRequestsPerMinute: 30,
}

/** A document holds at most this many times one connection's pending bytes. */
export const PENDING_PER_DOCUMENT = 4
/** An awareness message may carry at most this many times the largest state. */
export const AWARENESS_STATES_PER_MESSAGE = 16
/**
 * The burst of a per-second budget, in seconds. One: a flood's burst is all the server applies before it closes
 * the connection, and 300 one-character updates cost a room ~60 ms (1,200 cost ~200 ms, measured in the hostile
 * writers' flood test), while a person typing sends a few dozen messages a second.
 */
export const BURST_SECONDS = 1
/** The largest frame a connection may send, in bytes, unless configured otherwise. */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024
