// The harness's own check: a few seconds of its quick fan-out against the raw broadcaster and Tandem must
// deliver every marker to every other client of its room (and, on Tandem, leave it in the room's document).
// It proves the load clients and the measurement work; it asserts nothing about speed.
import { describe, expect, it } from 'vitest'
import { InProcessLoad } from '../src/load/load-process.js'
import { ServerUnderTest } from '../src/servers/server-under-test.js'

const rooms = 5
const clientsPerRoom = 4
const rate = 200
const durationMs = 1500

describe('the fan-out harness', () => {
  for (const kind of ['raw', 'tandem-sqlite'] as const) {
    it(`delivers every marker through the ${kind} server`, async () => {
      const server = await ServerUnderTest.start(kind, { core: null, fromSource: true })
      const load = new InProcessLoad()
      try {
        await load.call('openFanout', {
          url: server.url,
          serverPid: server.pid,
          serverSyncs: server.serverSyncs,
          rooms,
          clientsPerRoom,
          roomPrefix: 'harness-test',
        })
        const stage = await load.call('runFanoutStage', { rate, durationMs, drainMs: 10_000 })
        const closed = await load.call('closeFanout')
        const sent = (rate * durationMs) / 1000
        expect(stage.sent).toBe(sent)
        expect(stage.deliveries).toBe(sent * (clientsPerRoom - 1))
        expect(stage.lost).toBe(0)
        expect(stage.duplicates).toBe(0)
        expect(stage.dropped).toBe(0)
        expect(stage.latency.count).toBe(sent * (clientsPerRoom - 1))
        expect(closed.missingInDocs).toBe(kind === 'raw' ? null : 0)
      } finally {
        await load.call('closeFanout')
        await server.dispose()
      }
    })
  }
})
