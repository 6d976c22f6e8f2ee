import {
  CloseCode,
  encodeAwarenessMessage,
  encodeQueryAwarenessMessage,
  readAwarenessEntries,
  readMessage,
} from '@tandem/protocol'
import { openRawClient, waitFor } from '@tandem/test-utils'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { setup } from './harness.js'

/** An awareness message that sets `ids` at `clock`, as one client could send it. */
function awarenessOf(ids: number[], clock: number): Uint8Array {
  const fake = new Awareness(new Y.Doc())
  for (const id of ids) {
    fake.states.set(id, { user: { name: `person ${id}` } })
    fake.meta.set(id, { clock, lastUpdated: Date.now() })
  }
  const message = encodeAwarenessMessage(encodeAwarenessUpdate(fake, ids))
  fake.destroy()
  return message
}

/** The presence states an awareness frame carries, as JSON text; none for any other frame. */
function statesIn(frame: Uint8Array): string[] {
  const message = readMessage(frame)
  return message.type === 'awareness' ? readAwarenessEntries(message.update).map((entry) => entry.state) : []
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)

describe('a connection', () => {
  it('keeps no listeners of its own on an accepted socket, and none of the upgrade', async () => {
    const { endpoint, url } = await setup()
    await openRawClient(url, 'listeners/a')
    await waitFor(() => endpoint.wss.clients.size === 1, 'the connection to be accepted')
    const [accepted] = [...endpoint.wss.clients] as [WebSocket]
    // The socket hands its events to its connection itself; only ws's server follows 'close' (its client list).
    for (const event of ['message', 'pong', 'error']) expect(accepted.listenerCount(event)).toBe(0)
    expect(accepted.listenerCount('close')).toBe(1)
    // Only ws's own listeners remain on the TCP socket once the handshake is done.
    const socket = (accepted as unknown as { _socket: import('node:net').Socket })._socket
    expect(socket.listenerCount('close')).toBe(1)
    expect(socket.listenerCount('error')).toBe(1)
  })

  it('keeps several awareness states of one connection, and removes them all when it leaves', async () => {
    const { url, connect } = await setup()
    const observer = connect('presence/many')
    await observer.synced()
    const states = () => observer.provider.awareness.getStates()
    const setter = await openRawClient(url, 'presence/many')
    setter.send(awarenessOf([101], 1))
    await waitFor(() => states().has(101), 'the first state')
    setter.send(awarenessOf([102, 103], 1))
    setter.send(awarenessOf([101, 102, 103], 2))
    await waitFor(() => [101, 102, 103].every((id) => states().has(id)), 'all three states')
    setter.ws.close()
    await waitFor(() => ![101, 102, 103].some((id) => states().has(id)), 'every state of the setter to go')
    expect([...states().keys()]).toEqual([observer.doc.clientID])
  })

  it('counts the awareness states of a connection over all its messages, each id once', async () => {
    const { url } = await setup()
    const client = await openRawClient(url, 'presence/limit')
    client.send(awarenessOf(range(200, 10), 1))
    // The same ten again with newer clocks, then six more: sixteen in all, the most a connection may set.
    client.send(awarenessOf(range(200, 10), 2))
    client.send(awarenessOf(range(210, 6), 1))
    client.send(encodeQueryAwarenessMessage())
    await client.next((frame) => statesIn(frame).some((state) => state.includes('person 215')))
    expect(client.ws.readyState).toBe(WebSocket.OPEN)
    client.send(awarenessOf([216], 1))
    const closed = await client.closed
    expect(closed.code).toBe(CloseCode.policyViolation)
    expect(closed.reason).toContain('at most 16 awareness states')
  })
})
