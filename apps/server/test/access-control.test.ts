/**
 * Access control, attacked from outside, against the real server process in `--auth token` mode: every way
 * around a rule that the rule must stop.
 */

import { spawnSync } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import {
  CloseCode,
  encodeAwarenessMessage,
  encodeQueryAwarenessMessage,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  readAwarenessEntries,
  readMessage,
} from '@tandem/protocol'
import { TokenAuthority } from '@tandem/server-koa'
import {
  connectClient,
  openRawClient,
  type RawClient,
  repoRoot,
  startTandem,
  type TandemProcess,
  type TestClient,
  tandemCli,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'

const secret = 'a-test-secret-that-is-long-enough-for-hs256-0123456789'
const adminKey = 'admin-key-for-tests-0123456789'
let authority: TokenAuthority
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

beforeAll(async () => {
  authority = await TokenAuthority.create({ secret })
})

const mint = async (docs: string[], access: 'read' | 'write', ttl = 3600) =>
  (await authority.mint({ sub: 'tester', name: 'Tester', docs, access }, ttl)).token

async function tandem(args: string[] = []): Promise<TandemProcess> {
  const server = await startTandem({
    args: ['--auth', 'token', ...args],
    env: { TANDEM_SECRET: secret, TANDEM_ADMIN_KEY: adminKey },
  })
  cleanups.push(() => server.dispose())
  return server
}

function client(server: TandemProcess, room: string, token: string, saved = false): TestClient {
  const c = connectClient(server.url, room, { params: { token }, saved })
  cleanups.push(() => c.destroy())
  return c
}

async function raw(
  server: TandemProcess,
  path: string,
  options?: ConstructorParameters<typeof WebSocket>[2],
): Promise<RawClient> {
  const r = await openRawClient(server.url, path, options)
  cleanups.push(() => r.ws.terminate())
  return r
}

/** Sends a raw HTTP upgrade request with the path exactly as given (no URL normalisation). */
function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    })
    req.on('upgrade', (response, socket) => {
      socket.destroy()
      resolve({ status: response.statusCode ?? 0, body: '' })
    })
    req.on('response', (response) => {
      let body = ''
      response.on('data', (chunk) => {
        body += chunk
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function loadedDocs(server: TandemProcess): Promise<number> {
  const metrics = await (
    await fetch(`${server.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${adminKey}` } })
  ).text()
  return Number(/^tandem_documents_loaded (\d+)/m.exec(metrics)?.[1])
}

function algNoneToken(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`
}

describe('at the upgrade, a connection without a valid token', () => {
  let server: TandemProcess
  beforeAll(async () => {
    server = await startTandem({
      args: ['--auth', 'token', '--auth-failure-limit', '1000'],
      env: { TANDEM_SECRET: secret, TANDEM_ADMIN_KEY: adminKey },
    })
  })
  afterAll(async () => {
    await server.dispose()
  })

  const refusals: [string, () => Promise<string | null>, number, string][] = [
    ['no token', async () => null, CloseCode.unauthorized, 'a token is required'],
    [
      'a token signed with another secret',
      async () => {
        const other = await TokenAuthority.create({ secret: 'another-secret-that-is-long-enough-0123456789abc' })
        return (await other.mint({ sub: 'x', docs: ['*'], access: 'write' }, 3600)).token
      },
      CloseCode.unauthorized,
      'signature',
    ],
    [
      'an alg: none token',
      async () => algNoneToken({ sub: 'x', docs: ['*'], access: 'write', exp: Math.floor(Date.now() / 1000) + 3600 }),
      CloseCode.unauthorized,
      'algorithm',
    ],
    [
      'an expired token',
      async () => {
        const now = Math.floor(Date.now() / 1000)
        const { SignJWT } = await import('jose')
        return new SignJWT({ docs: ['*'], access: 'write' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('x')
          .setIssuedAt(now - 7200)
          .setExpirationTime(now - 3600)
          .sign(new TextEncoder().encode(secret))
      },
      CloseCode.unauthorized,
      'expired',
    ],
    ['a garbage token', async () => 'not.a.jwt', CloseCode.unauthorized, 'malformed'],
    ['a token for a/* used on b', () => mint(['a/*'], 'write'), CloseCode.forbidden, 'does not cover the document "b"'],
  ]

  it.each(refusals)('is closed before any document byte: %s', async (_label, token, code, reason) => {
    const value = await token()
    const r = await raw(server, value === null ? 'b' : `b?token=${encodeURIComponent(value)}`)
    const closed = await r.closed
    expect(closed.code).toBe(code)
    expect(closed.reason).toContain(reason)
    expect(r.received).toHaveLength(0)
    expect(await loadedDocs(server)).toBe(0)
  })

  it.each([
    ['/a/../b', 400],
    ['/a/%2E%2E/b', 400],
    ['/a%2F..%2Fb', 400],
    ['/a%252Fb', 400],
    ['/a/./b', 400],
  ])('refuses the path tricks of a token for a/*: %s gets %i', async (path, status) => {
    const token = await mint(['a/*'], 'write')
    const response = await rawUpgrade(server.port, `${path}?token=${token}`)
    expect(response.status).toBe(status)
    expect(response.body).toContain('Invalid document name')
  })

  it('accepts a covered name however it is percent-encoded, as the one name it decodes to', async () => {
    const token = await mint(['a/*'], 'write')
    for (const path of ['a/x', 'a%2Fx', '%61/x']) {
      const r = await raw(server, `${path}?token=${token}`)
      await r.next(() => true)
      expect(r.ws.readyState).toBe(WebSocket.OPEN)
    }
  })

  it('refuses a token in the Authorization header just the same, and accepts a good one there', async () => {
    const bad = await raw(server, 'b', { headers: { Authorization: `Bearer ${await mint(['a/*'], 'write')}` } })
    expect((await bad.closed).code).toBe(CloseCode.forbidden)
    const good = await raw(server, 'a/header', { headers: { Authorization: `Bearer ${await mint(['a/*'], 'read')}` } })
    await good.next(() => true)
    expect(good.ws.readyState).toBe(WebSocket.OPEN)
  })
})

describe('a read-only connection', () => {
  it('never changes the document: its updates and step 2 are not applied, relayed or stored', async () => {
    const server = await tandem()
    const writer = client(server, 'team/plan', await mint(['team/*'], 'write'), true)
    await writer.synced()
    writer.text.insert(0, 'The plan.')
    await waitFor(() => writer.saves.saved, 'the original text to be saved')
    const observer = client(server, 'team/plan', await mint(['team/plan'], 'read'))
    await observer.synced()
    expect(observer.text.toString()).toBe('The plan.')

    const reader = await raw(server, `team/plan?token=${await mint(['team/plan'], 'read')}`)
    const forged = new Y.Doc()
    forged.getText('content').insert(0, 'OVERWRITTEN ')
    reader.send(encodeUpdateMessage(Y.encodeStateAsUpdate(forged)))
    reader.send(encodeSyncStep2Message(Y.encodeStateAsUpdate(forged)))
    // The connection handles messages in order: once this is answered, the two above were handled.
    reader.send(encodeQueryAwarenessMessage())
    await reader.nextMessage('awareness')
    expect(reader.ws.readyState).toBe(WebSocket.OPEN)

    // A marker after the forged changes: when it arrives everywhere, anything relayed before it would have too.
    writer.text.insert(writer.text.length, ' Still.')
    await waitFor(() => observer.text.toString().endsWith(' Still.'), 'the marker to reach the observer')
    await waitFor(() => writer.saves.saved, 'the marker to be saved')
    expect(observer.text.toString()).toBe('The plan. Still.')
    const text = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent('team/plan')}/text`, {
      headers: { Authorization: `Bearer ${await mint(['team/plan'], 'read')}` },
    })
    expect(await text.text()).toBe('The plan. Still.')
    await server.stop()
    await server.restart()
    const after = client(server, 'team/plan', await mint(['team/plan'], 'read'))
    await after.synced()
    expect(after.text.toString()).toBe('The plan. Still.')
  })

  it('still shows its presence to others', async () => {
    const server = await tandem()
    const observer = client(server, 'shown', await mint(['shown'], 'write'))
    await observer.synced()
    const reader = client(server, 'shown', await mint(['shown'], 'read'))
    reader.provider.awareness.setLocalStateField('user', { name: 'Viewer', color: '#123456' })
    await waitFor(
      () =>
        (observer.provider.awareness.getStates().get(reader.doc.clientID) as { user?: { name?: string } })?.user
          ?.name === 'Viewer',
      'the reader to be seen',
    )
  })
})

describe('awareness', () => {
  const nameIn = (client: TestClient, id: number) =>
    (client.provider.awareness.getStates().get(id) as { user?: { name?: string } } | undefined)?.user?.name

  /** An awareness message setting `state` for `clientId` at `clock`, as anyone could craft it. */
  function awarenessFor(clientId: number, clock: number, state: object): Uint8Array {
    const fake = new Awareness(new Y.Doc())
    fake.states.set(clientId, state)
    fake.meta.set(clientId, { clock, lastUpdated: Date.now() })
    const message = encodeAwarenessMessage(encodeAwarenessUpdate(fake, [clientId]))
    fake.destroy()
    return message
  }

  it("ignores a connection that sets another client's awareness: the state stays as its owner set it", async () => {
    const server = await startTandem()
    cleanups.push(() => server.dispose())
    const ada = connectClient(server.url, 'people')
    cleanups.push(() => ada.destroy())
    ada.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#30bced' })
    const observer = connectClient(server.url, 'people')
    cleanups.push(() => observer.destroy())
    await waitFor(() => nameIn(observer, ada.doc.clientID) === 'Ada', 'Ada to be seen')

    const attacker = await openRawClient(server.url, 'people')
    cleanups.push(() => attacker.ws.terminate())
    attacker.send(awarenessFor(ada.doc.clientID, 1000, { user: { name: 'Mallory', color: '#000000' } }))
    // Handled in order: once the query is answered, the forgery was handled too.
    attacker.send(encodeQueryAwarenessMessage())
    const answer = await attacker.next(
      (frame) => readMessage(frame).type === 'awareness' && attacker.received.indexOf(frame) > 1,
    )
    const answered = readMessage(answer)
    const states = answered.type === 'awareness' ? readAwarenessEntries(answered.update) : []
    expect(states.map((entry) => entry.state).join()).toContain('"Ada"')
    // The server checks on Ada, who answers: Ada stays, and so does what Ada set.
    await waitFor(() => server.logs.some((l) => l.msg === 'a probed connection answered'), 'Ada to answer the probe')
    ada.provider.awareness.setLocalStateField('cursor', { anchor: 1, head: 1 })
    await waitFor(
      () =>
        (observer.provider.awareness.getStates().get(ada.doc.clientID) as { cursor?: unknown })?.cursor !== undefined,
      'the marker',
    )
    expect(nameIn(observer, ada.doc.clientID)).toBe('Ada')
    expect(
      server.logs.some(
        (l) => l.msg === 'holding back awareness for client ids another connection owns, and probing that connection',
      ),
    ).toBe(true)
  })

  it('hands a person their presence back when they reconnect while the old connection silently died', async () => {
    const server = await startTandem()
    cleanups.push(() => server.dispose())
    const observer = connectClient(server.url, 'return')
    cleanups.push(() => observer.destroy())
    await observer.synced()
    // The old connection: it set the state, then went silent (it answers no ping, as after a network drop).
    const clientId = 424242
    const old = await openRawClient(server.url, 'return', { autoPong: false })
    cleanups.push(() => old.ws.terminate())
    old.send(awarenessFor(clientId, 3, { user: { name: 'Grace', color: '#ee6352' } }))
    await waitFor(() => nameIn(observer, clientId) === 'Grace', 'Grace to be seen')
    // The same person on a new connection, with a newer state.
    const again = await openRawClient(server.url, 'return')
    cleanups.push(() => again.ws.terminate())
    const claimedAt = Date.now()
    again.send(awarenessFor(clientId, 4, { user: { name: 'Grace Hopper', color: '#ee6352' } }))
    await waitFor(() => nameIn(observer, clientId) === 'Grace Hopper', 'the new connection to take over', 15_000)
    expect(Date.now() - claimedAt).toBeLessThan(10_000)
    expect((await old.closed).code).toBe(1006)
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('closes a connection that sets more awareness states than a person needs', async () => {
    const server = await startTandem()
    cleanups.push(() => server.dispose())
    const flooder = await openRawClient(server.url, 'crowd')
    cleanups.push(() => flooder.ws.terminate())
    const fake = new Awareness(new Y.Doc())
    const ids = Array.from({ length: 17 }, (_, i) => 1000 + i)
    for (const id of ids) {
      fake.states.set(id, { user: { name: `Fake ${id}` } })
      fake.meta.set(id, { clock: 1, lastUpdated: Date.now() })
    }
    flooder.send(encodeAwarenessMessage(encodeAwarenessUpdate(fake, ids)))
    fake.destroy()
    const closed = await flooder.closed
    expect(closed.code).toBe(CloseCode.policyViolation)
    expect(closed.reason).toContain('at most 16 awareness states')
  })
})

describe('origins, rate limits and backoff', () => {
  it('refuses an upgrade from a foreign Origin with 403, and accepts the same origin and listed ones', async () => {
    const server = await tandem(['--allowed-origins', 'https://app.example.com'])
    const token = await mint(['*'], 'write')
    const foreign = await rawUpgrade(server.port, `/doc?token=${token}`, { Origin: 'https://evil.example.net' })
    expect(foreign.status).toBe(403)
    expect(foreign.body).toContain('https://evil.example.net')
    expect(
      (await rawUpgrade(server.port, `/doc?token=${token}`, { Origin: `http://127.0.0.1:${server.port}` })).status,
    ).toBe(101)
    expect((await rawUpgrade(server.port, `/doc?token=${token}`, { Origin: 'https://app.example.com' })).status).toBe(
      101,
    )
  })

  it('turns connections away with 4029 past the attempts allowed per minute, and API calls with 429', async () => {
    const server = await tandem(['--max-connections-per-minute', '5'])
    const token = await mint(['*'], 'write')
    for (let i = 0; i < 5; i++) await raw(server, `doc?token=${token}`)
    const turnedAway = await (await raw(server, `doc?token=${token}`)).closed
    expect(turnedAway.code).toBe(CloseCode.rateLimited)
    expect(turnedAway.reason).toMatch(/^Too many connection attempts; slow down\. Try again in \d+ s\.$/)
    const limited = await fetch(`${server.httpUrl}/api/docs`, { headers: { Authorization: `Bearer ${token}` } })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('makes an address wait after repeated authentication failures, even with a good token', async () => {
    const server = await tandem(['--auth-failure-limit', '2'])
    for (let i = 0; i < 2; i++) {
      const r = await raw(server, 'doc?token=bad')
      expect((await r.closed).code).toBe(CloseCode.unauthorized)
    }
    const waiting = await (await raw(server, `doc?token=${await mint(['*'], 'write')}`)).closed
    expect(waiting.code).toBe(CloseCode.rateLimited)
    expect(waiting.reason).toContain('Too many')
  })

  it('caps the documents one address may have open', async () => {
    const server = await tandem(['--max-docs-per-ip', '2'])
    const token = await mint(['*'], 'write')
    await raw(server, `one?token=${token}`)
    await raw(server, `two?token=${token}`)
    await raw(server, `two?token=${token}`)
    const third = await (await raw(server, `three?token=${token}`)).closed
    expect(third.code).toBe(CloseCode.rateLimited)
    expect(third.reason).toBe('Too many documents open from one address (at most 2). Try again in 60 s.')
  })
})

describe('a token that expires during a session', () => {
  it('ends the session with 4440', async () => {
    const server = await tandem()
    const r = await raw(server, `doc?token=${await mint(['doc'], 'write', 2)}`)
    await r.next(() => true)
    const closed = await r.closed
    expect(closed.code).toBe(CloseCode.tokenExpired)
    expect(closed.reason).toBe('the token expired')
  })
})

describe('the HTTP API', () => {
  it('applies the same rules to /api/docs and the text export', async () => {
    const server = await tandem()
    for (const room of ['a/one', 'b/two']) {
      const writer = client(server, room, await mint(['*'], 'write'), true)
      await writer.synced()
      writer.text.insert(0, `text of ${room}`)
      await waitFor(() => writer.saves.saved, 'the text to be saved')
    }
    expect((await fetch(`${server.httpUrl}/api/docs`)).status).toBe(401)
    const aToken = await mint(['a/*'], 'read')
    const listed = (await (
      await fetch(`${server.httpUrl}/api/docs`, { headers: { Authorization: `Bearer ${aToken}` } })
    ).json()) as { documents: { name: string }[] }
    expect(listed.documents.map((d: { name: string }) => d.name)).toEqual(['a/one'])
    const denied = await fetch(`${server.httpUrl}/api/docs/b%2Ftwo/text?token=${aToken}`)
    expect(denied.status).toBe(403)
    expect(await denied.text()).toContain('does not cover')
    const allowed = await fetch(`${server.httpUrl}/api/docs/a%2Fone/text?token=${aToken}`)
    expect(await allowed.text()).toBe('text of a/one')
  })

  it('mints tokens for services with the admin key only', async () => {
    const server = await tandem()
    const body = JSON.stringify({ docs: ['team/*'], access: 'write', name: 'Service user', ttl: '1h' })
    const post = (key?: string) =>
      fetch(`${server.httpUrl}/api/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
        body,
      })
    expect((await post()).status).toBe(401)
    expect((await post('wrong-key')).status).toBe(401)
    const minted = await post(adminKey)
    expect(minted.status).toBe(201)
    const { token, access, docs } = (await minted.json()) as { token: string; access: string; docs: string[] }
    expect({ access, docs }).toEqual({ access: 'write', docs: ['team/*'] })
    const grant = await authority.verify(token)
    expect(grant.name).toBe('Service user')
    const bad = await fetch(`${server.httpUrl}/api/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ docs: ['a/../b'], access: 'write' }),
    })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('"docs"')
  })

  it('lets a writer create share links for one document, and not a reader', async () => {
    const server = await tandem()
    const share = (token: string, access: string) =>
      fetch(`${server.httpUrl}/api/docs/team%2Fplan/share`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ access, ttl: '1d' }),
      })
    expect((await share(await mint(['team/plan'], 'read'), 'read')).status).toBe(403)
    const created = await share(await mint(['team/*'], 'write'), 'read')
    expect(created.status).toBe(201)
    const { token } = (await created.json()) as { token: string }
    const grant = await authority.verify(token)
    expect({ docs: grant.docs, access: grant.access }).toEqual({ docs: ['team/plan'], access: 'read' })
    const elsewhere = await raw(server, `team/other?token=${token}`)
    expect((await elsewhere.closed).code).toBe(CloseCode.forbidden)
  })
})

describe('tandem token', () => {
  it('prints a token the server accepts, for exactly what was asked', async () => {
    const result = spawnSync(
      process.execPath,
      tandemCli('token', '--doc', 'team/*', '--access', 'write', '--name', 'Alice', '--ttl', '7d'),
      { cwd: repoRoot, env: { ...process.env, TANDEM_SECRET: secret }, encoding: 'utf8' },
    )
    expect(result.status).toBe(0)
    const token = result.stdout.trim()
    const grant = await authority.verify(token)
    expect({ name: grant.name, docs: grant.docs, access: grant.access }).toEqual({
      name: 'Alice',
      docs: ['team/*'],
      access: 'write',
    })
    expect(grant.expiresAt.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000)
    expect(result.stderr).toContain('write access to team/*')
    const missing = spawnSync(process.execPath, tandemCli('token', '--doc', 'x'), {
      cwd: repoRoot,
      env: { ...process.env, TANDEM_SECRET: '' },
      encoding: 'utf8',
    })
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('TANDEM_SECRET')
  })
})
