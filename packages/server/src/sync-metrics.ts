/**
 * What the sync core reports for metrics. The core calls these; an adapter (see `createPrometheusMetrics`)
 * turns them into Prometheus series. Gauges such as open connections are read from the server directly.
 */
export interface SyncMetrics {
  /** A message arrived from a client. */
  messageReceived(bytes: number): void
  /** One encoded message was sent to `receivers` connections. */
  messageSent(receivers: number, bytes: number): void
  /** A storage commit of `entries` updates finished in `seconds`. */
  committed(seconds: number, entries: number): void
  /** A message went to the other instances over the bus; `dropped` when the bus was down. */
  busPublished(bytes: number, dropped: boolean): void
  /** A message of another instance arrived over the bus, `lagMs` after it was sent (by the sender's clock). */
  busReceived(bytes: number, lagMs: number): void
  /** Something went wrong; `kind` is one of {@link ErrorKind}. */
  error(kind: ErrorKind): void
}

/** The kinds of errors the sync core counts. */
export type ErrorKind =
  | 'malformed-message'
  | 'rejected-update'
  | 'text-frame'
  | 'slow-consumer'
  | 'heartbeat-timeout'
  | 'load-failed'
  | 'store-failed'
  | 'compact-failed'
  | 'socket-error'
  | 'internal-error'
  | 'read-only-write'
  | 'awareness-forgery'
  | 'bus-malformed'
  | 'bus-unconfirmed'
  | 'update-refused'
  | 'document-too-large'
  | 'pending-unresolved'
  | 'rate-limited'
  | 'awareness-too-large'
  | 'flush-failed'
  | 'quarantined'
  | 'hook-failed'

const discard = (): void => {}

/** {@link SyncMetrics} that record nothing: the default. */
export const noMetrics: SyncMetrics = {
  messageReceived: discard,
  messageSent: discard,
  committed: discard,
  busPublished: discard,
  busReceived: discard,
  error: discard,
}
