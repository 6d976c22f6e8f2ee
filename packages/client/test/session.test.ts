/**
 * @tandem/client on its own: in Node, with no DOM and no CodeMirror, two sessions open one document on a real
 * Tandem server that requires tokens (each session gets its token from a token function). Text put into one
 * session's `text` reaches the other through the server, `saved` means it is in the server's database, and each
 * session sees the other person's name and colour.
 */
import { randomBytes } from 'node:crypto'
import { mintToken, startTandem, storedText, type TandemProcess, waitFor } from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { WebSocket } from 'ws'
import { createSession, type Peer, type Session, type SessionOptions } from '../src/index.js'

const secret = randomBytes(32).toString('hex')
let server: TandemProcess
let token: string
let tokenCalls = 0

beforeAll(async () => {
  server = await startTandem({ args: ['--auth', 'token'], env: { TANDEM_SECRET: secret } })
  token = await mintToken(secret, { docs: ['client/*'], access: 'write' })
})

afterAll(async () => {
  await server?.dispose()
})

/** A session on `docName` of the test server, destroyed when the test ends. */
function open(docName: string, options: Partial<SessionOptions> = {}): Session {
  const session = createSession({
    serverUrl: server.url,
    docName,
    // Node 20 has no global WebSocket.
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    // Two sessions in one process would otherwise also sync through a BroadcastChannel, past the server.
    crossTab: false,
    token: async () => {
      tokenCalls++
      return token
    },
    ...options,
  })
  onTestFinished(() => session.destroy())
  return session
}

describe('@tandem/client without an editor', () => {
  it('text put into one session reaches the other through the server, and saved means it is stored', async () => {
    const name = 'client/text'
    const ada = open(name, { user: { name: 'Ada' } })
    const bob = open(name, { user: { name: 'Bob' } })
    const events: string[] = []
    ada.on('unsaved', () => events.push('unsaved'))
    ada.on('saved', () => events.push('saved'))
    await waitFor(() => ada.synced && bob.synced, 'both sessions to sync', 30_000)
    expect(ada.access).toBe('write')
    expect(tokenCalls).toBeGreaterThanOrEqual(2)

    const text = 'Typed into a Y.Text, with no CodeMirror anywhere.'
    ada.text.insert(0, text)
    expect(ada.saved).toBe(false)
    await waitFor(() => bob.text.toString() === text, "Bob's session to get Ada's text", 30_000)
    await waitFor(() => ada.saved, "the server's acknowledgement", 30_000)
    expect(events).toEqual(['unsaved', 'saved'])
    // From the server's database, not from either session.
    expect(await storedText(server.dataDir, name)).toBe(text)
  })

  it("each session sees the other person's name and colour, and sees them leave", async () => {
    const name = 'client/peers'
    const ada = open(name, { user: { name: 'Ada', color: '#2f6fdd' } })
    const bob = open(name, { user: { name: 'Bob', color: '#d9480f' } })
    let adaSees: Peer[] = []
    let bobSees: Peer[] = []
    ada.on('peers', (peers) => {
      adaSees = peers
    })
    bob.on('peers', (peers) => {
      bobSees = peers
    })
    const people = (peers: Peer[]) => peers.map(({ name, color, isLocal }) => ({ name, color, isLocal }))

    await waitFor(() => adaSees.length === 2 && bobSees.length === 2, 'both to see two people', 30_000)
    expect(people(adaSees)).toEqual([
      { name: 'Ada', color: '#2f6fdd', isLocal: true },
      { name: 'Bob', color: '#d9480f', isLocal: false },
    ])
    expect(people(bobSees)).toEqual([
      { name: 'Bob', color: '#d9480f', isLocal: true },
      { name: 'Ada', color: '#2f6fdd', isLocal: false },
    ])

    bob.setUser({ name: 'Robert', color: '#d9480f' })
    await waitFor(() => adaSees[1]?.name === 'Robert', 'Ada to see Bob rename himself', 30_000)

    bob.destroy()
    await waitFor(() => adaSees.length === 1, 'Ada to see Bob leave', 30_000)
    expect(people(adaSees)).toEqual([{ name: 'Ada', color: '#2f6fdd', isLocal: true }])
  })
})
