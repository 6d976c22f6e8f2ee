import { defaultWriteLimits, inspectUpdate, MAX_CLOCK, type UpdateBounds } from '@tandem/server'
import * as Y from 'yjs'
import { OtherCpu } from '../proc-meter.js'
import type { RunResults } from '../results.js'
import type { RunContext } from '../run-context.js'
import { median } from '../stats.js'
import { automergePaperUpdates, fanoutInsertUpdates, friendsforeverUpdates, type UpdateSet } from '../update-sets.js'
import { fanoutConfig, kneeIsLowerBound } from './fanout.js'

/** How much of the update sets the checks scenario measures, and how often. */
export interface ChecksConfig {
  /** automerge-paper's first transactions to replay; 0 for all of them. */
  automergeTxns: number
  /** The fan-out's inserts to measure. */
  fanoutInserts: number
  /** Timed passes over each set, after one warm-up; the median counts. */
  passes: number
}

/** One set's figures: nanoseconds per update, the median of the passes and every pass. */
export interface CheckedSet {
  name: string
  updates: number
  meanBytes: number
  /** `inspectUpdate` with the server's default bounds. */
  checkNs: number
  checkNsPasses: number[]
  /** `Y.applyUpdate` of the same updates, in order, into fresh documents: for scale. */
  applyNs: number
  applyNsPasses: number[]
}

/** The checks scenario's results. */
export interface ChecksScenarioResult {
  config: ChecksConfig
  /** The bounds checked against: a server's defaults. */
  bounds: UpdateBounds
  sets: CheckedSet[]
  /** Sets not measured, and why. */
  skipped: string[]
  /** CPU other processes used meanwhile (see `StageResult.otherCpuCores`). */
  otherCpuCores: number
}

/** The target: the checks take at most this fraction of one core at the fan-out knee. */
export const CHECKS_SHARE_LIMIT = 0.05

/** The server whose fan-out knee the checks are weighed against. */
const KNEE_SERVER = 'tandem-sqlite'

/** Updates of the warm-up pass of applying each set (the checks' warm-up is a whole pass: it costs little). */
const WARM_UP_UPDATES = 20_000

/** A timed pass of checks covers at least this many (the set again as needed), so that it lasts some milliseconds. */
const CHECKS_PER_PASS = 200_000

/** What a full run and `--quick` measure: about 15 s and 4 s. */
export function checksConfig(quick: boolean): ChecksConfig {
  return quick
    ? { automergeTxns: 50_000, fanoutInserts: 50_000, passes: 3 }
    : { automergeTxns: 0, fanoutInserts: 50_000, passes: 5 }
}

/**
 * Times, in this process, the checks the server makes on every update a client sends (`inspectUpdate`) and, for
 * scale, applying the same updates: on the traces' updates as their clients send them, and on the fan-out's own
 * inserts. No server runs; the per-connection budgets (a few operations per message) are not part of it.
 */
export async function runChecks(
  ctx: RunContext,
  config: ChecksConfig = checksConfig(ctx.options.quick),
): Promise<ChecksScenarioResult> {
  const bounds: UpdateBounds = {
    maxClock: MAX_CLOCK,
    maxClients: defaultWriteLimits.maxUpdateClients,
    maxStructs: defaultWriteLimits.maxUpdateStructs,
  }
  const { tracesDir } = ctx.options
  ctx.log(`\n▶ checks: inspectUpdate and Y.applyUpdate, ${config.passes} passes over each set`)
  const fanout = fanoutConfig('fanout', ctx.options.quick)
  const makers: (() => UpdateSet)[] = [
    () => fanoutInsertUpdates(config.fanoutInserts, fanout.rooms, fanout.clientsPerRoom),
  ]
  const skipped: string[] = []
  if (tracesDir) {
    makers.unshift(
      () => automergePaperUpdates(tracesDir, config.automergeTxns),
      () => friendsforeverUpdates(tracesDir),
    )
  } else {
    skipped.push('automerge-paper and friendsforever: no editing traces (../shared/traces or $TANDEM_TRACES)')
  }
  const others = new OtherCpu()
  const sets: CheckedSet[] = []
  for (const make of makers) {
    const set = make()
    const checked = measureSet(set, bounds, config.passes)
    ctx.log(
      `    ${set.name}: ${checked.updates.toLocaleString('en')} updates of ${checked.meanBytes.toFixed(1)} bytes on average, ` +
        `check ${checked.checkNs.toFixed(0)} ns, apply ${checked.applyNs.toFixed(0)} ns per update`,
    )
    sets.push(checked)
  }
  const result: ChecksScenarioResult = { config, bounds, sets, skipped, otherCpuCores: others.cores(0) }
  ctx.log(`    ${shareText(checksShare({ ...ctx.results, checks: result }))}`)
  return result
}

function measureSet(set: UpdateSet, bounds: UpdateBounds, passes: number): CheckedSet {
  const { updates } = set
  if (updates.length === 0) throw new Error(`The ${set.name} set has no updates.`)
  const rounds = Math.ceil(CHECKS_PER_PASS / updates.length)
  // A whole pass, not a few updates: a first pass ran 70 % slower than the next ones (the JIT, and the garbage
  // that building the set left).
  checkPass(set, bounds, rounds)
  applyPass(set, WARM_UP_UPDATES)
  const checkNsPasses: number[] = []
  const applyNsPasses: number[] = []
  // Interleaved, so that a slower moment of the machine weighs on both alike.
  for (let pass = 0; pass < passes; pass++) {
    checkNsPasses.push(checkPass(set, bounds, rounds))
    applyNsPasses.push(applyPass(set))
  }
  return {
    name: set.name,
    updates: updates.length,
    meanBytes: updates.reduce((total, update) => total + update.byteLength, 0) / updates.length,
    checkNs: median(checkNsPasses),
    checkNsPasses,
    applyNs: median(applyNsPasses),
    applyNsPasses,
  }
}

/** Checks the set's updates `rounds` times over; returns ns per check. Every one must pass. */
function checkPass(set: UpdateSet, bounds: UpdateBounds, rounds: number): number {
  const { updates } = set
  let refused = -1
  const started = performance.now()
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < updates.length; i++) {
      if (!inspectUpdate(updates[i] as Uint8Array, bounds).ok) refused = i
    }
  }
  const elapsed = performance.now() - started
  if (refused >= 0) {
    const shape = inspectUpdate(updates[refused] as Uint8Array, bounds)
    throw new Error(`inspectUpdate refused update ${refused} of ${set.name}: ${shape.ok ? '?' : shape.reason}.`)
  }
  return (elapsed * 1e6) / (updates.length * rounds)
}

/** Applies the set's first `count` updates in order into fresh documents; returns ns per update. */
function applyPass(set: UpdateSet, count = set.updates.length): number {
  const docs = Array.from({ length: set.docs }, () => new Y.Doc())
  const n = Math.min(count, set.updates.length)
  const started = performance.now()
  for (let i = 0; i < n; i++) Y.applyUpdate(docs[i % set.docs] as Y.Doc, set.updates[i] as Uint8Array)
  const elapsed = performance.now() - started
  // Updates left waiting for others were not integrated: the pass would have timed less than the work.
  const waiting = docs.some((doc) => doc.store.pendingStructs !== null || doc.store.pendingDs !== null)
  for (const doc of docs) doc.destroy()
  if (waiting) throw new Error(`Applying ${set.name} in order left updates pending.`)
  return (elapsed * 1e6) / n
}

/** The checks' share of one core at the fan-out knee, or why there is no knee in the run to weigh them against. */
export type ChecksShare = {
  /** The median ns per check of the costliest set, so that the share holds whatever kind of update is sent. */
  nsPerCheck: number
  costliest: string
  /** The highest knee at which the checks stay within {@link CHECKS_SHARE_LIMIT}, in updates/s. */
  kneeWithinLimit: number
} & (
  | {
      /** Tandem + SQLite's fan-out knee in this run, in inserts (updates) per second. */
      knee: number
      /** The sweep found no limit: the knee is at least `knee`, so the share is at least `share`. */
      kneeIsLowerBound: boolean
      /** `nsPerCheck × knee / 1e9`: the fraction of one core the checks take at the knee's rate. */
      share: number
    }
  | { knee: null; missing: string }
)

/** The share of the run's checks at the run's own fan-out knee (`null`: the checks did not run). */
export function checksShare(results: Pick<RunResults, 'checks' | 'fanout' | 'options'>): ChecksShare | null {
  const { checks, fanout } = results
  const costliest = checks?.sets.reduce<CheckedSet | null>((a, b) => (a && a.checkNs >= b.checkNs ? a : b), null)
  if (!costliest) return null
  const base = {
    nsPerCheck: costliest.checkNs,
    costliest: costliest.name,
    kneeWithinLimit: (CHECKS_SHARE_LIMIT * 1e9) / costliest.checkNs,
  }
  const missing = (why: string): ChecksShare => ({ ...base, knee: null, missing: why })
  if (!fanout) return missing('the fan-out scenario did not run in this run')
  if (results.options.rate) return missing('the fan-out ran one stage at --rate, without looking for its knee')
  const server = fanout.servers.find((entry) => entry.server === KNEE_SERVER)
  if (!server) return missing('the fan-out scenario did not run Tandem + SQLite')
  if (server.error) return missing(`Tandem + SQLite's fan-out failed (${server.error.split('\n')[0]})`)
  if (server.knee === null) return missing("Tandem + SQLite's fan-out passed no stage, so it has no knee")
  return {
    ...base,
    knee: server.knee,
    kneeIsLowerBound: kneeIsLowerBound(server, fanout.config),
    share: (costliest.checkNs * server.knee) / 1e9,
  }
}

/** The share as a percentage of one core. */
export function percentOfCore(share: number): string {
  return `${(share * 100).toFixed(share < 0.001 ? 3 : 2)} %`
}

/** One line on the share: the figure and what it is made of, or why it is missing. */
export function shareText(share: ChecksShare | null): string {
  if (!share) return 'the checks did not run'
  const check = `${share.nsPerCheck.toFixed(0)} ns per check (${share.costliest}, the costliest)`
  if (share.knee === null) return `${check}; the fan-out knee is missing: ${share.missing}`
  const atLeast = share.kneeIsLowerBound ? '≥ ' : ''
  return (
    `${atLeast}${percentOfCore(share.share)} of a core at the fan-out knee: ${check} × ${atLeast}` +
    `${share.knee.toLocaleString('en')} inserts/s (Tandem + SQLite, this run)` +
    (share.kneeIsLowerBound ? ', a knee the sweep found no limit to' : '')
  )
}
