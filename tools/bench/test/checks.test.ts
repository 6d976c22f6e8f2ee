// The checks scenario's own check: a small form of it must time every set of updates (every update passing the
// checks and applying without leaving anything pending), and the target must weigh the checks against the knee of
// the same run only: met, not met, or not measured when that knee is missing or only a lower bound.
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { InProcessLoad } from '../src/load/load-process.js'
import { parseOptions } from '../src/options.js'
import { findTracesDir } from '../src/paths.js'
import { evaluateTargets } from '../src/report/targets.js'
import type { RunResults } from '../src/results.js'
import { RunContext } from '../src/run-context.js'
import { type CheckedSet, type ChecksScenarioResult, runChecks } from '../src/scenarios/checks.js'
import type { FanoutScenarioResult, FanoutServerResult } from '../src/scenarios/fanout.js'

const TARGET = 'Update checks ≤ 5 % of the fan-out knee'

describe('the checks scenario', () => {
  it('times the checks and the apply of every set of updates', async () => {
    const tracesDir = findTracesDir()
    const options = parseOptions(['--quick', '--no-pin'])
    options.tracesDir = tracesDir
    const results = { profiles: [], skipped: [] } as unknown as RunResults
    const ctx = new RunContext(options, new InProcessLoad(), results, tmpdir())
    try {
      const checks = await runChecks(ctx, { automergeTxns: 3000, fanoutInserts: 3000, passes: 2 })
      const names = tracesDir ? ['automerge-paper', 'friendsforever', 'fan-out inserts'] : ['fan-out inserts']
      expect(checks.sets.map((set) => set.name)).toEqual(names)
      for (const set of checks.sets) {
        expect(set.updates).toBeGreaterThan(0)
        expect(set.meanBytes).toBeGreaterThan(0)
        expect(set.checkNsPasses).toHaveLength(2)
        expect(set.applyNsPasses).toHaveLength(2)
        for (const ns of [set.checkNs, set.applyNs, ...set.checkNsPasses, ...set.applyNsPasses]) {
          expect(Number.isFinite(ns) && ns > 0).toBe(true)
        }
      }
      expect(checks.sets.find((set) => set.name === 'fan-out inserts')?.updates).toBe(3000)
      if (tracesDir) expect(checks.sets[0]?.updates).toBe(3000)
    } finally {
      ctx.finish()
    }
  }, 120_000)
})

describe('the update checks target', () => {
  const target = (results: RunResults) => {
    const found = evaluateTargets(results).find((t) => t.target === TARGET)
    if (!found) throw new Error(`No "${TARGET}" among the targets.`)
    return found
  }

  it('is met when the costliest set at the knee takes at most 5 % of a core', () => {
    // 2,000 ns × 20,000/s = 4 %; the cheaper set does not count.
    const verdict = target(run(checks([100, 2000]), fanout(20_000)))
    expect(verdict.met).toBe(true)
    expect(verdict.measured).toContain('4.00 %')
    expect(verdict.measured).toContain('20,000')
  })

  it('is not met above 5 %', () => {
    // 3,000 ns × 20,000/s = 6 %.
    const verdict = target(run(checks([3000, 100]), fanout(20_000)))
    expect(verdict.met).toBe(false)
    expect(verdict.measured).toContain('6.00 %')
  })

  it('is not measured without a knee from the same run, and takes no figure from elsewhere', () => {
    for (const results of [
      run(checks([100]), undefined),
      run(checks([100]), fanout(null)),
      { ...run(checks([100]), fanout(20_000)), options: { ...options, rate: 2500 } },
    ]) {
      const verdict = target(results)
      expect(verdict.met).toBeNull()
      expect(verdict.measured).toContain('the fan-out knee is missing')
      expect(verdict.measured).not.toContain('%')
    }
    expect(target(run(undefined, fanout(20_000))).measured).toBe('not measured in this run')
  })

  it('cannot be met on a knee the sweep found no limit to, only missed', () => {
    const lowerBound = fanout(40_000)
    expect(target(run(checks([1000]), lowerBound)).met).toBeNull()
    expect(target(run(checks([2000]), lowerBound)).met).toBe(false)
  })
})

const options = { quick: false, profile: false, pin: true, scenarios: [], servers: [], rate: null }

function run(checksResult: ChecksScenarioResult | undefined, fanoutResult: FanoutScenarioResult | undefined) {
  return { options, checks: checksResult, fanout: fanoutResult, profiles: [], skipped: [] } as unknown as RunResults
}

function checks(checkNs: number[]): ChecksScenarioResult {
  const sets = checkNs.map(
    (ns, i): CheckedSet => ({
      name: `set ${i}`,
      updates: 1000,
      meanBytes: 20,
      checkNs: ns,
      checkNsPasses: [ns],
      applyNs: 10 * ns,
      applyNsPasses: [10 * ns],
    }),
  )
  return {
    config: { automergeTxns: 0, fanoutInserts: 1000, passes: 1 },
    bounds: { maxClock: 2 ** 40, maxClients: 1000, maxStructs: 50_000 },
    sets,
    skipped: [],
    otherCpuCores: 0,
  }
}

/** A fan-out sweep over 10,000, 20,000 and 40,000 inserts/s with Tandem + SQLite's knee at `knee`. */
function fanout(knee: number | null): FanoutScenarioResult {
  const rates = [10_000, 20_000, 40_000]
  const stage = (rate: number) => ({
    rate,
    sentRate: rate,
    lost: 0,
    dropped: 0,
    duplicates: 0,
    latency: { p99: rate <= (knee ?? 0) ? 10 : 500 },
  })
  const server = {
    server: 'tandem-sqlite',
    knee,
    stages: rates.map(stage),
    fixed: null,
  } as unknown as FanoutServerResult
  return {
    config: { rooms: 50, clientsPerRoom: 10, rates, fixedRate: 10_000, stageMs: 1000, drainMs: 1000 },
    servers: [server],
  }
}
