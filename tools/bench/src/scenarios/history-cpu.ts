import type { StageResult } from '../load/fanout-clients.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind, ServerUnderTest } from '../servers/server-under-test.js'
import { median } from '../stats.js'
import { fanoutConfig, stagePasses } from './fanout.js'
import { undisturbed } from './undisturbed.js'

/** The target: history costs the server at most this much more CPU than the same server without it. */
export const HISTORY_CPU_LIMIT = 1.1

/**
 * The servers a repetition runs, in the order it runs them. `versions every 2 s` is history on with an automatic
 * version of every busy document at least every 2 s (`TANDEM_VERSION_MAX=2s`, 150 times the default 5 minutes), so
 * that the cost of taking versions is in a figure too: with the defaults, a stage ends before any is due.
 */
export const HISTORY_VARIANTS = ['history on', 'history off', 'versions every 2 s', 'reference'] as const
export type HistoryVariant = (typeof HISTORY_VARIANTS)[number]

/** How the history CPU scenario measures. */
export interface HistoryCpuConfig {
  rooms: number
  clientsPerRoom: number
  rate: number
  stageMs: number
  /** The longest wait for a stage's last deliveries: long, so that the CPU counted covers all of its work. */
  drainMs: number
  repetitions: number
}

/** One measurement: a fresh server, the fan-out session's clients, one stage at the rate. */
export interface HistoryCpuRun {
  variant: HistoryVariant
  repetition: number
  stage: StageResult
}

/** The history CPU scenario's results. */
export interface HistoryCpuScenarioResult {
  config: HistoryCpuConfig
  runs: HistoryCpuRun[]
  errors: string[]
}

/** The figures the report and the target use, from the runs. */
export interface HistoryCpuFigures {
  /** Median server CPU (cores) of each variant's runs that count (see {@link historyCpuFigures}). */
  cores: Record<HistoryVariant, number>
  /** Median of the ratios on/off within each repetition (the runs next to each other in time). */
  pairedRatio: number
  /** The repetitions whose two history runs both kept up: those the ratio is taken over. */
  pairs: number
  /** The ratio of the medians. */
  medianRatio: number
  /** Median of the ratios versions-every-2-s/off within each repetition where both kept up; `null` when none did. */
  versionsRatio: number | null
}

/** The measurement of a full run and of `--quick`. */
export function historyCpuConfig(quick: boolean): HistoryCpuConfig {
  const { rooms, clientsPerRoom, fixedRate } = fanoutConfig('fanout', quick)
  return quick
    ? { rooms, clientsPerRoom, rate: fixedRate, stageMs: 3000, drainMs: 15_000, repetitions: 2 }
    : { rooms, clientsPerRoom, rate: fixedRate, stageMs: 8000, drainMs: 15_000, repetitions: 5 }
}

/**
 * What keeping history costs the server: Tandem + SQLite with history (the default) and without it
 * (`TANDEM_HISTORY=off`), and the reference y-websocket server beside them, in the fan-out scenario's rooms at
 * its fixed insert rate. The variants alternate (on, off, reference, on, off, …) so that drift in the machine's
 * speed falls on both alike; each run starts a fresh server, so documents and logs are the same size in each.
 */
export async function runHistoryCpu(ctx: RunContext): Promise<HistoryCpuScenarioResult> {
  const config = historyCpuConfig(ctx.options.quick)
  const rate = ctx.options.rate ?? config.rate
  const measured = { ...config, rate }
  const result: HistoryCpuScenarioResult = { config: measured, runs: [], errors: [] }
  ctx.log(
    `\n▶ history-cpu: ${measured.rooms} rooms × ${measured.clientsPerRoom} clients at ${rate.toLocaleString('en')} inserts/s, ` +
      `history on and off alternating, ${measured.repetitions} repetitions`,
  )
  for (let repetition = 1; repetition <= measured.repetitions; repetition++) {
    for (const variant of HISTORY_VARIANTS) {
      try {
        const stage = await measureVariant(ctx, variant, measured)
        result.runs.push({ variant, repetition, stage })
        ctx.log(
          `  ${repetition}. ${variant}: ${stageCores(stage).toFixed(3)} cores, p99 ${stage.latency.p99.toFixed(1)} ms`,
        )
      } catch (error) {
        const message = `${repetition}. ${variant}: ${(error as Error).message.split('\n')[0]}`
        ctx.log(`  ${message}`)
        result.errors.push(message)
      }
    }
  }
  const figures = historyCpuFigures(result)
  if (figures) {
    ctx.log(
      `  history on ${figures.cores['history on'].toFixed(3)} vs off ${figures.cores['history off'].toFixed(3)} cores: ` +
        `${figures.pairedRatio.toFixed(3)}× (paired), reference ${figures.cores.reference.toFixed(3)}`,
    )
  }
  return result
}

const SERVER_OF: Record<HistoryVariant, ServerKind> = {
  'history on': 'tandem-sqlite',
  'history off': 'tandem-sqlite',
  'versions every 2 s': 'tandem-sqlite',
  reference: 'reference',
}

async function measureVariant(
  ctx: RunContext,
  variant: HistoryVariant,
  config: HistoryCpuConfig,
): Promise<StageResult> {
  const env: Record<string, string> =
    variant === 'history off'
      ? { TANDEM_HISTORY: 'off' }
      : variant === 'versions every 2 s'
        ? { TANDEM_VERSION_MAX: '2s' }
        : {}
  return ctx.withServer(SERVER_OF[variant], 'history-cpu', (server) => measureOnce(ctx, server, config), { env })
}

async function measureOnce(ctx: RunContext, server: ServerUnderTest, config: HistoryCpuConfig): Promise<StageResult> {
  await ctx.load.call('openFanout', {
    url: server.url,
    serverPid: server.pid,
    serverSyncs: server.serverSyncs,
    rooms: config.rooms,
    clientsPerRoom: config.clientsPerRoom,
    roomPrefix: `history-${config.rooms}x${config.clientsPerRoom}`,
  })
  try {
    const stage = (rate: number, durationMs: number) =>
      ctx.load.call('runFanoutStage', { rate, durationMs, drainMs: config.drainMs })
    // Warm-up, not recorded: the JIT, the documents' first items, the sockets' buffers.
    await stage(config.rate / 2, 1000)
    return await undisturbed(ctx, () => stage(config.rate, config.stageMs))
  } finally {
    await ctx.load.call('closeFanout')
  }
}

/**
 * The server's CPU for a stage's work, in cores at the stage's rate: the CPU seconds it used from the stage's start
 * until its last delivery, per insert sent, times the rate. Unlike CPU over the sending time alone, this counts the
 * work a busy machine delays past the end of sending, so other processes on the machine move it less.
 */
export function stageCores(stage: StageResult): number {
  return ((stage.serverCpuSeconds ?? Number.NaN) / stage.sent) * stage.rate
}

/**
 * The medians and ratios of a result, from the runs in which the server kept up (the knee's conditions: p99 within
 * 100 ms, nothing lost, the rate sent); `null` while no repetition has both history runs kept up. A server that
 * falls behind sends each member many changes in one frame, so its CPU per insert drops: a starved run measures
 * less work, not less cost, and is left out.
 */
export function historyCpuFigures(result: HistoryCpuScenarioResult): HistoryCpuFigures | null {
  const kept = result.runs.filter((run) => stagePasses(run.stage))
  const coresOf = (variant: HistoryVariant, repetition?: number) =>
    kept
      .filter((run) => run.variant === variant && (repetition === undefined || run.repetition === repetition))
      .map((run) => stageCores(run.stage))
  /** The repetitions where `variant` and history off both kept up: each one's cores, and their ratio. */
  const pairedWithOff = (variant: HistoryVariant) => {
    const pairs: { cores: number; off: number; ratio: number }[] = []
    for (let repetition = 1; repetition <= result.config.repetitions; repetition++) {
      const [cores, off] = [coresOf(variant, repetition)[0], coresOf('history off', repetition)[0]]
      if (cores !== undefined && off !== undefined && off > 0) pairs.push({ cores, off, ratio: cores / off })
    }
    return pairs
  }
  const onOff = pairedWithOff('history on')
  if (onOff.length === 0) return null
  const versionsRatios = pairedWithOff('versions every 2 s').map((pair) => pair.ratio)
  const cores = {
    'history on': median(onOff.map((pair) => pair.cores)),
    'history off': median(onOff.map((pair) => pair.off)),
    'versions every 2 s': median(coresOf('versions every 2 s')),
    reference: median(coresOf('reference')),
  }
  return {
    cores,
    pairs: onOff.length,
    pairedRatio: median(onOff.map((pair) => pair.ratio)),
    medianRatio: cores['history on'] / cores['history off'],
    versionsRatio: versionsRatios.length > 0 ? median(versionsRatios) : null,
  }
}
