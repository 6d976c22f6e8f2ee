// The history CPU scenario's arithmetic: the ratio is the median of on / off within each repetition, over the
// repetitions where the server kept up in both history runs, and the target is judged on it (or not at all when no
// repetition counts).
import { describe, expect, it } from 'vitest'
import type { StageResult } from '../src/load/fanout-clients.js'
import { evaluateTargets } from '../src/report/targets.js'
import type { RunResults } from '../src/results.js'
import {
  type HistoryCpuRun,
  type HistoryCpuScenarioResult,
  type HistoryVariant,
  historyCpuConfig,
  historyCpuFigures,
} from '../src/scenarios/history-cpu.js'

const TARGET = 'History on: server CPU ≤ 1.10× history off (fan-out, 2,500 inserts/s)'

/** A run at 2,500 inserts/s for 1 s that used `cpuSeconds`, kept up (p99 10 ms) or fell behind (p99 900 ms). */
function run(variant: HistoryVariant, repetition: number, cpuSeconds: number, keptUp = true): HistoryCpuRun {
  const stage = {
    rate: 2500,
    sentRate: 2500,
    sent: 2500,
    lost: 0,
    dropped: 0,
    duplicates: 0,
    latency: { p99: keptUp ? 10 : 900 },
    serverCpuSeconds: cpuSeconds,
    otherCpuCores: 0,
  } as unknown as StageResult
  return { variant, repetition, stage }
}

function scenario(runs: HistoryCpuRun[]): HistoryCpuScenarioResult {
  return { config: { ...historyCpuConfig(false), repetitions: 3 }, runs, errors: [] }
}

function target(result: HistoryCpuScenarioResult) {
  const results = { options: { rate: null }, historyCpu: result } as unknown as RunResults
  return evaluateTargets(results).find((t) => t.target === TARGET)
}

describe('the history CPU figures', () => {
  it('take the median of the paired ratios, leaving out a repetition where a history run fell behind', () => {
    const result = scenario([
      run('history on', 1, 0.55),
      run('history off', 1, 0.5),
      run('versions every 2 s', 1, 0.6),
      run('reference', 1, 0.4),
      // Starved: it used less CPU per insert, which must not pass for history costing less.
      run('history on', 2, 0.2, false),
      run('history off', 2, 0.5),
      run('versions every 2 s', 2, 0.65),
      run('reference', 2, 0.42),
      run('history on', 3, 0.52),
      run('history off', 3, 0.5),
      run('versions every 2 s', 3, 0.3, false),
      run('reference', 3, 0.44, false),
    ])
    const figures = historyCpuFigures(result)
    expect(figures?.pairs).toBe(2)
    expect(figures?.pairedRatio).toBeCloseTo((1.1 + 1.04) / 2, 10)
    expect(figures?.cores['history on']).toBeCloseTo(0.535, 10)
    expect(figures?.cores['history off']).toBeCloseTo(0.5, 10)
    expect(figures?.cores.reference).toBeCloseTo(0.41, 10)
    // Versions every 2 s: its own ratio to history off, over the repetitions where both kept up.
    expect(figures?.cores['versions every 2 s']).toBeCloseTo(0.625, 10)
    expect(figures?.versionsRatio).toBeCloseTo(1.25, 10)
    expect(target(result)).toMatchObject({ met: true })
  })

  it('judge the target not met above 1.10×, and not at all when no repetition kept up', () => {
    const costly = scenario([run('history on', 1, 0.6), run('history off', 1, 0.5)])
    expect(historyCpuFigures(costly)?.pairedRatio).toBeCloseTo(1.2, 10)
    expect(target(costly)).toMatchObject({ met: false })
    const starved = scenario([run('history on', 1, 0.3, false), run('history off', 1, 0.5)])
    expect(historyCpuFigures(starved)).toBeNull()
    expect(target(starved)).toEqual({
      target: TARGET,
      measured: 'the server kept up in no repetition (p99 over 100 ms: a busy machine)',
      met: null,
    })
  })
})
