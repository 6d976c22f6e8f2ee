/**
 * The heartbeat, against the real server process started with `--ping-interval 200`: a connection that stops
 * answering pings is dropped within a few intervals and its presence leaves with it; one that answers stays.
 */
import { encodeAwarenessMessage, readMessage } from '@tandem/protocol'
import { startTandem, type TandemProcess, type TestClient, useTestClients, waitFor } from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { logLines, readMetric, within } from './support/probes.js'

const PING_INTERVAL = 200

let server: TandemProcess
const { connect, openRaw } = useTestClients()

beforeAll(async () => {
  server = await startTandem({ args: ['--ping-interval', String(PING_INTERVAL)] })
})
afterAll(async () => {
  await server?.dispose()
})

/** Records every status change of a stock client, to prove it never dropped. */
function statusLog(client: TestClient): string[] {
  const statuses: string[] = []
  client.provider.on('status', ({ status }: { status: string }) => statuses.push(status))
  return statuses
}

describe('the heartbeat', () => {
  it('drops a client that does not answer pings, and the others see its presence go', async () => {
    const room = 'heartbeat/silent'
    const watcher = connect(server.url, room)
    await watcher.synced()
    const watcherStatuses = statusLog(watcher)
    const timeoutsBefore = await readMetric(server.httpUrl, 'tandem_errors_total', { kind: 'heartbeat-timeout' })

    const opened = Date.now()
    const silent = await openRaw(server.url, room, { autoPong: false })
    const presence = new Awareness(new Y.Doc())
    presence.setLocalState({ user: { name: 'Silent Sam', color: '#ff5500', colorLight: '#ff550033' } })
    silent.send(encodeAwarenessMessage(encodeAwarenessUpdate(presence, [presence.clientID])))
    presence.destroy()
    await waitFor(
      () =>
        (watcher.provider.awareness.getStates().get(presence.clientID) as { user?: { name?: string } } | undefined)
          ?.user?.name === 'Silent Sam',
      "the watcher to see the silent client's presence",
    )

    // Pinged at the next round, dropped at the one after without a close frame: about two intervals.
    const close = await within(silent.closed, 10_000, 'the server to drop the silent client')
    const elapsed = Date.now() - opened
    expect(close.code).toBe(1006)
    expect(elapsed).toBeLessThan(10 * PING_INTERVAL)

    await waitFor(
      () => !watcher.provider.awareness.getStates().has(presence.clientID),
      "the silent client's presence to be removed for the watcher",
    )
    await expect
      .poll(() => readMetric(server.httpUrl, 'tandem_errors_total', { kind: 'heartbeat-timeout' }))
      .toBe(timeoutsBefore + 1)
    expect(logLines(server.logs, { msg: 'dropping a connection that missed its ping' }).length).toBeGreaterThanOrEqual(
      1,
    )
    // The watcher answered its pings all along and was never dropped.
    expect(watcher.provider.wsconnected).toBe(true)
    expect(watcherStatuses).toEqual([])
  })

  it('keeps a client that answers pings connected through at least 5 intervals', async () => {
    const room = 'heartbeat/answering'
    const stock = connect(server.url, room)
    await stock.synced()
    const stockStatuses = statusLog(stock)
    const answering = await openRaw(server.url, room)
    let pings = 0
    answering.ws.on('ping', () => pings++)
    let closed = false
    void answering.closed.then(() => {
      closed = true
    })

    await waitFor(() => pings >= 5 || closed, 'five pings', 20 * PING_INTERVAL + 10_000)
    expect(closed).toBe(false)
    expect(pings).toBeGreaterThanOrEqual(5)
    expect(answering.ws.readyState).toBe(answering.ws.OPEN)
    expect(stock.provider.wsconnected).toBe(true)
    expect(stockStatuses).toEqual([])
    // Both still work: an edit from the stock client reaches the room.
    stock.text.insert(0, 'still connected')
    await waitFor(
      () => answering.received.some((frame) => readMessage(frame).type === 'sync-update'),
      'the edit to be relayed',
    )
    expect(await readMetric(server.httpUrl, 'tandem_connections')).toBe(2)
  })
})
