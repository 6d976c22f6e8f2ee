import type { ReplayResult } from '../load/collab-clients.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind } from '../servers/server-under-test.js'
import { undisturbed } from './undisturbed.js'

/** A replay mode: a pace and how much of the trace. */
export interface ReplayMode {
  name: 'typing' | 'fast'
  /** Transactions per second, both people together. */
  rate: number
  /** The first `count` transactions; 0 for all. */
  count: number
}

/** The real-collaboration scenario's results. */
export interface CollabScenarioResult {
  modes: ReplayMode[]
  runs: (ReplayResult & { server: ServerKind; mode: ReplayMode['name']; error?: string })[]
}

/**
 * friendsforever carries no timestamps (every transaction's `time` is the same instant), so its "recorded pace"
 * is replaced by a human one: 10 transactions (keystrokes) per second for the two people together, on the
 * trace's first part. The whole trace then runs much faster, at 2,000 per second, and must end at endContent.
 */
export function replayModes(quick: boolean): ReplayMode[] {
  return quick
    ? [
        { name: 'typing', rate: 10, count: 20 },
        { name: 'fast', rate: 2000, count: 4000 },
      ]
    : [
        { name: 'typing', rate: 10, count: 150 },
        { name: 'fast', rate: 2000, count: 0 },
      ]
}

/** Replays friendsforever through every server, one client per person. */
export async function runCollab(ctx: RunContext): Promise<CollabScenarioResult> {
  const tracesDir = ctx.options.tracesDir as string
  const modes = replayModes(ctx.options.quick)
  const result: CollabScenarioResult = { modes, runs: [] }
  ctx.log('\n▶ collab: friendsforever, two people')
  await ctx.load.call('prepareCollab', tracesDir)
  let attempt = 0
  for (const server of ctx.servers()) {
    ctx.log(`  ${server}`)
    await ctx
      .withServer(server, 'collab', async (running) => {
        for (const mode of modes) {
          const run = await undisturbed(ctx, () =>
            ctx.load.call('runCollabReplay', {
              url: running.url,
              serverPid: running.pid,
              serverSyncs: running.serverSyncs,
              // A new room for every attempt: a repeat in the same room would start with the whole trace.
              room: `friendsforever-${mode.name}-${++attempt}`,
              tracesDir,
              rate: mode.rate,
              count: mode.count,
            }),
          )
          result.runs.push({ ...run, server, mode: mode.name })
        }
      })
      .catch((error: Error) => ctx.log(`    failed: ${error.message}`))
  }
  return result
}
