// A load client that gets a frame it cannot read ends that connection only, and reports it as dropped: the
// load process, and the thousands of other clients in it, go on.
import { encodeAwarenessMessage, encodeSyncStep2Message, readAwarenessEntries } from '@tandem/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { LiteClient } from '../src/load/lite-client.js'
import { waitFor } from '../src/load/wait.js'

let server: WebSocketServer | null = null

afterEach(async () => {
  const closing = server
  server = null
  if (!closing) return
  // Closing a ws server waits for its connections, which a failing test may have left open.
  for (const ws of closing.clients) ws.terminate()
  await new Promise((resolve) => closing.close(resolve))
})

/** A server that sends `frames` to every client as it opens, then nothing more. */
async function serverSending(frames: Uint8Array[]): Promise<string> {
  const wss = new WebSocketServer({ port: 0 })
  server = wss
  wss.on('connection', (ws) => {
    for (const frame of frames) ws.send(frame)
  })
  await new Promise((resolve) => wss.once('listening', resolve))
  const address = wss.address()
  if (address === null || typeof address === 'string') throw new Error(`listening on ${address}`)
  return `ws://127.0.0.1:${address.port}`
}

describe('a load client', () => {
  for (const [what, frame] of [
    ['an unknown message type', new Uint8Array([42])],
    ['a truncated update', new Uint8Array([0, 2, 5, 0])],
    ['an awareness update its handler cannot read', encodeAwarenessMessage(new Uint8Array([1, 7]))],
  ] as const) {
    it(`drops its connection on ${what}`, async () => {
      const url = await serverSending([encodeSyncStep2Message(new Uint8Array([0, 0])), frame])
      const codes: number[] = []
      const client = await LiteClient.connect({
        url,
        room: 'room',
        serverSyncs: true,
        handlers: {
          // As idle clients read it.
          awareness: (update) => readAwarenessEntries(update),
          dropped: (code) => codes.push(code),
        },
      })
      await client.synced
      expect(await waitFor(() => codes.length > 0, 10_000, 10)).toBe(true)
      expect(codes).toEqual([1002])
      expect(client.isOpen).toBe(false)
    })
  }
})
