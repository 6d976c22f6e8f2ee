/**
 * A big document over a slow link, against the real server process: the server sends its state in pieces, so a
 * stock y-websocket client, which gives up on a connection after 30 s without a message, loads it through a link
 * slow enough to take longer than that, on one connection.
 */
import {
  startTandem,
  startThrottledProxy,
  type TandemProcess,
  type ThrottledProxy,
  useTestClients,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** 250 KB/s: a poor mobile link. */
const LINK_BYTES_PER_SECOND = 250_000
/** 9 MiB of text, in 9 updates of 1 MiB: 36 s at least through the link, past y-websocket's 30 s. */
const SENTENCE = 'A person on a slow link opens a big document and waits for it. '
const MIB_OF_TEXT = SENTENCE.repeat(Math.ceil((1024 * 1024) / SENTENCE.length)).slice(0, 1024 * 1024)
const PARTS = 9

let server: TandemProcess
let proxy: ThrottledProxy | undefined
const { connect } = useTestClients()

beforeAll(async () => {
  server = await startTandem()
})
afterAll(async () => {
  await proxy?.close()
  await server?.dispose()
})

describe('a big document over a slow link', () => {
  it('loads in a stock y-websocket client in more than 30 s without a reconnect', { timeout: 180_000 }, async () => {
    const room = 'big/slow-link'
    const writer = connect(server.url, room, { saved: true })
    await writer.synced()
    for (let part = 0; part < PARTS; part++) writer.text.insert(writer.text.length, MIB_OF_TEXT)
    await waitFor(() => writer.saves.saved, 'the big document to be stored', 60_000)

    proxy = await startThrottledProxy(server.port, LINK_BYTES_PER_SECOND)
    const started = Date.now()
    const reader = connect(proxy.url, room)
    const statuses: string[] = []
    reader.provider.on('status', ({ status }: { status: string }) => statuses.push(status))
    await reader.synced(150_000)
    const elapsed = Date.now() - started

    expect(reader.text.length).toBe(PARTS * MIB_OF_TEXT.length)
    expect(reader.text.toString() === writer.text.toString()).toBe(true)
    // What makes the test mean something: the load took longer than the client waits for a message.
    expect(elapsed, 'the link was slow enough').toBeGreaterThan(30_000)
    expect(proxy.connections).toBe(1)
    expect(statuses).not.toContain('disconnected')
    expect(reader.provider.wsconnected).toBe(true)
  })
})
