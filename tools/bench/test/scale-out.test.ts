// The scale-out scenario's own check, on a small load: one instance without Redis and two instances through
// Redis on one PostgreSQL, each room's clients spread over both. Every marker must reach every other client of
// its room and every instance's document, and the updates must cross the bus. It asserts nothing about speed.
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { InProcessLoad } from '../src/load/load-process.js'
import { parseOptions } from '../src/options.js'
import type { RunResults } from '../src/results.js'
import { RunContext } from '../src/run-context.js'
import { runScaleOut } from '../src/scenarios/scale-out.js'

const rooms = 4
const clientsPerRoom = 4
const rate = 200
const stageMs = 1000

describe('the scale-out scenario', () => {
  it('relays every marker between two instances through Redis, and none without it', async () => {
    const options = parseOptions(['--quick', '--no-pin'])
    const ctx = new RunContext(
      options,
      new InProcessLoad(),
      { profiles: [], skipped: [] } as unknown as RunResults,
      tmpdir(),
    )
    try {
      const result = await runScaleOut(ctx, {
        config: { rooms, clientsPerRoom, rates: [rate], fixedRates: [rate], stageMs, drainMs: 10_000 },
        setups: [
          { instances: 1, redis: false },
          { instances: 2, redis: true },
        ],
        fromSource: true,
      })
      const sent = (rate * stageMs) / 1000
      expect(result.runs.map((run) => run.error)).toEqual([undefined, undefined])
      for (const run of result.runs) {
        const stage = run.stages.find((candidate) => candidate.rate === rate)
        expect(stage?.sent).toBe(sent)
        expect(stage?.deliveries).toBe(sent * (clientsPerRoom - 1))
        expect(stage?.lost).toBe(0)
        expect(stage?.duplicates).toBe(0)
        expect(stage?.dropped).toBe(0)
        expect(stage?.instances).toHaveLength(run.setup.instances)
        expect(stage?.bus.clientMessages).toBe(sent)
        expect(stage?.bus.dropped).toBe(0)
        // The warm-up's markers too, on every instance.
        expect(run.markers).toBe(sent + (rate / 2) * (1000 / 1000))
        expect(run.missingInDocs).toBe(0)
      }
      const [alone, pair] = result.runs.map((run) => run.stages.find((stage) => stage.rate === rate)?.bus)
      expect(alone?.published).toBe(0)
      // Half of each room's clients are on the other instance, so every update crosses the bus (the exact
      // deliveries above show it arrived). An instance publishes a room's updates merged per event-loop turn, so
      // there can be fewer messages than updates, but at least one per room from each instance: an instance
      // holding no client of a room would show here as too few.
      expect(pair?.published).toBeGreaterThanOrEqual(rooms * 2)
      expect(pair?.received).toBeGreaterThanOrEqual(rooms * 2)
      expect(pair?.lagP99Ms).not.toBeNull()
    } finally {
      ctx.finish()
    }
  })
})
