import type { StageResult } from '../load/fanout-clients.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind, ServerUnderTest } from '../servers/server-under-test.js'
import { undisturbed } from './undisturbed.js'

/** One fan-out configuration: rooms × clients, the insert rates to sweep, and the rate compared at fixed load. */
export interface FanoutConfig {
  rooms: number
  clientsPerRoom: number
  /** Combined insert rates to try, ascending. */
  rates: number[]
  /** The rate at which CPU and latency are compared (it is one of `rates`). */
  fixedRate: number
  stageMs: number
  drainMs: number
}

/** The knee's conditions: p99 within this, nothing lost. */
const KNEE_P99_MS = 100

/** One server's fan-out sweep. */
export interface FanoutServerResult {
  server: ServerKind
  connectMs: number
  stages: StageResult[]
  /** The highest rate with p99 ≤ 100 ms, nothing lost, no connection dropped (null: not even the first). */
  knee: number | null
  /** The stage at the fixed comparison rate. */
  fixed: StageResult | null
  /** Markers sent in the whole sweep, and how many were missing from the final documents (null: raw). */
  markers: number
  missingInDocs: number | null
  error?: string
}

/** The fan-out scenario's results, for one configuration. */
export interface FanoutScenarioResult {
  config: FanoutConfig
  servers: FanoutServerResult[]
}

/** The sweeps of a full run and of `--quick`. */
export function fanoutConfig(kind: 'fanout' | 'big-rooms', quick: boolean): FanoutConfig {
  if (kind === 'fanout') {
    return quick
      ? {
          rooms: 50,
          clientsPerRoom: 10,
          rates: [1000, 2500, 5000, 8000],
          fixedRate: 2500,
          stageMs: 1500,
          drainMs: 2000,
        }
      : {
          rooms: 50,
          clientsPerRoom: 10,
          rates: [1000, 2500, 4000, 5500, 7000, 8500, 10_000, 12_000, 14_000, 16_000, 20_000, 25_000, 30_000, 40_000],
          fixedRate: 2500,
          stageMs: 4000,
          drainMs: 3000,
        }
  }
  return quick
    ? { rooms: 5, clientsPerRoom: 100, rates: [250, 500, 1000, 1500], fixedRate: 500, stageMs: 1500, drainMs: 2000 }
    : {
        rooms: 5,
        clientsPerRoom: 100,
        rates: [250, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10_000, 12_000, 16_000],
        fixedRate: 500,
        stageMs: 4000,
        drainMs: 3000,
      }
}

/**
 * Whether the sweep reached its highest rate without a failing stage: then the knee is at least that rate
 * (the sweep found no limit), not the limit itself.
 */
export function kneeIsLowerBound(
  run: { knee: number | null; stages: readonly StageResult[] },
  config: { rates: readonly number[] },
): boolean {
  return run.knee !== null && run.knee === Math.max(...config.rates) && run.stages.every(stagePasses)
}

/** A sweep's stage at `rate`: the last attempt, which is the one the knee counts. */
export function stageAt<T extends StageResult>(stages: readonly T[], rate: number): T | undefined {
  return stages.filter((stage) => stage.rate === rate).at(-1)
}

/** Whether a stage meets the knee's conditions. */
export function stagePasses(stage: StageResult): boolean {
  return (
    stage.latency.p99 <= KNEE_P99_MS &&
    stage.lost === 0 &&
    stage.dropped === 0 &&
    stage.duplicates === 0 &&
    // A load generator that could not send at the rate asked has not tested it.
    stage.sentRate >= stage.rate * 0.97
  )
}

/**
 * Sweeps the insert rate on every server: stages at rising rates until one fails the knee's conditions twice
 * (a failing stage is retried once, as the machine may have hiccupped; not in quick mode), then one stage
 * halfway between the last good rate and the failing one. The clients stay connected through the sweep; the rooms are checked for
 * completeness at the end.
 */
export async function runFanout(ctx: RunContext, kind: 'fanout' | 'big-rooms'): Promise<FanoutScenarioResult> {
  const swept = fanoutConfig(kind, ctx.options.quick)
  const rate = ctx.options.rate
  const config = rate === null ? swept : { ...swept, rates: [rate], fixedRate: rate }
  const result: FanoutScenarioResult = { config, servers: [] }
  ctx.log(`\n▶ ${kind}: ${config.rooms} rooms × ${config.clientsPerRoom} clients`)
  for (const server of ctx.servers()) {
    ctx.log(`  ${server}`)
    try {
      result.servers.push(await ctx.withServer(server, kind, (running) => sweep(ctx, running, config)))
    } catch (error) {
      const message = (error as Error).message
      ctx.log(`    failed: ${message}`)
      result.servers.push({
        server,
        connectMs: 0,
        stages: [],
        knee: null,
        fixed: null,
        markers: 0,
        missingInDocs: null,
        error: message,
      })
    }
  }
  return result
}

async function sweep(ctx: RunContext, server: ServerUnderTest, config: FanoutConfig): Promise<FanoutServerResult> {
  const { connectMs } = await ctx.load.call('openFanout', {
    url: server.url,
    serverPid: server.pid,
    serverSyncs: server.serverSyncs,
    rooms: config.rooms,
    clientsPerRoom: config.clientsPerRoom,
    roomPrefix: `fanout-${config.rooms}x${config.clientsPerRoom}`,
  })
  const { stages, knee, closed } = await sweepAndClose(ctx, config, (rate, durationMs) =>
    undisturbed(ctx, () => ctx.load.call('runFanoutStage', { rate, durationMs, drainMs: config.drainMs })),
  )
  ctx.log(
    kneeLog(knee) +
      (closed.missingInDocs === null
        ? ''
        : `; ${closed.missingInDocs} of ${closed.markers} markers missing from the documents`),
  )
  return {
    server: server.kind,
    connectMs,
    stages,
    knee,
    fixed: stages.find((stage) => stage.rate === config.fixedRate) ?? null,
    markers: closed.markers,
    missingInDocs: closed.missingInDocs,
  }
}

/**
 * {@link sweepRates} over the open fan-out session, which it then closes (also when the sweep fails): the stages,
 * the knee, and the markers the close found missing from the documents.
 */
export async function sweepAndClose<T extends StageResult>(
  ctx: RunContext,
  config: Pick<FanoutConfig, 'rates' | 'stageMs'>,
  measure: (rate: number, durationMs: number) => Promise<T>,
  always: readonly number[] = [],
) {
  let swept: { stages: T[]; knee: number | null }
  try {
    swept = await sweepRates(ctx, config, measure, always)
  } catch (error) {
    await ctx.load.call('closeFanout').catch(() => {})
    throw error
  }
  return { ...swept, closed: await ctx.load.call('closeFanout') }
}

/** The progress log's line for a sweep's knee. */
export function kneeLog(knee: number | null): string {
  return `    knee ${knee === null ? 'below the first rate' : `${knee.toLocaleString('en')} inserts/s`}`
}

/**
 * The sweep of {@link runFanout} over an open fan-out session, each stage measured by `measure`: a warm-up at half
 * the first rate, then rising rates until one fails the knee's conditions (retried once, not in quick mode), then
 * one stage halfway between the last good rate and the failing one. Rates in `always` are measured even after a
 * failure (those a report compares at), though they no longer move the knee.
 */
async function sweepRates<T extends StageResult>(
  ctx: RunContext,
  config: Pick<FanoutConfig, 'rates' | 'stageMs'>,
  measure: (rate: number, durationMs: number) => Promise<T>,
  always: readonly number[] = [],
): Promise<{ stages: T[]; knee: number | null }> {
  const run = (rate: number, durationMs = config.stageMs) => measure(rate, durationMs)
  const done: T[] = []
  let knee: number | null = null
  let firstFailure: number | null = null
  // Warm-up, not recorded: the JIT, the documents' first items, the sockets' buffers.
  await run((config.rates[0] as number) / 2, 1000)
  for (const rate of config.rates) {
    if (firstFailure !== null) {
      if (!always.includes(rate)) continue
      done.push(await run(rate))
      continue
    }
    let stage = await run(rate)
    if (!stagePasses(stage) && stage.dropped === 0 && !ctx.options.quick) {
      ctx.log('    retrying once')
      stage = await run(rate)
    }
    done.push(stage)
    if (stagePasses(stage)) {
      knee = rate
      continue
    }
    firstFailure = rate
    if (knee !== null && !ctx.options.quick && config.rates.length > 1) {
      const middle: number = Math.round((knee + firstFailure) / 2 / 50) * 50
      if (middle > knee && middle < firstFailure) {
        const between = await run(middle)
        done.push(between)
        if (stagePasses(between)) knee = middle
      }
    }
  }
  return { stages: done, knee }
}
