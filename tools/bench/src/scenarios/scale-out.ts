import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type PostgresServer, type RedisServer, startPostgres, startRedis } from '@tandem/test-utils'
import type { StageResult, WatchedStage } from '../load/fanout-clients.js'
import { hasTaskset, pinProcess, SERVER_CORE } from '../pinning.js'
import { ProcTreeMeter } from '../proc-meter.js'
import type { RunContext } from '../run-context.js'
import { delta, histogramQuantile, parsePrometheus, type Scrape } from '../servers/prometheus-text.js'
import { redisInfo } from '../servers/redis-info.js'
import { ServerUnderTest } from '../servers/server-under-test.js'
import { kneeLog, sweepAndClose } from './fanout.js'
import { undisturbed } from './undisturbed.js'

/** The scale-out scenario's load: fan-out rooms, the rates swept, and the rates every setup is compared at. */
export interface ScaleOutConfig {
  rooms: number
  clientsPerRoom: number
  /** Combined insert rates to sweep, ascending, until one fails the knee's conditions. */
  rates: number[]
  /** The rates the tables compare the setups at (among `rates`): measured even past the knee. */
  fixedRates: number[]
  stageMs: number
  drainMs: number
}

/** One deployment: `instances` Tandem processes on one PostgreSQL schema, relaying through Redis or not. */
export interface ScaleOutSetup {
  instances: number
  redis: boolean
}

/** The baseline (one instance, no Redis), then 1, 2 and 3 instances through Redis. */
export const SCALE_OUT_SETUPS: readonly ScaleOutSetup[] = [
  { instances: 1, redis: false },
  { instances: 1, redis: true },
  { instances: 2, redis: true },
  { instances: 3, redis: true },
]

/** How a setup is named in tables and charts. */
export function setupLabel(setup: ScaleOutSetup): string {
  if (!setup.redis) return `1 instance, no Redis`
  return `${setup.instances} instance${setup.instances > 1 ? 's' : ''} + Redis`
}

/** The bus traffic of a stage, from the instances' `/metrics` before and after it, summed over the instances. */
export interface BusStage {
  /** Messages the instances received from clients (`tandem_messages_received_total`). */
  clientMessages: number
  /** Updates committed to PostgreSQL (`tandem_store_committed_updates_total`). */
  committed: number
  published: number
  /** Messages not published because the bus was down (should be 0). */
  dropped: number
  publishedBytes: number
  received: number
  receivedBytes: number
  /** Publish-to-arrival lag, interpolated in the histogram's buckets (null: nothing crossed the bus). */
  lagP50Ms: number | null
  lagP99Ms: number | null
}

/** What one process measured in a stage. */
export interface ProcessStage {
  /** CPU while the inserts were sent. */
  cpuCores: number
  /** CPU seconds from the stage's start to its last delivery. */
  cpuSeconds: number
  /** Peak RSS (NaN for PostgreSQL, whose processes share their memory). */
  rssPeakBytes: number
}

/** One stage of a setup: the fan-out stage, each process's share, and the bus. */
export interface ScaleOutStage extends StageResult {
  instances: ProcessStage[]
  redis: ProcessStage
  postgres: ProcessStage
  bus: BusStage
}

/** One setup's sweep. */
export interface ScaleOutRun {
  setup: ScaleOutSetup
  connectMs: number
  stages: ScaleOutStage[]
  /** The highest rate with p99 ≤ 100 ms, nothing lost or dropped (null: not even the first). */
  knee: number | null
  /** Markers sent in the whole sweep, and how many were missing from the documents, summed over the instances. */
  markers: number
  missingInDocs: number | null
  error?: string
}

/** The scale-out scenario's results. */
export interface ScaleOutScenarioResult {
  config: ScaleOutConfig
  /** e.g. `PostgreSQL 15, fsync on`. */
  postgres: string
  redis: string
  /** Whether the instances, Redis and PostgreSQL were pinned to the server core. */
  pinned: boolean
  runs: ScaleOutRun[]
}

/** The load of a full run and of `--quick`; `rate` (`--rate`) measures that one rate only. */
export function scaleOutConfig(quick: boolean, rate: number | null = null): ScaleOutConfig {
  const base = quick
    ? { rooms: 50, clientsPerRoom: 10, rates: [1000, 2500], stageMs: 1500, drainMs: 2000 }
    : {
        rooms: 50,
        clientsPerRoom: 10,
        // From below the fixed rates: several instances sharing one core may not even reach 1,000.
        rates: [250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 5500, 7000, 8500, 10_000, 12_000, 14_000, 16_000],
        stageMs: 4000,
        drainMs: 3000,
      }
  if (rate !== null) return { ...base, rates: [rate], fixedRates: [rate] }
  return { ...base, fixedRates: [1000, 2500] }
}

/** What a test may change: a smaller load, fewer setups, Tandem from its sources. */
export interface ScaleOutOverrides {
  config?: ScaleOutConfig
  setups?: readonly ScaleOutSetup[]
  fromSource?: boolean
}

/**
 * Tandem scaled out: one PostgreSQL (fsync on) and one Redis for the scenario; for each setup a fresh schema and
 * that many `tandem serve --database-url --redis-url` instances, each room's clients spread round-robin over
 * them, and a fan-out sweep measured on every process, with the bus traffic from the instances' `/metrics`.
 * Pinned, every server-side process (instances, Redis, PostgreSQL) shares the server core, as the single
 * server of the other scenarios does, and the load generator keeps its own core.
 */
export async function runScaleOut(ctx: RunContext, overrides: ScaleOutOverrides = {}): Promise<ScaleOutScenarioResult> {
  const config = overrides.config ?? scaleOutConfig(ctx.options.quick, ctx.options.rate)
  const setups = overrides.setups ?? SCALE_OUT_SETUPS
  ctx.log(
    `\n▶ scale-out: ${config.rooms} rooms × ${config.clientsPerRoom} clients on ` +
      `${setups.map(setupLabel).join(', ')} (PostgreSQL, fsync on)`,
  )
  const postgres = await startPostgres({ fsync: true })
  let redis: RedisServer | null = null
  try {
    redis = await startRedis()
    const info = await redisInfo(redis.port)
    const redisPid = Number(info.process_id)
    const postmaster = await postmasterPid(postgres)
    const core = ctx.options.pin && hasTaskset() ? SERVER_CORE : null
    if (core !== null) {
      // Backends forked later inherit the postmaster's affinity.
      for (const pid of [redisPid, ...new ProcTreeMeter(postmaster).pids()]) pinProcess(pid, core)
    }
    const version = (await readFile(join(postgres.dir, 'data/PG_VERSION'), 'utf8')).trim()
    const result: ScaleOutScenarioResult = {
      config,
      postgres: `PostgreSQL ${version}, fsync on`,
      redis: `Redis ${info.redis_version ?? '?'}, no persistence`,
      pinned: core !== null,
      runs: [],
    }
    const processes: Processes = { postgres, postmaster, redis, redisPid, core, fromSource: overrides.fromSource }
    for (const setup of setups) {
      ctx.log(`  ${setupLabel(setup)}`)
      try {
        result.runs.push(await runSetup(ctx, config, setup, processes))
      } catch (error) {
        const message = (error as Error).message
        ctx.log(`    failed: ${message}`)
        result.runs.push({
          setup,
          connectMs: 0,
          stages: [],
          knee: null,
          markers: 0,
          missingInDocs: null,
          error: message,
        })
      }
    }
    return result
  } finally {
    await redis?.stop()
    await postgres.stop()
  }
}

interface Processes {
  postgres: PostgresServer
  postmaster: number
  redis: RedisServer
  redisPid: number
  core: number | null
  fromSource: boolean | undefined
}

async function postmasterPid(postgres: PostgresServer): Promise<number> {
  const pid = Number((await readFile(join(postgres.dir, 'data/postmaster.pid'), 'utf8')).split('\n')[0])
  if (!(pid > 0)) throw new Error(`No postmaster pid in ${postgres.dir}/data/postmaster.pid.`)
  return pid
}

async function runSetup(
  ctx: RunContext,
  config: ScaleOutConfig,
  setup: ScaleOutSetup,
  processes: Processes,
): Promise<ScaleOutRun> {
  const databaseUrl = await processes.postgres.createSchema()
  const instances: ServerUnderTest[] = []
  try {
    // One after the other: each creates the schema's tables if they are missing.
    for (let i = 0; i < setup.instances; i++) {
      instances.push(
        await ServerUnderTest.start('tandem-postgres', {
          core: processes.core,
          databaseUrl,
          redisUrl: setup.redis ? processes.redis.url : null,
          fromSource: processes.fromSource,
        }),
      )
    }
    const [first, ...more] = instances as [ServerUnderTest, ...ServerUnderTest[]]
    const { connectMs } = await ctx.load.call('openFanout', {
      url: first.url,
      moreUrls: more.map((instance) => instance.url),
      serverPid: first.pid,
      serverSyncs: true,
      rooms: config.rooms,
      clientsPerRoom: config.clientsPerRoom,
      roomPrefix: `scale-out-${config.rooms}x${config.clientsPerRoom}`,
      watched: [
        ...more.map((instance, i) => ({ name: `instance ${i + 2}`, pid: instance.pid })),
        { name: 'redis', pid: processes.redisPid },
        { name: 'postgres', pid: processes.postmaster, tree: true },
      ],
    })
    const measure = (rate: number, durationMs: number) =>
      undisturbed(ctx, async () => {
        const before = await scrape(instances)
        const stage = await ctx.load.call('runFanoutStage', { rate, durationMs, drainMs: config.drainMs })
        const after = await scrape(instances)
        const result = scaleOutStage(stage, before, after, setup.instances)
        ctx.log(busLine(result))
        return result
      })
    const { stages, knee, closed } = await sweepAndClose(ctx, config, measure, config.fixedRates)
    ctx.log(
      `${kneeLog(knee)}; ` +
        `${closed.missingInDocs} of ${closed.markers} markers missing from the documents (checked on every instance)`,
    )
    return { setup, connectMs, stages, knee, markers: closed.markers, missingInDocs: closed.missingInDocs }
  } finally {
    for (const instance of instances) await instance.dispose()
  }
}

function scrape(instances: ServerUnderTest[]): Promise<Scrape[]> {
  return Promise.all(instances.map(async (instance) => parsePrometheus(await instance.metrics())))
}

function scaleOutStage(stage: StageResult, before: Scrape[], after: Scrape[], instances: number): ScaleOutStage {
  const watched = (name: string): ProcessStage => {
    const found: WatchedStage | undefined = stage.watched?.find((w) => w.name === name)
    if (!found) throw new Error(`The stage did not measure ${name}.`)
    return { cpuCores: found.cpuCores, cpuSeconds: found.cpuSeconds, rssPeakBytes: found.rssPeakBytes }
  }
  const first: ProcessStage = {
    cpuCores: stage.serverCpuCores,
    cpuSeconds: stage.serverCpuSeconds ?? Number.NaN,
    rssPeakBytes: stage.serverRssPeakBytes,
  }
  const lag = (q: number) => {
    const seconds = histogramQuantile(before, after, 'tandem_bus_lag_seconds', q)
    return seconds === null ? null : seconds * 1000
  }
  // The stage's own record of the watched processes is folded into the fields below.
  const { watched: _, ...fanout } = stage
  return {
    ...fanout,
    instances: [first, ...Array.from({ length: instances - 1 }, (_, i) => watched(`instance ${i + 2}`))],
    redis: watched('redis'),
    postgres: watched('postgres'),
    bus: {
      clientMessages: delta(before, after, 'tandem_messages_received_total'),
      committed: delta(before, after, 'tandem_store_committed_updates_total'),
      published: delta(before, after, 'tandem_bus_published_total{outcome="sent"}'),
      dropped: delta(before, after, 'tandem_bus_published_total{outcome="dropped"}'),
      publishedBytes: delta(before, after, 'tandem_bus_published_bytes_total'),
      received: delta(before, after, 'tandem_bus_received_total'),
      receivedBytes: delta(before, after, 'tandem_bus_received_bytes_total'),
      lagP50Ms: lag(0.5),
      lagP99Ms: lag(0.99),
    },
  }
}

function busLine(stage: ScaleOutStage): string {
  const { bus, sent } = stage
  const instancesCores = stage.instances.reduce((sum, i) => sum + i.cpuCores, 0)
  return (
    `      instances ${instancesCores.toFixed(2)} cores, redis ${stage.redis.cpuCores.toFixed(2)}, postgres ` +
    `${stage.postgres.cpuCores.toFixed(2)}; bus per update: ${(bus.published / sent).toFixed(2)} published, ` +
    `${(bus.received / sent).toFixed(2)} received` +
    (bus.lagP99Ms === null ? '' : `, lag p50 ${bus.lagP50Ms?.toFixed(2)} / p99 ${bus.lagP99Ms.toFixed(2)} ms`)
  )
}
