/**
 * Durability against the real server process and a real SQLite file: a restart keeps documents, and a
 * kill -9 in the middle of edits from 10 clients loses nothing that was acknowledged as saved, and nothing at
 * all once the clients have reconnected.
 */
import { connectClient, startTandem, type TandemProcess, type TestClient, waitFor } from '@tandem/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function tandem(options?: Parameters<typeof startTandem>[0]): Promise<TandemProcess> {
  const server = await startTandem(options)
  cleanups.push(() => server.dispose())
  return server
}

function client(url: string, room: string, saved = false): TestClient {
  const c = connectClient(url, room, { saved })
  cleanups.push(() => c.destroy())
  return c
}

async function storedText(httpUrl: string, room: string): Promise<string> {
  const response = await fetch(`${httpUrl}/api/docs/${encodeURIComponent(room)}/text`)
  expect(response.status).toBe(200)
  return response.text()
}

describe('durability', () => {
  it('keeps a document across a restart', async () => {
    const server = await tandem()
    const writer = client(server.url, 'kept/notes', true)
    await writer.synced()
    writer.text.insert(0, 'Written before the restart.')
    await waitFor(() => writer.saves.sent > 0 && writer.saves.saved, 'the saved acknowledgement')
    writer.destroy()
    expect(await server.stop('SIGTERM')).toBe(0)
    await server.restart()
    const reader = client(server.url, 'kept/notes')
    await reader.synced()
    expect(reader.text.toString()).toBe('Written before the restart.')
  })

  it('after kill -9 during edits from 10 clients, keeps every acknowledged edit, and every edit once they reconnect', async () => {
    const server = await tandem()
    const rooms = ['crash/a', 'crash/b']
    const clients = Array.from({ length: 10 }, (_, i) => ({
      id: i,
      room: rooms[i % rooms.length] as string,
      client: client(server.url, rooms[i % rooms.length] as string, true),
      // Each marker with the count of document changes this connection had sent once it was out (infinite when it
      // was not sent).
      markers: [] as { text: string; sentCount: number }[],
    }))
    await Promise.all(clients.map((c) => c.client.synced()))

    // Markers go at a marker boundary (start, or after a ";"), so concurrent inserts never split one.
    let typing = true
    const typists = clients.map(async (c) => {
      let n = 0
      while (typing) {
        const text = c.client.text
        const content = text.toString()
        const boundaries = [0, ...[...content.matchAll(/;/g)].map((m) => (m.index as number) + 1)]
        const at = boundaries[Math.floor(Math.random() * boundaries.length)] as number
        const marker = `c${c.id}-${n++};`
        const sentBefore = c.client.saves.sent
        text.insert(at, marker)
        // An insert made once the client has seen its connection close is not sent (the next sync carries it), so
        // no acknowledgement on this connection can cover it.
        const sent = c.client.saves.sent > sentBefore
        c.markers.push({ text: marker, sentCount: sent ? c.client.saves.sent : Number.POSITIVE_INFINITY })
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10))
      }
    })

    await waitFor(
      () => clients.every((c) => c.markers.length >= 20 && c.client.saves.acknowledged >= 10),
      'edits to be acknowledged',
    )
    await server.kill()
    // Acknowledgements that were on the wire when the process died are still true: the server sends them only
    // after the commit. Read them now, before anything reconnects.
    const acknowledged = clients.flatMap((c) =>
      c.markers.filter((m) => m.sentCount <= c.client.saves.acknowledged).map((m) => ({ room: c.room, text: m.text })),
    )
    typing = false
    await Promise.all(typists)
    expect(acknowledged.length).toBeGreaterThanOrEqual(100)

    // Read what storage holds through a second server on another port, which the clients cannot reach.
    const inspector = await startTandem({ dataDir: server.dataDir })
    const stored = new Map<string, string>()
    for (const room of rooms) stored.set(room, await storedText(inspector.httpUrl, room))
    await inspector.stop()
    const lostAcknowledged = acknowledged.filter((m) => !stored.get(m.room)?.includes(m.text))
    expect(lostAcknowledged).toEqual([])

    // Restart on the original port: the clients reconnect by themselves and bring what storage missed.
    await server.restart()
    const allMarkers = clients.flatMap((c) => c.markers.map((m) => ({ room: c.room, text: m.text })))
    await waitFor(
      async () => {
        for (const room of rooms) {
          const text = await storedText(server.httpUrl, room)
          if (allMarkers.some((m) => m.room === room && !text.includes(m.text))) return false
        }
        return true
      },
      'every edit to be on the server after the clients reconnect',
      30_000,
    )
    for (const room of rooms) {
      const inRoom = clients.filter((c) => c.room === room)
      await waitFor(
        () => inRoom.every((c) => c.client.text.toString() === inRoom[0]?.client.text.toString()),
        `the clients of ${room} to converge`,
      )
      const expected = allMarkers.filter((m) => m.room === room).length
      expect((inRoom[0]?.client.text.toString().match(/;/g) ?? []).length).toBe(expected)
    }
  })
})
