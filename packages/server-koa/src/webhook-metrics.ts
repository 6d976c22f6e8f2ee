import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { WebhookMetrics } from './webhook-sender.js'

/**
 * The webhook sender's Prometheus series, in `registry`: deliveries by result
 * (`tandem_webhook_deliveries_total{result="delivered|retried|failed|dropped"}`), attempts by outcome and their
 * latency, and the events waiting (`pending()`, read at every scrape).
 */
export function createWebhookMetrics(registry: Registry, pending: () => number): WebhookMetrics {
  const registers = [registry]
  const deliveries = new Counter({
    name: 'tandem_webhook_deliveries_total',
    help: 'Webhook deliveries per receiver by result: delivered, retried (an attempt failed, another follows), failed (gave up), dropped (the queue was full).',
    labelNames: ['result'],
    registers,
  })
  for (const result of ['delivered', 'retried', 'failed', 'dropped']) deliveries.inc({ result }, 0)
  const attempts = new Counter({
    name: 'tandem_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome: ok, http-error, timeout, network-error.',
    labelNames: ['outcome'],
    registers,
  })
  for (const outcome of ['ok', 'http-error', 'timeout', 'network-error']) attempts.inc({ outcome }, 0)
  const seconds = new Histogram({
    name: 'tandem_webhook_attempt_seconds',
    help: "Time from sending a webhook delivery to the receiver's answer (or the timeout).",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  new Gauge({
    name: 'tandem_webhook_pending',
    help: 'Webhook events waiting to be sent or retried, over every receiver.',
    registers,
    collect() {
      this.set(pending())
    },
  })
  return {
    delivery(result) {
      deliveries.inc({ result })
    },
    attempt(outcome, elapsed) {
      attempts.inc({ outcome })
      seconds.observe(elapsed)
    },
  }
}
