import * as Y from 'yjs'
import { CpuWindow, OtherCpu, ProcMeter } from '../proc-meter.js'
import { type Cdf, Samples, type Summary } from '../stats.js'
import { type ConcurrentTrace, readTrace } from '../traces.js'
import { type PreparedReplay, prepareConcurrentReplay, textAfter } from './concurrent-replay.js'
import { DocClient } from './doc-client.js'
import { progress } from './progress.js'
import { waitFor } from './wait.js'

/** One replay of the two-person trace through a server. */
export interface ReplaySetup {
  url: string
  serverPid: number
  serverSyncs: boolean
  room: string
  tracesDir: string
  /** Transactions per second, both people together. */
  rate: number
  /** Replay the first `count` transactions (a prefix is closed under its parents); 0 for all of them. */
  count: number
}

/** What a replay measured. */
export interface ReplayResult {
  rate: number
  txns: number
  durationMs: number
  /** From one person's client sending a transaction to the other's holding it (deletion-only ones excluded). */
  latency: Summary
  latencyCdf: Cdf
  /** Whether each person's client ended with the expected text (the trace's endContent for a full replay). */
  clientsMatch: boolean[]
  /** Whether a fresh client joining afterwards gets the same text (servers that keep the document). */
  freshMatches: boolean | null
  expectedLength: number
  serverCpuCores: number
  /** CPU other processes used meanwhile (see `StageResult.otherCpuCores`). */
  otherCpuCores: number
}

let prepared: PreparedReplay | null = null

/** Prepares the friendsforever replay (once per load process); returns its size. */
export function prepareCollab(tracesDir: string): { txns: number; endLength: number } {
  if (!prepared) {
    const started = performance.now()
    prepared = prepareConcurrentReplay(readTrace<ConcurrentTrace>(tracesDir, 'friendsforever'))
    progress(
      `    prepared friendsforever: ${prepared.txns.length.toLocaleString('en')} transactions in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }
  return { txns: prepared.txns.length, endLength: prepared.endContent.length }
}

/**
 * Replays the trace with one client per person. Each person sends their transactions in trace order, paced at
 * `rate` overall, and only once they hold what the transaction was typed on: the other person's changes it
 * depends on must have come back through the server, as for a real person.
 */
export async function runCollabReplay(setup: ReplaySetup): Promise<ReplayResult> {
  prepareCollab(setup.tracesDir)
  const replay = prepared as PreparedReplay
  const count = setup.count > 0 ? Math.min(setup.count, replay.txns.length) : replay.txns.length
  const txns = replay.txns.slice(0, count)
  const expected = count === replay.txns.length ? replay.endContent : textAfter(replay, count)
  const own: number[][] = [[], []]
  for (const [index, txn] of txns.entries()) own[txn.agent]?.push(index)
  const sentAt = new Float64Array(count).fill(Number.NaN)
  const latencies = new Samples(count)
  const received = [0, 0]
  const clients: DocClient[] = []
  const onApplied = (receiver: number) => {
    const author = 1 - receiver
    const theirs = own[author] as number[]
    const clock = Y.getState((clients[receiver] as DocClient).doc.store, replay.clientIds[author] as number)
    const now = performance.now()
    while ((received[receiver] as number) < theirs.length) {
      const index = theirs[received[receiver] as number] as number
      const txn = txns[index]
      if (!txn || Number.isNaN(sentAt[index]) || txn.clockAfter > clock) break
      if (!txn.deleteOnly) latencies.push(now - (sentAt[index] as number))
      received[receiver]!++
    }
  }
  for (const person of [0, 1]) {
    clients.push(
      new DocClient({
        url: setup.url,
        room: setup.room,
        serverSyncs: setup.serverSyncs,
        onApplied: () => onApplied(person),
      }),
    )
  }
  await Promise.all(clients.map((client) => client.waitSynced(30_000)))
  const cpu = new CpuWindow(new ProcMeter(setup.serverPid))
  const others = new OtherCpu()
  const started = performance.now()
  const next = [0, 0]
  // Bounded: the pace plus a minute for stragglers.
  const deadline = started + (setup.rate > 0 ? (count / setup.rate) * 1000 : 0) + 60_000
  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      const now = performance.now()
      for (const person of [0, 1]) {
        const mine = own[person] as number[]
        const client = clients[person] as DocClient
        while ((next[person] as number) < mine.length) {
          const index = mine[next[person] as number] as number
          const txn = txns[index] as (typeof txns)[number]
          if (setup.rate > 0 && now < started + (index * 1000) / setup.rate) break
          const otherClock = Y.getState(client.doc.store, replay.clientIds[1 - person] as number)
          if (otherClock < txn.needsOtherClock) break
          sentAt[index] = performance.now()
          client.sendUpdate(txn.update)
          next[person]!++
        }
      }
      if (next[0] === own[0]?.length && next[1] === own[1]?.length) resolve()
      else if (now > deadline) reject(new Error('The replay did not finish in time: a dependency never arrived.'))
      else setTimeout(tick, 1)
    }
    tick()
  })
  const done = () =>
    clients.every((client) => client.text.length === expected.length && client.text.toString() === expected)
  await waitFor(done, 60_000, 5)
  const durationMs = performance.now() - started
  const serverCpuCores = cpu.cores()
  const otherCpuCores = others.cores(serverCpuCores)
  const clientsMatch = clients.map((client) => client.text.toString() === expected)
  let freshMatches: boolean | null = null
  if (setup.serverSyncs) {
    const fresh = new DocClient({ url: setup.url, room: setup.room, serverSyncs: true })
    await fresh.waitSynced(30_000)
    freshMatches = fresh.text.toString() === expected
    fresh.close()
  }
  for (const client of clients) client.close()
  const result: ReplayResult = {
    rate: setup.rate,
    txns: count,
    durationMs,
    latency: latencies.summary(),
    latencyCdf: latencies.cdf(),
    clientsMatch,
    freshMatches,
    expectedLength: expected.length,
    serverCpuCores,
    otherCpuCores,
  }
  progress(
    `    ${count.toLocaleString('en')} transactions at ${setup.rate.toLocaleString('en')}/s: p50 ${result.latency.p50.toFixed(1)} ms, ` +
      `p99 ${result.latency.p99.toFixed(1)} ms, clients ${clientsMatch.every(Boolean) ? 'match' : 'DIFFER'}` +
      (freshMatches === null ? '' : `, fresh client ${freshMatches ? 'matches' : 'DIFFERS'}`),
  )
  return result
}
