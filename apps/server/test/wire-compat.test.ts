/**
 * Wire compatibility: the same scenarios, with the real y-websocket client in Node, against Tandem and against
 * the reference y-websocket server (@y/websocket-server 0.1.1) in the same run.
 */
import {
  encodeAwarenessMessage,
  encodeQueryAwarenessMessage,
  messageSaved,
  readAwarenessEntries,
  readMessage,
} from '@tandem/protocol'
import {
  type connectClient,
  startReferenceServer,
  startTandem,
  storedText,
  useTestClients,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'

interface ServerUnderTest {
  url: string
  dispose(): Promise<void>
}

const servers: [string, () => Promise<ServerUnderTest>][] = [
  ['Tandem', () => startTandem()],
  ['the reference y-websocket server', () => startReferenceServer()],
]

const { connect: connectTo, openRaw } = useTestClients()

/** A raw connection that announces an awareness state for a made-up client id. */
async function rawPerson(url: string, room: string, name: string) {
  const raw = await openRaw(url, room)
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalState({ user: { name, color: '#30bced' } })
  raw.send(encodeAwarenessMessage(encodeAwarenessUpdate(awareness, [awareness.clientID])))
  awareness.destroy()
  return { raw, clientID: awareness.clientID }
}

/** The awareness states carried by a received awareness frame, parsed, by client id; removals left out. */
function awarenessFrameStates(frame: Uint8Array): Map<number, unknown> {
  const message = readMessage(frame)
  if (message.type !== 'awareness') throw new Error(`The frame is ${message.type}, not awareness.`)
  const states = new Map<number, unknown>()
  for (const { clientId, state } of readAwarenessEntries(message.update)) {
    const parsed: unknown = JSON.parse(state)
    if (parsed !== null) states.set(clientId, parsed)
  }
  return states
}

const isAwareness = (frame: Uint8Array) => readMessage(frame).type === 'awareness'

describe.each(servers)('with %s, a stock y-websocket client', (_label, start) => {
  let server: ServerUnderTest
  const connect = (room: string, options?: Parameters<typeof connectClient>[2]) => {
    return connectTo(server.url, room, options)
  }
  beforeAll(async () => {
    server = await start()
  })
  afterAll(async () => {
    await server.dispose()
  })

  it('converges with others on concurrent edits, in a room whose name has "/" and a query', async () => {
    const a = connect('team/notes', { params: { any: 'thing' } })
    const b = connect('team/notes')
    await Promise.all([a.synced(), b.synced()])
    a.text.insert(0, 'Hello from A. ')
    b.text.insert(0, 'Hello from B. ')
    await waitFor(() => a.text.toString() === b.text.toString() && a.text.length === 28, 'both texts to converge')
    expect(a.text.toString()).toMatch(/^(Hello from A\. Hello from B\. |Hello from B\. Hello from A\. )$/)
    const late = connect('team/notes')
    await late.synced()
    await waitFor(() => late.text.toString() === a.text.toString(), 'a late joiner to receive the whole document')
  })

  it('keeps rooms apart', async () => {
    const a = connect('room-one')
    const b = connect('room-two')
    await Promise.all([a.synced(), b.synced()])
    a.text.insert(0, 'only in one')
    const witness = connect('room-one')
    await witness.synced()
    await waitFor(() => witness.text.toString() === 'only in one', 'the edit to reach room-one')
    expect(b.text.toString()).toBe('')
  })

  it('relays awareness to every client of the room, the sender included', async () => {
    const observer = connect('presence')
    await observer.synced()
    const { raw, clientID } = await rawPerson(server.url, 'presence', 'Ada')
    const echo = await raw.next((frame) => isAwareness(frame) && awarenessFrameStates(frame).has(clientID))
    expect(awarenessFrameStates(echo).get(clientID)).toEqual({ user: { name: 'Ada', color: '#30bced' } })
    await waitFor(
      () =>
        (observer.provider.awareness.getStates().get(clientID) as { user?: { name?: string } })?.user?.name === 'Ada',
      'the other client to see Ada',
    )
  })

  it('removes the awareness of a connection that drops, at once rather than after the 30 s timeout', async () => {
    const observer = connect('leaving')
    await observer.synced()
    const { raw, clientID } = await rawPerson(server.url, 'leaving', 'Ada')
    await waitFor(() => observer.provider.awareness.getStates().has(clientID), 'Ada to arrive')
    const droppedAt = Date.now()
    raw.ws.terminate()
    await waitFor(() => !observer.provider.awareness.getStates().has(clientID), 'Ada to leave', 5_000)
    expect(Date.now() - droppedAt).toBeLessThan(5_000)
  })
})

describe('Tandem extensions', () => {
  let server: Awaited<ReturnType<typeof startTandem>>
  beforeAll(async () => {
    // The longest commit delay: an acknowledgement sent before its commit would arrive some 50 ms before anything
    // is stored, so a read of the database right after it finds the difference.
    server = await startTandem({ args: ['--commit-delay', '50'] })
  })
  afterAll(async () => {
    await server.dispose()
  })

  // The reference server ignores query-awareness; Tandem answers it, as y-protocols defines it.
  it('answers query-awareness with every state in the room', async () => {
    const a = connectTo(server.url, 'query')
    a.provider.awareness.setLocalStateField('user', { name: 'Grace', color: '#ee6352' })
    await a.synced()
    const { raw, clientID } = await rawPerson(server.url, 'query', 'Ada')
    await waitFor(() => a.provider.awareness.getStates().has(clientID), 'Ada to be known')
    const before = raw.received.length
    raw.send(encodeQueryAwarenessMessage())
    const answer = await raw.next((frame) => raw.received.indexOf(frame) >= before && isAwareness(frame))
    const states = awarenessFrameStates(answer)
    expect(states.get(a.doc.clientID)).toEqual({ user: { name: 'Grace', color: '#ee6352' } })
    expect(states.get(clientID)).toEqual({ user: { name: 'Ada', color: '#30bced' } })
  })

  it('never sends a stock client a message type it does not know', async () => {
    const raw = await openRaw(server.url, 'stock')
    const writer = connectTo(server.url, 'stock')
    await writer.synced()
    writer.text.insert(0, 'saved, but nobody is told')
    await waitFor(async () => {
      const response = await fetch(`${server.httpUrl}/api/docs/stock/text`)
      return response.ok && (await response.text()) === 'saved, but nobody is told'
    }, 'the edit to be stored')
    expect(raw.received.length).toBeGreaterThan(0)
    // readMessage throws on a type it does not know; of those it knows, only `saved` is Tandem's own.
    expect(raw.received.map((frame) => readMessage(frame).type)).not.toContain('saved')
  })

  it('acknowledges a client that opted in once its changes are committed', async () => {
    const client = connectTo(server.url, 'acked', { saved: true })
    await client.synced()
    client.text.insert(0, 'durable')
    await waitFor(() => client.saves.sent > 0 && client.saves.saved, 'the saved acknowledgement')
    // The acknowledgement is only sent after the commit: the text is in the database file by now. Read from the
    // file, not from the server, whose memory has the text either way.
    expect(await storedText(server.dataDir, 'acked')).toBe('durable')
    expect(client.saves.acknowledged).toBe(client.saves.sent)
    expect(messageSaved).toBe(100)
  })
})
