import type { StageResult } from '../load/fanout-clients.js'
import type { ThroughputResult } from '../load/persistence-clients.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind } from '../servers/server-under-test.js'
import { undisturbed } from './undisturbed.js'

/** The persistence scenario's results. */
export interface PersistenceScenarioResult {
  throughput: (ThroughputResult & { server: ServerKind })[]
  /** Fan-out (50 × 10, every client opted in to saved acknowledgements) at half of Tandem + SQLite's knee. */
  underLoad: (StageResult & { server: ServerKind; kneeSource: string }) | null
}

/** The rate used when this run did not measure Tandem + SQLite's knee. */
const DEFAULT_HALF_KNEE = 2500

/**
 * Durable throughput: writers saturating the commit path with a window of unacknowledged updates (Tandem only:
 * the other servers have no acknowledgement). Then the saved-acknowledgement delay under the 50 × 10 fan-out
 * load at half the knee that the fan-out scenario measured for Tandem + SQLite.
 */
export async function runPersistence(ctx: RunContext): Promise<PersistenceScenarioResult> {
  const result: PersistenceScenarioResult = { throughput: [], underLoad: null }
  const durationMs = ctx.options.quick ? 1500 : 8000
  ctx.log('\n▶ persistence')
  for (const server of ctx.servers((kind) => kind === 'tandem-sqlite' || kind === 'tandem-memory')) {
    ctx.log(`  ${server}: commit throughput`)
    try {
      const run = await undisturbed(ctx, () =>
        ctx.withServer(server, 'persistence', (running) =>
          ctx.load.call('runCommitThroughput', {
            url: running.url,
            serverPid: running.pid,
            rooms: 50,
            window: 32,
            durationMs,
            roomPrefix: 'persist',
          }),
        ),
      )
      result.throughput.push({ server, ...run })
    } catch (error) {
      ctx.log(`    failed: ${(error as Error).message}`)
    }
  }
  if (!ctx.options.servers.includes('tandem-sqlite')) return result
  // A fan-out run at one --rate found no knee.
  const knee = ctx.options.rate
    ? null
    : (ctx.results.fanout?.servers.find((entry) => entry.server === 'tandem-sqlite')?.knee ?? null)
  const rate = knee === null ? DEFAULT_HALF_KNEE : Math.round(knee / 2)
  const kneeSource =
    knee === null
      ? 'no fan-out knee was measured in this run'
      : `half of the knee, ${knee.toLocaleString('en')} inserts/s`
  ctx.log(
    `  tandem-sqlite: saved acknowledgements under fan-out at ${rate.toLocaleString('en')} inserts/s (${kneeSource})`,
  )
  try {
    result.underLoad = await ctx.withServer('tandem-sqlite', 'persistence', async (running) => {
      await ctx.load.call('openFanout', {
        url: running.url,
        serverPid: running.pid,
        serverSyncs: true,
        rooms: 50,
        clientsPerRoom: 10,
        roomPrefix: 'saved',
        saved: true,
      })
      try {
        await ctx.load.call('runFanoutStage', {
          rate: rate / 2,
          durationMs: ctx.options.quick ? 500 : 1000,
          drainMs: 2000,
        })
        const stage = await undisturbed(ctx, () => ctx.load.call('runFanoutStage', { rate, durationMs, drainMs: 5000 }))
        return { ...stage, server: 'tandem-sqlite' as const, kneeSource }
      } finally {
        await ctx.load.call('closeFanout')
      }
    })
  } catch (error) {
    ctx.log(`    failed: ${(error as Error).message}`)
  }
  return result
}
