import { stageAt } from '../scenarios/fanout.js'
import {
  type ProcessStage,
  type ScaleOutRun,
  type ScaleOutScenarioResult,
  type ScaleOutStage,
  setupLabel,
} from '../scenarios/scale-out.js'
import { failedNote, fixed, latencies, mb, table, whole } from './format.js'
import { disturbed, kneeCell, stageCell, sweepTable } from './scenario-tables.js'

/** CPU seconds per update of the instances, Redis, PostgreSQL, and all of them, from a stage's start to its last delivery. */
function cpuPerUpdate(stage: ScaleOutStage): {
  instances: number
  redis: number
  postgres: number
  total: number
} {
  const instances = stage.instances.reduce((sum, i) => sum + i.cpuSeconds, 0) / stage.sent
  const redis = stage.redis.cpuSeconds / stage.sent
  const postgres = stage.postgres.cpuSeconds / stage.sent
  return { instances, redis, postgres, total: instances + redis + postgres }
}

const sum = (processes: ProcessStage[], value: (p: ProcessStage) => number) =>
  processes.reduce((total, p) => total + value(p), 0)

const perInstance = (processes: ProcessStage[], value: (p: ProcessStage) => number, format: (n: number) => string) =>
  processes.length > 1 ? ` (${processes.map((p) => format(value(p))).join(' + ')})` : ''

const µs = (seconds: number | undefined) => (seconds === undefined ? '—' : whole(seconds * 1e6))

/** The scale-out tables: each setup at the fixed rates, the cost of the bus per update, the knees, the sweep. */
export function scaleOutTables(scenario: ScaleOutScenarioResult): string {
  const { config, runs } = scenario
  const baseline = runs.find((run) => !run.setup.redis)
  const name = (run: ScaleOutRun) => setupLabel(run.setup) + failedNote(run.error)
  const atFixed = config.fixedRates.flatMap((rate) =>
    runs.map((run) => ({ run, rate, stage: stageAt(run.stages, rate) })).filter((row) => row.stage !== undefined),
  ) as { run: ScaleOutRun; rate: number; stage: ScaleOutStage }[]

  const fixedTable = table(
    [
      'setup',
      'inserts/s',
      'p50 / p99 / max (ms)',
      'deliveries/s',
      'lost',
      'instances CPU (cores)',
      'instances peak RSS (MB)',
      'Redis CPU (cores)',
      'PostgreSQL CPU (cores)',
    ],
    atFixed.map(({ run, rate, stage }) => [
      name(run) + disturbed(stage.otherCpuCores),
      whole(rate),
      latencies(stage.latency),
      whole(stage.deliveriesPerSec),
      `${whole(stage.lost)}${stage.dropped > 0 ? ` (${stage.dropped} dropped)` : ''}`,
      fixed(sum(stage.instances, (p) => p.cpuCores)) +
        perInstance(
          stage.instances,
          (p) => p.cpuCores,
          (n) => fixed(n),
        ),
      mb(sum(stage.instances, (p) => p.rssPeakBytes)) +
        perInstance(
          stage.instances,
          (p) => p.rssPeakBytes,
          (n) => mb(n),
        ),
      run.setup.redis ? fixed(stage.redis.cpuCores) : `${fixed(stage.redis.cpuCores)} (unused)`,
      fixed(stage.postgres.cpuCores),
    ]),
  )

  const costTable = table(
    [
      'setup',
      'inserts/s',
      'bus messages per update: published / received',
      'bus bytes per update: published / received',
      'bus lag p50 / p99 (ms)',
      'Redis CPU per 1,000 updates (ms)',
      'CPU per update (µs): instances + Redis + PostgreSQL = total',
      'extra CPU per update vs 1 instance without Redis (µs)',
    ],
    atFixed.map(({ run, rate, stage }) => {
      const cost = cpuPerUpdate(stage)
      const base = baseline ? stageAt(baseline.stages, rate) : undefined
      const extra = base && run !== baseline ? cost.total - cpuPerUpdate(base).total : undefined
      const { bus, sent } = stage
      return [
        name(run),
        whole(rate),
        `${fixed(bus.published / sent)} / ${fixed(bus.received / sent)}`,
        `${whole(bus.publishedBytes / sent)} / ${whole(bus.receivedBytes / sent)}`,
        bus.lagP50Ms === null ? '—' : `${fixed(bus.lagP50Ms)} / ${fixed(bus.lagP99Ms)}`,
        run.setup.redis ? fixed(cost.redis * 1e6) : '—',
        `${µs(cost.instances)} + ${µs(cost.redis)} + ${µs(cost.postgres)} = ${µs(cost.total)}`,
        extra === undefined ? '—' : `${extra >= 0 ? '+' : ''}${µs(extra)}`,
      ]
    }),
  )

  const kneeTable = table(
    ['setup', 'knee (inserts/s)', 'deliveries/s at the knee', 'markers missing from the documents (every instance)'],
    runs.map((run) => {
      const knee = run.knee === null ? undefined : stageAt(run.stages, run.knee)
      return [
        name(run),
        kneeCell(run, config, config.rates.length > config.fixedRates.length),
        whole(knee?.deliveriesPerSec),
        run.missingInDocs === null ? '—' : `${whole(run.missingInDocs)} of ${whole(run.markers)}`,
      ]
    }),
  )

  const sweep = sweepTable(
    runs.map((run) => ({ name: name(run), stages: run.stages })),
    sweepCell,
  )

  return [
    fixedTable,
    '',
    "The cost of the bus: messages and bytes from the instances' `/metrics` (summed over the instances, divided by " +
      "the updates the clients sent); CPU seconds of every process from the stage's start to its last delivery, " +
      "divided by the updates; the bus lag interpolated in the histogram's buckets (0.5, 1, 2.5, 5, 10 ms, ...).",
    '',
    costTable,
    '',
    kneeTable,
    '',
    `Every stage (${(config.stageMs / 1000).toFixed(1)} s of inserts, then up to ${(config.drainMs / 1000).toFixed(1)} s ` +
      'for the last deliveries): p99 latency, CPU of instances + Redis + PostgreSQL, load generator CPU; ✓ meets the ' +
      'knee conditions.',
    '',
    sweep,
  ].join('\n')
}

function sweepCell(stage: ScaleOutStage): string {
  return stageCell(stage, sum(stage.instances, (p) => p.cpuCores) + stage.redis.cpuCores + stage.postgres.cpuCores)
}
