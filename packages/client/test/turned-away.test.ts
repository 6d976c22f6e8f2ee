/**
 * A server that turns connections away for now (close 4029 right after the handshake, as Tandem does for an
 * address over its connection or open-document limits): the session says so with a `rate-limited` error that
 * is not fatal, and tries again on its own.
 */
import { CloseCode } from '@tandem/protocol'
import { waitFor } from '@tandem/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { createSession, type EditorError } from '../src/index.js'

const REASON = 'Too many documents open from one address (at most 1). Try again in 60 s.'
let server: WebSocketServer
let attempts = 0

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  server.on('connection', (ws) => {
    attempts++
    ws.close(CloseCode.rateLimited, REASON)
  })
  await new Promise((resolve) => server.once('listening', resolve))
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

it('a connection turned away with 4029 is a rate-limited error with the reason, and the session tries again', async () => {
  const { port } = server.address() as { port: number }
  const session = createSession({
    serverUrl: `ws://127.0.0.1:${port}`,
    docName: 'client/limited',
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    crossTab: false,
    reconnect: { minDelay: 50, maxDelay: 200 },
  })
  const errors: EditorError[] = []
  session.on('error', (error) => errors.push(error))
  try {
    await waitFor(() => attempts >= 2 && errors.length >= 2, 'two attempts, each turned away', 10_000)
    expect(errors[0]).toEqual({
      reason: 'rate-limited',
      code: CloseCode.rateLimited,
      fatal: false,
      message: `The server is turning away connections from this address for now; trying again shortly. The server said: ${REASON}`,
    })
    expect(session.synced).toBe(false)
  } finally {
    session.destroy()
  }
})
