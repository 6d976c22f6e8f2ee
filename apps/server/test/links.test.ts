/**
 * Share links that can be taken back, against the real server process with `--auth token`: listing and revoking
 * with every kind of credential, bad input refused with nothing changed (read from the SQLite file), a revoked
 * token refused at the upgrade and on the HTTP API, across a restart, and open connections that used it closed
 * with 4403 and the reason within seconds.
 */

import { join } from 'node:path'
import { CloseCode, REVOKED_LINK_REASON, REVOKED_TOKEN_REASON } from '@tandem/protocol'
import { TokenAuthority } from '@tandem/server-koa'
import { DEFAULT_DATABASE_FILE } from '@tandem/store-sqlite'
import {
  type CloseInfo,
  connectClient,
  openRawClient,
  startPostgres,
  startRedis,
  startTandem,
  storedText,
  type TandemProcess,
  type TestClient,
  waitFor,
} from '@tandem/test-utils'
import Database from 'better-sqlite3'
import { SignJWT } from 'jose'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'

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

const mint = async (docs: string[], access: 'read' | 'write', sub = 'alice') =>
  (await authority.mint({ sub, name: sub, docs, access }, 3600)).token

async function tandem(args: string[] = []): Promise<TandemProcess> {
  const server = await startTandem({
    args: ['--auth', 'token', ...args],
    env: { TANDEM_SECRET: secret, TANDEM_ADMIN_KEY: adminKey },
  })
  cleanups.push(() => server.dispose())
  return server
}

function api(server: TandemProcess, path: string, method = 'GET', bearer?: string, body?: unknown) {
  return fetch(`${server.httpUrl}${path}`, {
    method,
    headers: {
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
}

interface Minted {
  token: string
  id: string
}

async function share(server: TandemProcess, name: string, owner: string, access: 'read' | 'write', label?: string) {
  const response = await api(server, `/api/docs/${encodeURIComponent(name)}/share`, 'POST', owner, {
    access,
    ttl: '1d',
    ...(label ? { label } : {}),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Minted & { expiresAt: string; label: string | null }
}

/** Replaces the text of `name` through the write API; resolves the status. */
async function putText(server: TandemProcess, name: string, text: string, bearer: string): Promise<number> {
  const response = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}/text`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'text/plain; charset=utf-8' },
    body: text,
  })
  await response.arrayBuffer()
  return response.status
}

/** What the store holds, read from the SQLite file itself through a second connection. */
function stored(server: TandemProcess): {
  links: { id: string; document: string }[]
  revoked: { id: string; kind: string }[]
} {
  const db = new Database(join(server.dataDir, DEFAULT_DATABASE_FILE), { readonly: true })
  try {
    return {
      links: db.prepare('SELECT id, document FROM share_links ORDER BY created_at, id').all() as {
        id: string
        document: string
      }[],
      revoked: db.prepare('SELECT id, kind FROM revocations ORDER BY revoked_at, id').all() as {
        id: string
        kind: string
      }[],
    }
  } finally {
    db.close()
  }
}

/** A stock y-websocket client; resolves the first close the server sends it. */
function watchedClient(
  server: TandemProcess,
  room: string,
  token: string,
): { client: TestClient; closed: Promise<CloseInfo> } {
  const client = connectClient(server.url, room, { params: { token } })
  cleanups.push(() => client.destroy())
  const closed = new Promise<CloseInfo>((resolve) => {
    client.provider.on('connection-close', (event: { code: number; reason: unknown } | null) => {
      if (event) resolve({ code: event.code, reason: String(event.reason) })
    })
  })
  return { client, closed }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)),
  ])
}

describe('share links', () => {
  it('lists and revokes for the admin key and write tokens of the document only', async () => {
    const server = await tandem()
    const owner = await mint(['team/notes'], 'write')
    const view = await share(server, 'team/notes', owner, 'read', 'for the reviewers')
    const edit = await share(server, 'team/notes', owner, 'write')
    await share(server, 'team/other', await mint(['team/other'], 'write'), 'read')
    const path = `/api/docs/${encodeURIComponent('team/notes')}/links`

    for (const credential of [adminKey, owner, await mint(['team/*'], 'write', 'bob')]) {
      const response = await api(server, path, 'GET', credential)
      expect(response.status).toBe(200)
      const { links } = (await response.json()) as { links: Record<string, unknown>[] }
      expect(links.map((link) => link.id)).toEqual([view.id, edit.id])
      expect(links[0]).toEqual({
        id: view.id,
        access: 'read',
        label: 'for the reviewers',
        createdBy: 'alice',
        createdAt: expect.any(String),
        expiresAt: view.expiresAt,
      })
      // The token itself is never shown again.
      expect(JSON.stringify(links)).not.toContain(view.token)
    }

    const refusals: [string | undefined, number, string][] = [
      [undefined, 401, 'a token is required'],
      [await mint(['team/notes'], 'read'), 403, 'the token only allows reading'],
      [view.token, 403, 'the token only allows reading'],
      [await mint(['elsewhere'], 'write'), 403, 'does not cover the document "team/notes"'],
      ['not-a-token', 401, 'the token is malformed'],
    ]
    for (const [credential, status, reason] of refusals) {
      for (const [method, suffix] of [
        ['GET', ''],
        ['DELETE', `/${edit.id}`],
      ] as const) {
        const response = await api(server, path + suffix, method, credential)
        expect({ method, status: response.status }).toEqual({ method, status })
        expect(await response.text()).toContain(reason)
      }
    }
    expect(stored(server).revoked).toEqual([])

    const revoked = await api(server, `${path}/${edit.id}`, 'DELETE', owner)
    expect(revoked.status).toBe(200)
    expect(await revoked.json()).toMatchObject({ id: edit.id, alreadyRevoked: false, reason: REVOKED_LINK_REASON })
    const again = await api(server, `${path}/${edit.id}`, 'DELETE', adminKey)
    expect(await again.json()).toMatchObject({ id: edit.id, alreadyRevoked: true })
    expect(stored(server).revoked).toEqual([{ id: edit.id, kind: 'link' }])
    const left = (await (await api(server, path, 'GET', owner)).json()) as { links: { id: string }[] }
    expect(left.links.map((link) => link.id)).toEqual([view.id])
  })

  it('refuses bad ids, unknown ids and bad names with a clear 4xx, and changes nothing', async () => {
    const server = await tandem()
    const owner = await mint(['*'], 'write')
    const link = await share(server, 'a', owner, 'read')
    const other = await share(server, 'b', owner, 'read')
    const before = stored(server)
    expect(before.links.map((l) => l.id)).toEqual([link.id, other.id])

    const cases: [string, string, number, string][] = [
      ['DELETE', '/api/docs/a/links/%ZZ', 400, 'The link id is not valid percent-encoding.'],
      ['DELETE', `/api/docs/a/links/${'x'.repeat(201)}`, 400, 'Invalid link id: a token id must be at most 200'],
      ['DELETE', '/api/docs/a/links/has%20space', 400, 'must not contain spaces or control characters'],
      ['DELETE', '/api/docs/a/links/', 400, 'Invalid link id: a token id must be a non-empty string'],
      ['DELETE', '/api/docs/a/links/00000000-0000-4000-8000-000000000000', 404, 'has no share link'],
      // A link of another document is unknown here.
      ['DELETE', `/api/docs/a/links/${other.id}`, 404, `The document "a" has no share link ${other.id}.`],
      ['GET', '/api/docs/a%2F..%2Fb/links', 400, 'Invalid document name'],
      ['GET', '/api/docs/%E0%A4%A/links', 400, 'The document name is not valid percent-encoding.'],
      ['POST', '/api/docs/a/links', 405, 'use GET'],
      ['GET', `/api/docs/a/links/${link.id}`, 405, 'use DELETE'],
      ['POST', '/api/tokens/%ZZ/revoke', 400, 'The link id is not valid percent-encoding.'],
      ['GET', `/api/tokens/${link.id}/revoke`, 405, 'use POST'],
    ]
    for (const [method, path, status, reason] of cases) {
      const response = await api(server, path, method, path.startsWith('/api/tokens') ? adminKey : owner)
      expect({ path, method, status: response.status }).toEqual({ path, method, status })
      expect(await response.text()).toContain(reason)
    }
    // Revoking by token id needs the admin key; a write token is not one.
    const byToken = await api(server, `/api/tokens/${link.id}/revoke`, 'POST', owner)
    expect(byToken.status).toBe(401)
    expect(stored(server)).toEqual(before)
    const body = { access: 'read', ttl: '1d', label: 'x'.repeat(101) }
    expect((await api(server, '/api/docs/a/share', 'POST', owner, body)).status).toBe(400)
    expect(stored(server)).toEqual(before)
  })

  it('refuses a revoked link at the upgrade and on the HTTP API, also after a restart', async () => {
    const server = await tandem()
    const owner = await mint(['doc'], 'write')
    const link = await share(server, 'doc', owner, 'write')
    const ok = await api(server, '/api/docs/doc/text', 'GET', link.token)
    expect(ok.status).not.toBe(403)

    expect((await api(server, `/api/docs/doc/links/${link.id}`, 'DELETE', owner)).status).toBe(200)

    const check = async () => {
      const text = await api(server, '/api/docs/doc/text', 'GET', link.token)
      expect(text.status).toBe(403)
      expect(await text.text()).toBe(`Access denied: ${REVOKED_LINK_REASON}.`)
      // An edit link that was revoked can no longer make links of its own, nor list or revoke them.
      for (const [method, path, body] of [
        ['POST', '/api/docs/doc/share', { access: 'read' }],
        ['GET', '/api/docs/doc/links', undefined],
      ] as const) {
        const refused = await api(server, path, method, link.token, body)
        expect(refused.status).toBe(403)
        expect(await refused.text()).toBe(`Access denied: ${REVOKED_LINK_REASON}.`)
      }
      const raw = await openRawClient(server.url, 'doc', { headers: { Authorization: `Bearer ${link.token}` } })
      cleanups.push(() => raw.ws.terminate())
      expect(await raw.closed).toEqual({ code: CloseCode.forbidden, reason: `Access denied: ${REVOKED_LINK_REASON}.` })
      expect(raw.received).toEqual([])
    }
    await check()
    await server.restart()
    expect(stored(server).revoked).toEqual([{ id: link.id, kind: 'link' }])
    await check()
    // The owner's own token is untouched.
    expect((await api(server, '/api/docs/doc/links', 'GET', owner)).status).toBe(200)
  })

  it('closes the connections of a revoked link within 5 s, with 4403 and the reason, and no others', async () => {
    const server = await tandem()
    const owner = await mint(['doc'], 'write')
    const link = await share(server, 'doc', owner, 'read')
    const viewer = watchedClient(server, 'doc', link.token)
    const editor = watchedClient(server, 'doc', owner)
    await Promise.all([viewer.client.synced(), editor.client.synced()])

    const started = Date.now()
    expect((await api(server, `/api/docs/doc/links/${link.id}`, 'DELETE', owner)).status).toBe(200)
    const closed = await within(viewer.closed, 5000, 'closing the revoked link')
    expect(closed).toEqual({ code: CloseCode.forbidden, reason: `Access denied: ${REVOKED_LINK_REASON}.` })
    expect(Date.now() - started).toBeLessThan(5000)
    // The editor stays: an edit still reaches the server.
    editor.client.text.insert(0, 'still here')
    await within(
      (async () => {
        while ((await (await api(server, '/api/docs/doc/text', 'GET', owner)).text()) !== 'still here') {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      })(),
      10_000,
      'the edit after the revocation reaching the server',
    )
  })

  it('revokes any token by its id with the admin key, also one another service signed', async () => {
    const server = await tandem()
    const now = Math.floor(Date.now() / 1000)
    const foreign = await new SignJWT({ docs: ['doc'], access: 'write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('service-user')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti('service:4711')
      .sign(new TextEncoder().encode(secret))
    const connection = watchedClient(server, 'doc', foreign)
    await connection.client.synced()

    const refused = await api(server, '/api/tokens/service%3A4711/revoke', 'POST', 'wrong-key')
    expect(refused.status).toBe(401)
    expect(stored(server).revoked).toEqual([])

    const response = await api(server, '/api/tokens/service%3A4711/revoke', 'POST', adminKey)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ id: 'service:4711', kind: 'token', alreadyRevoked: false })
    expect(await within(connection.closed, 5000, 'closing the revoked token')).toEqual({
      code: CloseCode.forbidden,
      reason: `Access denied: ${REVOKED_TOKEN_REASON}.`,
    })
    const text = await api(server, '/api/docs/doc/text', 'GET', foreign)
    expect(await text.text()).toBe(`Access denied: ${REVOKED_TOKEN_REASON}.`)
  })

  it('answers 404 with a sentence on a server without tokens', async () => {
    const server = await startTandem({ env: { TANDEM_ADMIN_KEY: adminKey } })
    cleanups.push(() => server.dispose())
    const response = await api(server, '/api/docs/doc/links', 'GET', adminKey)
    expect(response.status).toBe(404)
    expect(await response.text()).toContain('runs without tokens (start it with --auth token)')
  })
})

describe('links of a renamed document', () => {
  const revoked = { code: CloseCode.forbidden, reason: `Access denied: ${REVOKED_LINK_REASON}.` }

  it('lead to it: a client with a link for the old name edits it, also at the new name, and the link is listed and revoked under the new name', async () => {
    const server = await tandem()
    const owner = await mint(['team/*'], 'write')
    expect(await putText(server, 'team/a', 'written before the rename', owner)).toBe(201)
    const link = await share(server, 'team/a', owner, 'write')
    const rename = await api(server, `/api/docs/${encodeURIComponent('team/a')}/rename`, 'POST', owner, {
      to: 'team/b',
    })
    expect(rename.status).toBe(200)
    expect(stored(server).links).toEqual([{ id: link.id, document: 'team/b' }])

    // A stock y-websocket client with the link, at the old name: it opens the renamed document and edits it.
    const editor = watchedClient(server, 'team/a', link.token)
    await editor.client.synced()
    expect(editor.client.text.toString()).toBe('written before the rename')
    editor.client.text.insert(0, 'edited through the link, ')
    const expected = 'edited through the link, written before the rename'
    await waitFor(async () => (await storedText(server.dataDir, 'team/b')) === expected, 'the edit stored in team/b')
    await expect(storedText(server.dataDir, 'team/a')).rejects.toThrow(/Nothing is stored/)
    // Over HTTP, the old name leads to it as well: its row with a redirect, and its text.
    const row = await fetch(`${server.httpUrl}/api/docs/team%2Fa`, {
      headers: { Authorization: `Bearer ${link.token}` },
      redirect: 'manual',
    })
    expect({ status: row.status, location: row.headers.get('location') }).toEqual({
      status: 308,
      location: '/api/docs/team%2Fb',
    })
    expect(await row.json()).toMatchObject({ name: 'team/b', movedFrom: 'team/a' })
    const text = await api(server, '/api/docs/team%2Fa/text', 'GET', link.token)
    expect({ status: text.status, body: await text.text() }).toEqual({ status: 200, body: expected })
    // A write through the API goes to a document by its current name, as for every token.
    const write = await fetch(`${server.httpUrl}/api/docs/team%2Fa/append`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${link.token}`, 'Content-Type': 'text/plain' },
      body: '!',
    })
    expect({ status: write.status, body: await write.text() }).toEqual({
      status: 404,
      body: '"team/a" is an old name: the document is now "team/b"; use that name.',
    })
    // A client that follows renames is told the new name instead of being served at the old one, and the link
    // opens the document there too; so does a write through the API by the new name.
    const follower = await openRawClient(server.url, 'team/a?tandem=saved,moved', {
      headers: { Authorization: `Bearer ${link.token}` },
    })
    cleanups.push(() => follower.ws.terminate())
    expect(await follower.closed).toEqual({ code: CloseCode.documentMoved, reason: 'team/b' })
    expect(follower.received).toEqual([])
    const atNewName = watchedClient(server, 'team/b', link.token)
    await atNewName.client.synced()
    expect(atNewName.client.text.toString()).toBe(expected)
    const appended = await fetch(`${server.httpUrl}/api/docs/team%2Fb/append`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${link.token}`, 'Content-Type': 'text/plain' },
      body: '!',
    })
    expect(appended.status).toBe(200)
    const final = `${expected}!`
    await waitFor(() => atNewName.client.text.toString() === final, 'the appended text at the new name')

    const listed = await api(server, '/api/docs/team%2Fb/links', 'GET', owner)
    expect(listed.status).toBe(200)
    expect(((await listed.json()) as { links: { id: string }[] }).links.map((l) => l.id)).toEqual([link.id])
    expect(await (await api(server, '/api/docs/team%2Fa/links', 'GET', owner)).json()).toEqual({ links: [] })

    const revoke = await api(server, `/api/docs/team%2Fb/links/${link.id}`, 'DELETE', owner)
    expect(revoke.status).toBe(200)
    expect(await revoke.json()).toMatchObject({ id: link.id, alreadyRevoked: false, reason: REVOKED_LINK_REASON })
    expect(await within(editor.closed, 5000, 'closing the revoked link')).toEqual(revoked)
    expect(await within(atNewName.closed, 5000, 'closing the revoked link at the new name')).toEqual(revoked)
    expect(stored(server).revoked).toEqual([{ id: link.id, kind: 'link' }])
    const raw = await openRawClient(server.url, 'team/a', { headers: { Authorization: `Bearer ${link.token}` } })
    cleanups.push(() => raw.ws.terminate())
    expect(await raw.closed).toEqual(revoked)
    expect(raw.received).toEqual([])
    const refused = await api(server, '/api/docs/team%2Fa/text', 'GET', link.token)
    expect({ status: refused.status, body: await refused.text() }).toEqual({ status: 403, body: revoked.reason })
    expect(await storedText(server.dataDir, 'team/b')).toBe(final)
  })

  it('open it through an old name only for a token naming that name, never through a pattern it moved out of', async () => {
    // Every refusal below counts against the address; none should be answered 429 instead.
    const server = await tandem(['--auth-failure-limit', '100'])
    const admin = await mint(['*'], 'write')
    expect(await putText(server, 'drafts/plan', 'the plan', admin)).toBe(201)
    const renamed = await api(server, '/api/docs/drafts%2Fplan/rename', 'POST', admin, { to: 'board/plan' })
    expect(renamed.status).toBe(200)

    // Named exactly (as a share link names its document): it follows the document.
    const named = await mint(['drafts/plan'], 'read', 'carol')
    const reader = watchedClient(server, 'drafts/plan', named)
    await reader.client.synced()
    expect(reader.client.text.toString()).toBe('the plan')
    const text = await api(server, '/api/docs/drafts%2Fplan/text', 'GET', named)
    expect({ status: text.status, body: await text.text() }).toEqual({ status: 200, body: 'the plan' })
    // And where it is now, as an editor that followed the rename asks for it.
    const atNewName = watchedClient(server, 'board/plan', named)
    await atNewName.client.synced()
    expect(atNewName.client.text.toString()).toBe('the plan')

    // A pattern covers the old name but not the document where it is now: refused, without naming the new name.
    // A token that never covered the old name is not even told that the document moved.
    const movedOut = 'Access denied: the document "drafts/plan" was renamed, and the token does not cover its new name.'
    const never = 'Access denied: the token does not cover the document "drafts/plan".'
    for (const [token, reason] of [
      [await mint(['drafts/*'], 'write', 'bob'), movedOut],
      [await mint(['elsewhere/*'], 'write', 'eve'), never],
    ] as const) {
      const raw = await openRawClient(server.url, 'drafts/plan', { headers: { Authorization: `Bearer ${token}` } })
      cleanups.push(() => raw.ws.terminate())
      expect(await raw.closed).toEqual({ code: CloseCode.forbidden, reason })
      expect(raw.received).toEqual([])
      for (const path of ['/api/docs/drafts%2Fplan', '/api/docs/drafts%2Fplan/text']) {
        const response = await api(server, path, 'GET', token)
        expect({ path, status: response.status, body: await response.text() }).toEqual({
          path,
          status: 403,
          body: reason,
        })
      }
      expect(await putText(server, 'drafts/plan', 'overwritten', token)).toBe(403)
    }
    // Write access to the new name: a write to the old one is told where the document is.
    const board = await mint(['board/*'], 'write', 'dave')
    const write = await fetch(`${server.httpUrl}/api/docs/drafts%2Fplan/text`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${board}`, 'Content-Type': 'text/plain' },
      body: 'overwritten',
    })
    expect({ status: write.status, body: await write.text() }).toEqual({
      status: 404,
      body: '"drafts/plan" is an old name: the document is now "board/plan"; use that name.',
    })
    expect(await storedText(server.dataDir, 'board/plan')).toBe('the plan')
  })
})

describe('links of a purged document', () => {
  const revoked = { code: CloseCode.forbidden, reason: `Access denied: ${REVOKED_LINK_REASON}.` }

  /** Refused everywhere with the revoked reason, with nothing of the document sent. */
  async function expectRevoked(server: TandemProcess, name: string, token: string) {
    const text = await api(server, `/api/docs/${encodeURIComponent(name)}/text`, 'GET', token)
    expect({ status: text.status, body: await text.text() }).toEqual({ status: 403, body: revoked.reason })
    const raw = await openRawClient(server.url, name, { headers: { Authorization: `Bearer ${token}` } })
    cleanups.push(() => raw.ws.terminate())
    expect(await raw.closed).toEqual(revoked)
    expect(raw.received).toEqual([])
  }

  it('are revoked by a purge with the admin key: a new document with the same name does not open with them', async () => {
    const server = await tandem()
    const owner = await mint(['team/*'], 'write')
    expect(await putText(server, 'team/a', 'the old document', owner)).toBe(201)
    expect(await putText(server, 'team/keep', 'kept', owner)).toBe(201)
    const link = await share(server, 'team/a', owner, 'read')
    const kept = await share(server, 'team/keep', owner, 'read')
    expect((await api(server, '/api/docs/team%2Fa', 'DELETE', owner)).status).toBe(200)

    const purge = await api(server, '/api/docs/team%2Fa?permanent=1', 'DELETE', adminKey)
    expect({ status: purge.status, body: await purge.json() }).toEqual({
      status: 200,
      body: { name: 'team/a', purged: true },
    })
    expect(stored(server)).toEqual({
      links: [{ id: kept.id, document: 'team/keep' }],
      revoked: [{ id: link.id, kind: 'link' }],
    })

    expect(await putText(server, 'team/a', 'a new document', owner)).toBe(201)
    await expectRevoked(server, 'team/a', link.token)
    expect(await (await api(server, '/api/docs/team%2Fa/links', 'GET', owner)).json()).toEqual({ links: [] })
    const other = await api(server, '/api/docs/team%2Fkeep/text', 'GET', kept.token)
    expect({ status: other.status, body: await other.text() }).toEqual({ status: 200, body: 'kept' })
  })

  it('are revoked when the trash sweep purges the document after --trash-days', async () => {
    // 0.00005 days is 4.3 s; the sweep runs every quarter of that.
    const server = await tandem(['--trash-days', '0.00005'])
    const owner = await mint(['team/*'], 'write')
    expect(await putText(server, 'team/swept', 'short-lived', owner)).toBe(201)
    const link = await share(server, 'team/swept', owner, 'write')
    expect((await api(server, '/api/docs/team%2Fswept', 'DELETE', owner)).status).toBe(200)

    await waitFor(
      async () => (await storedText(server.dataDir, 'team/swept').catch(() => null)) === null,
      'the sweep to purge the document',
      30_000,
    )
    expect(stored(server)).toEqual({ links: [], revoked: [{ id: link.id, kind: 'link' }] })
    expect(await putText(server, 'team/swept', 'a new document', owner)).toBe(201)
    await expectRevoked(server, 'team/swept', link.token)
  })
})

describe('revocations of expired links', () => {
  /** The revocations in the SQLite file, with when each revoked token expires (ms), read through a second connection. */
  function revocationRows(server: TandemProcess): { id: string; kind: string; expires_at: number | null }[] {
    const db = new Database(join(server.dataDir, DEFAULT_DATABASE_FILE), { readonly: true })
    try {
      return db.prepare('SELECT id, kind, expires_at FROM revocations ORDER BY id').all() as {
        id: string
        kind: string
        expires_at: number | null
      }[]
    } finally {
      db.close()
    }
  }

  it('are dropped by the sweep an hour after the link expired; others stay', async () => {
    const server = await tandem()
    const owner = await mint(['doc'], 'write')
    const [old, recent] = [await share(server, 'doc', owner, 'read'), await share(server, 'doc', owner, 'read')]
    for (const link of [old, recent]) {
      expect((await api(server, `/api/docs/doc/links/${link.id}`, 'DELETE', owner)).status).toBe(200)
    }
    expect((await api(server, '/api/tokens/service%3A7/revoke', 'POST', adminKey)).status).toBe(200)
    const rows = [
      { id: old.id, kind: 'link', expires_at: Date.parse(old.expiresAt) },
      { id: recent.id, kind: 'link', expires_at: Date.parse(recent.expiresAt) },
      { id: 'service:7', kind: 'token', expires_at: null },
    ].sort((a, b) => (a.id < b.id ? -1 : 1))
    expect(revocationRows(server)).toEqual(rows)

    // Time passes: the first link expired 61 minutes ago, the second 59 minutes ago (its revocation is kept an hour
    // after, for instances whose clock is behind). The sweep runs when the server starts.
    await server.stop()
    const db = new Database(join(server.dataDir, DEFAULT_DATABASE_FILE))
    for (const [link, minutes] of [
      [old, 61],
      [recent, 59],
    ] as const) {
      const expiresAt = Date.now() - minutes * 60_000
      db.prepare('UPDATE revocations SET expires_at = ? WHERE id = ?').run(expiresAt, link.id)
      db.prepare('UPDATE share_links SET expires_at = ? WHERE id = ?').run(expiresAt, link.id)
      const row = rows.find((r) => r.id === link.id)
      if (row) row.expires_at = expiresAt
    }
    db.close()
    await server.restart()

    const kept = rows.filter((row) => row.id !== old.id)
    await waitFor(
      () => !revocationRows(server).some((row) => row.id === old.id),
      'the sweep to drop the expired revocation',
    )
    expect(revocationRows(server)).toEqual(kept)
    expect(server.logs.filter((line) => line.msg === 'dropped the revocations of tokens that have expired')).toEqual([
      expect.objectContaining({ revocations: 1 }),
    ])
    // The link stays on record; the revoked token that is no link stays refused.
    expect(stored(server).links.map((link) => link.id)).toEqual([old.id, recent.id])
    const now = Math.floor(Date.now() / 1000)
    const foreign = await new SignJWT({ docs: ['doc'], access: 'read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('service-user')
      .setExpirationTime(now + 3600)
      .setJti('service:7')
      .sign(new TextEncoder().encode(secret))
    const refused = await api(server, '/api/docs/doc/text', 'GET', foreign)
    expect({ status: refused.status, body: await refused.text() }).toEqual({
      status: 403,
      body: `Access denied: ${REVOKED_TOKEN_REASON}.`,
    })
  })
})

describe('scaled out on PostgreSQL and Redis', () => {
  it('closes a revoked link on the other instance within 5 s, and refuses it there at the upgrade', async () => {
    const [postgres, redis] = await Promise.all([startPostgres({ fsync: false }), startRedis()])
    cleanups.push(() => Promise.all([postgres.stop(), redis.stop()]).then(() => undefined))
    const url = await postgres.createSchema()
    const [first, second] = await Promise.all(
      [0, 1].map(() => tandem(['--database-url', url, '--redis-url', redis.url])),
    )
    if (!first || !second) throw new Error('two instances should have started')
    const owner = await mint(['doc'], 'write')
    const link = await share(first, 'doc', owner, 'read')
    // The viewer is on the second instance; the link is revoked through the first.
    const viewer = watchedClient(second, 'doc', link.token)
    await viewer.client.synced()

    const started = Date.now()
    expect((await api(first, `/api/docs/doc/links/${link.id}`, 'DELETE', owner)).status).toBe(200)
    expect(await within(viewer.closed, 5000, 'the other instance closing the revoked link')).toEqual({
      code: CloseCode.forbidden,
      reason: `Access denied: ${REVOKED_LINK_REASON}.`,
    })
    expect(Date.now() - started).toBeLessThan(5000)
    const raw = await openRawClient(second.url, 'doc', { headers: { Authorization: `Bearer ${link.token}` } })
    cleanups.push(() => raw.ws.terminate())
    expect(await raw.closed).toEqual({ code: CloseCode.forbidden, reason: `Access denied: ${REVOKED_LINK_REASON}.` })
  })
})
