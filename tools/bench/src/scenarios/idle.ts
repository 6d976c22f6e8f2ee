import { type HeapSummary, summarizeHeap } from '../heap-summary.js'
import type { IdleResult } from '../load/idle-clients.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind } from '../servers/server-under-test.js'
import { undisturbed } from './undisturbed.js'

/** The idle-capacity scenario's results: one measurement per server and connection count. */
export interface IdleScenarioResult {
  rooms: number
  levels: number[]
  runs: (IdleResult & { server: ServerKind; error?: string })[]
  /** With --heap: each server's heap at the largest connection count. */
  heap?: HeapSummary[]
}

/**
 * 1k, 5k and 10k connections over 1k rooms, each with an awareness state, on a freshly started server each
 * time (so memory per connection is measured from the same starting point): time until all are connected
 * and synced, RSS per connection after they idle, and connections dropped.
 */
export async function runIdleScenario(ctx: RunContext): Promise<IdleScenarioResult> {
  const rooms = 1000
  const levels = ctx.options.quick ? [1000, 5000] : [1000, 5000, 10_000]
  const holdMs = ctx.options.quick ? 500 : 3000
  const result: IdleScenarioResult = { rooms, levels, runs: [] }
  const top = Math.max(...levels)
  const heap = new Map<ServerKind, HeapSummary>()
  ctx.log(`\n▶ idle: ${levels.map((n) => n.toLocaleString('en')).join(' / ')} connections over ${rooms} rooms`)
  for (const server of ctx.servers()) {
    ctx.log(`  ${server}`)
    for (const connections of levels) {
      try {
        const setup = { connections, rooms, roomPrefix: 'idle', holdMs }
        const snapshot = ctx.options.heap && connections === top
        // A fresh server for every attempt: a repeat must start from the same memory.
        const run = await undisturbed(ctx, () =>
          ctx.withServer(
            server,
            'idle',
            async (running) => {
              const measured = await ctx.load.call('openIdle', {
                ...setup,
                url: running.url,
                serverPid: running.pid,
                serverSyncs: running.serverSyncs,
              })
              try {
                if (snapshot) {
                  const file = await running.heapSnapshot()
                  heap.set(server, await summarizeHeap(file, server, connections - measured.failed))
                }
              } finally {
                await ctx.load.call('closeIdle')
              }
              return measured
            },
            { heap: snapshot },
          ),
        )
        result.runs.push({ server, ...run })
        ctx.log(
          `    RSS ${(run.rssPerConnectionBytes / 1024).toFixed(1)} KiB per connection, ${run.dropped} dropped, ${run.failed} failed`,
        )
      } catch (error) {
        ctx.log(`    failed: ${(error as Error).message}`)
        result.runs.push({ server, ...emptyIdle(connections, rooms), error: (error as Error).message })
      }
    }
  }
  if (heap.size > 0) result.heap = [...heap.values()]
  return result
}

function emptyIdle(connections: number, rooms: number): IdleResult {
  return {
    connections,
    rooms,
    connectMs: Number.NaN,
    allPresentMs: Number.NaN,
    failed: connections,
    dropped: 0,
    incomplete: 0,
    rssBeforeBytes: Number.NaN,
    rssAfterBytes: Number.NaN,
    rssPerConnectionBytes: Number.NaN,
    serverCpuSeconds: Number.NaN,
    otherCpuCores: Number.NaN,
  }
}
