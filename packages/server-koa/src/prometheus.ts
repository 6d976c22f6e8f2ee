import type { ErrorKind, SyncMetrics, SyncServer } from '@tandem/server'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Prometheus series for a sync server, in a registry of their own. */
export interface PrometheusMetrics {
  /** The registry to expose at `/metrics`. */
  readonly registry: Registry
  /** Pass to the sync server's `metrics` option (and the endpoint's). */
  readonly metrics: SyncMetrics
  /** Reads the gauges (connections, loaded documents) from `sync` at every scrape. */
  observe(sync: SyncServer): void
}

/**
 * Creates Tandem's Prometheus metrics: messages and bytes in and out, storage commit latency, errors by kind,
 * open connections, loaded documents, the bytes history takes, and Node's default process metrics. Each call has
 * its own registry, so several servers can live in one process.
 */
export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const messagesIn = new Counter({
    name: 'tandem_messages_received_total',
    help: 'Messages received from clients.',
    registers,
  })
  const bytesIn = new Counter({ name: 'tandem_bytes_received_total', help: 'Bytes received from clients.', registers })
  const messagesOut = new Counter({
    name: 'tandem_messages_sent_total',
    help: 'Messages sent to clients (one per receiving connection).',
    registers,
  })
  const bytesOut = new Counter({ name: 'tandem_bytes_sent_total', help: 'Bytes sent to clients.', registers })
  const commitSeconds = new Histogram({
    name: 'tandem_store_commit_seconds',
    help: 'Time to commit one batch of updates to storage.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  })
  const committedUpdates = new Counter({
    name: 'tandem_store_committed_updates_total',
    help: 'Updates committed to storage.',
    registers,
  })
  const busPublished = new Counter({
    name: 'tandem_bus_published_total',
    help: 'Messages published to the other instances, by outcome (sent, or dropped while the bus was down).',
    labelNames: ['outcome'],
    registers,
  })
  const busPublishedBytes = new Counter({
    name: 'tandem_bus_published_bytes_total',
    help: 'Bytes published to the other instances.',
    registers,
  })
  const busReceived = new Counter({
    name: 'tandem_bus_received_total',
    help: 'Messages received from the other instances.',
    registers,
  })
  const busReceivedBytes = new Counter({
    name: 'tandem_bus_received_bytes_total',
    help: 'Bytes received from the other instances.',
    registers,
  })
  const busLag = new Histogram({
    name: 'tandem_bus_lag_seconds',
    help: "Time from another instance's publish to its arrival here (by the two machines' clocks).",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  })
  const errors = new Counter({ name: 'tandem_errors_total', help: 'Errors, by kind.', labelNames: ['kind'], registers })
  let observed: SyncServer | null = null
  new Gauge({
    name: 'tandem_connections',
    help: 'Open WebSocket connections.',
    registers,
    collect() {
      this.set(observed?.connectionCount ?? 0)
    },
  })
  new Gauge({
    name: 'tandem_documents_loaded',
    help: 'Documents in memory.',
    registers,
    collect() {
      this.set(observed?.documentCount ?? 0)
    },
  })
  new Gauge({
    name: 'tandem_bus_subscribed_documents',
    help: 'Documents this instance follows on the bus to the other instances (0 when not scaled out).',
    registers,
    collect() {
      this.set(observed?.fanout?.documentCount ?? 0)
    },
  })
  new Gauge({
    name: 'tandem_history_bytes',
    help: 'Bytes the history of every stored document takes beyond its content (author spans and versions).',
    registers,
    // Summed from the store's document list at each scrape: the store keeps each document's size up to date.
    async collect() {
      this.set(observed?.keepsHistory ? await historyBytes(observed) : 0)
    },
  })
  return {
    registry,
    metrics: {
      messageReceived(bytes) {
        messagesIn.inc()
        bytesIn.inc(bytes)
      },
      messageSent(receivers, bytes) {
        messagesOut.inc(receivers)
        bytesOut.inc(receivers * bytes)
      },
      committed(seconds, entries) {
        commitSeconds.observe(seconds)
        committedUpdates.inc(entries)
      },
      busPublished(bytes, dropped) {
        busPublished.inc({ outcome: dropped ? 'dropped' : 'sent' })
        if (!dropped) busPublishedBytes.inc(bytes)
      },
      busReceived(bytes, lagMs) {
        busReceived.inc()
        busReceivedBytes.inc(bytes)
        busLag.observe(Math.max(0, lagMs) / 1000)
      },
      error(kind: ErrorKind) {
        errors.inc({ kind })
      },
    },
    observe(sync) {
      observed = sync
    },
  }
}

/** The history sizes of every stored document, the trash included. */
async function historyBytes(sync: SyncServer): Promise<number> {
  const documents = [...(await sync.listDocuments()), ...(await sync.listDocuments({ trashed: true }))]
  return documents.reduce((sum, doc) => sum + (doc.historySize ?? 0), 0)
}
