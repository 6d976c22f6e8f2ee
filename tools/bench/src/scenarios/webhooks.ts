import { startWebhookReceiver, type WebhookReceiver } from '@tandem/test-utils'
import type { StageResult } from '../load/fanout-clients.js'
import type { RunContext } from '../run-context.js'
import { parsePrometheus } from '../servers/prometheus-text.js'

/** What the receiver of one run was. */
export type WebhookReceiverKind = 'off' | 'hanging' | 'fast'

/** One run of the webhooks scenario: the fan-out with saved acknowledgements, with webhooks as `receiver` says. */
export interface WebhookRun extends StageResult {
  receiver: WebhookReceiverKind
  /** `tandem_webhook_deliveries_total` by result, and timed-out attempts, at the end (null: webhooks off). */
  webhooks: Record<'delivered' | 'retried' | 'failed' | 'dropped' | 'timeouts', number> | null
  /** Requests the receiver got. */
  received: number
}

/** The webhooks scenario's results. */
export interface WebhooksScenarioResult {
  rate: number
  rooms: number
  clientsPerRoom: number
  debounceMs: number
  runs: WebhookRun[]
}

const RATE = 1000
/** Much shorter than the default 2 s, so that 50 busy documents send an event each 10 times a second. */
const DEBOUNCE_MS = 100

/** A 1 s timeout and a queue of 100 (instead of 10 s and 10,000), so a short run sees timeouts and drops. */
const HANGING_LIMITS = ['--webhook-timeout', '1000', '--webhook-queue-size', '100']

/**
 * Whether webhooks slow editing: the saved-acknowledgement delay of the 50 × 10 fan-out (every client opted in)
 * on Tandem + SQLite with webhooks off, sent to a receiver that never answers (every delivery waits for its
 * timeout, the queue fills and drops), and to one that answers 200 at once; all in the same run.
 */
export async function runWebhooks(ctx: RunContext): Promise<WebhooksScenarioResult> {
  const durationMs = ctx.options.quick ? 3000 : 10_000
  const result: WebhooksScenarioResult = {
    rate: RATE,
    rooms: 50,
    clientsPerRoom: 10,
    debounceMs: DEBOUNCE_MS,
    runs: [],
  }
  ctx.log('\n▶ webhooks')
  for (const receiverKind of ['off', 'hanging', 'fast'] as const) {
    let receiver: WebhookReceiver | null = null
    try {
      if (receiverKind !== 'off')
        receiver = await startWebhookReceiver(() => (receiverKind === 'hanging' ? 'hang' : 200))
      const args = receiver
        ? ['--webhook-url', receiver.url, '--webhook-debounce', String(DEBOUNCE_MS), ...HANGING_LIMITS]
        : []
      const run = await ctx.withServer(
        'tandem-sqlite',
        'webhooks',
        async (running) => {
          await ctx.load.call('openFanout', {
            url: running.url,
            serverPid: running.pid,
            serverSyncs: true,
            rooms: result.rooms,
            clientsPerRoom: result.clientsPerRoom,
            roomPrefix: `hook-${receiverKind}`,
            saved: true,
          })
          try {
            await ctx.load.call('runFanoutStage', { rate: RATE / 2, durationMs: 500, drainMs: 2000 })
            const stage = await ctx.load.call('runFanoutStage', { rate: RATE, durationMs, drainMs: 5000 })
            const webhooks = receiver ? await deliveryCounts(running.httpUrl) : null
            return { ...stage, receiver: receiverKind, webhooks, received: receiver?.deliveries.length ?? 0 }
          } finally {
            await ctx.load.call('closeFanout')
          }
        },
        { args },
      )
      result.runs.push(run)
      ctx.log(
        `  ${receiverKind}: saved p50 ${run.ack?.p50.toFixed(1)} / p99 ${run.ack?.p99.toFixed(1)} ms, ` +
          `${run.unacked} unacknowledged, ${run.received} deliveries received` +
          (run.webhooks ? `, counted ${JSON.stringify(run.webhooks)}` : ''),
      )
    } catch (error) {
      ctx.log(`    ${receiverKind} failed: ${(error as Error).message}`)
    } finally {
      await receiver?.close()
    }
  }
  return result
}

async function deliveryCounts(httpUrl: string): Promise<NonNullable<WebhookRun['webhooks']>> {
  const scrape = parsePrometheus(await (await fetch(`${httpUrl}/metrics`)).text())
  const value = (name: string, label: string, wanted: string) => scrape.get(`${name}{${label}="${wanted}"}`) ?? 0
  return {
    delivered: value('tandem_webhook_deliveries_total', 'result', 'delivered'),
    retried: value('tandem_webhook_deliveries_total', 'result', 'retried'),
    failed: value('tandem_webhook_deliveries_total', 'result', 'failed'),
    dropped: value('tandem_webhook_deliveries_total', 'result', 'dropped'),
    timeouts: value('tandem_webhook_attempts_total', 'outcome', 'timeout'),
  }
}
