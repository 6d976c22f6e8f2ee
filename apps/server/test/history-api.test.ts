/**
 * The history API against the real server process in `--auth token` mode over SQLite: listing versions, the text
 * at one, diffs and authorship with their authors, naming and restoring versions (a connected y-websocket client
 * sees the restore, and the text read back from the SQLite file is the version's), the access rules (read to
 * look, write to name or restore) and a clear 400/404 for every bad input, which changes nothing.
 */
import { join } from 'node:path'
import { TokenAuthority } from '@tandem/server-koa'
import {
  connectClient,
  startTandem,
  storedText,
  type TandemProcess,
  type TestClient,
  waitFor,
} from '@tandem/test-utils'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

const secret = 'a-test-secret-that-is-long-enough-for-hs256-0123456789'
let authority: TokenAuthority
let server: TandemProcess
const clients: TestClient[] = []

const mint = async (sub: string, access: 'read' | 'write', docs = ['story/*']) =>
  (await authority.mint({ sub, name: sub, docs, access }, 3600)).token
const alice = { id: 'user:alice', name: 'alice', verified: true }
const bob = { id: 'user:bob', name: 'bob', verified: true }
const carol = { id: 'user:carol', name: 'carol', verified: true }
let aliceToken: string
let bobToken: string
let readerToken: string

beforeAll(async () => {
  authority = await TokenAuthority.create({ secret })
  server = await startTandem({
    // No automatic version comes between the ones the tests name.
    args: ['--auth', 'token', '--max-connections-per-minute', '100000', '--version-pause', '1h', '--version-max', '1h'],
    env: { TANDEM_SECRET: secret },
  })
  ;[aliceToken, bobToken, readerToken] = await Promise.all([
    mint('alice', 'write'),
    mint('bob', 'write'),
    mint('reader', 'read'),
  ])
})
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})
afterAll(async () => {
  await server?.dispose()
})

interface Answer {
  status: number
  type: string | null
  text: string
  json: () => unknown
}

async function call(method: string, path: string, token: string | null, body?: string): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(`${server.httpUrl}${path}`, { method, headers, body })
  const text = await response.text()
  return { status: response.status, type: response.headers.get('Content-Type'), text, json: () => JSON.parse(text) }
}

const docPath = (name: string) => `/api/docs/${encodeURIComponent(name)}`
const putText = async (name: string, text: string, token: string) => {
  const response = await fetch(`${server.httpUrl}${docPath(name)}/text`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain; charset=utf-8' },
    body: text,
  })
  expect(response.status).toBeLessThan(300)
}
const nameVersion = (name: string, label: unknown, token: string) =>
  call('POST', `${docPath(name)}/versions`, token, JSON.stringify({ label }))
const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

describe('a document written by two people', () => {
  const name = 'story/two'
  const path = docPath(name)
  let first: number
  let second: number
  beforeAll(async () => {
    await putText(name, 'Hello world\n', aliceToken)
    const named = await nameVersion(name, '  First draft ', aliceToken)
    expect(named.status).toBe(201)
    first = (named.json() as { id: number }).id
    await putText(name, 'Hello brave world\n', bobToken)
    const again = await nameVersion(name, 'Bob was here', bobToken)
    expect(again.status).toBe(201)
    second = (again.json() as { id: number }).id
  })

  it('lists its versions oldest first, with who named them, their authors and what changed', async () => {
    const answer = await call('GET', `${path}/versions`, readerToken)
    expect(answer.status).toBe(200)
    expect(answer.json()).toEqual({
      versions: [
        {
          id: first,
          kind: 'named',
          label: 'First draft',
          by: alice,
          at: iso,
          authors: [alice],
          inserted: 12,
          deleted: 0,
          restoredFrom: null,
        },
        {
          id: second,
          kind: 'named',
          label: 'Bob was here',
          by: bob,
          at: iso,
          authors: [bob],
          inserted: 6,
          deleted: 0,
          restoredFrom: null,
        },
      ],
    })
    expect(second).toBeGreaterThan(first)
  })

  it('serves the text at a version as plain text', async () => {
    const answer = await call('GET', `${path}/versions/${first}/text`, readerToken)
    expect(answer.status).toBe(200)
    expect(answer.type).toBe('text/plain; charset=utf-8')
    expect(answer.text).toBe('Hello world\n')
  })

  it('diffs two versions, and a version against the current text, with who inserted what', async () => {
    const answer = await call('GET', `${path}/diff?from=${first}&to=${second}`, readerToken)
    expect(answer.status).toBe(200)
    expect(answer.json()).toEqual({
      from: first,
      to: second,
      ranges: [
        { type: 'same', text: 'Hello ', author: null },
        { type: 'inserted', text: 'brave ', author: bob },
        { type: 'same', text: 'world\n', author: null },
      ],
    })
    const toCurrent = await call('GET', `${path}/diff?from=current&to=${first}`, readerToken)
    expect(toCurrent.json()).toEqual({
      from: 'current',
      to: first,
      ranges: [
        { type: 'same', text: 'Hello ', author: null },
        // Going back, Bob's insertion is what goes away.
        { type: 'deleted', text: 'brave ', author: bob },
        { type: 'same', text: 'world\n', author: null },
      ],
    })
  })

  it('shows who wrote each range of the current text', async () => {
    const answer = await call('GET', `${path}/authorship`, readerToken)
    expect(answer.status).toBe(200)
    expect(answer.json()).toEqual({
      ranges: [
        { text: 'Hello ', author: alice },
        { text: 'brave ', author: bob },
        { text: 'world\n', author: alice },
      ],
    })
  })

  it('lets a read-only token look but not name or restore, and asks for a token', async () => {
    for (const look of [`${path}/versions`, `${path}/diff?from=${first}`, `${path}/authorship`]) {
      expect((await call('GET', look, readerToken)).status).toBe(200)
    }
    const naming = await nameVersion(name, 'Not mine', readerToken)
    expect(naming.status).toBe(403)
    expect(naming.text).toMatch(/may only read "story\/two", and changing it needs write access/)
    const restoring = await call('POST', `${path}/versions/${first}/restore`, readerToken)
    expect(restoring.status).toBe(403)
    expect((await call('GET', `${path}/versions`, null)).status).toBe(401)
    const elsewhere = await call('GET', `${path}/versions`, await mint('carol', 'write', ['other/*']))
    expect(elsewhere.status).toBe(403)
    // Nothing of that was stored.
    const listed = (await call('GET', `${path}/versions`, readerToken)).json() as { versions: { id: number }[] }
    expect(listed.versions.map((version) => version.id)).toEqual([first, second])
    expect(await storedText(server.dataDir, name)).toBe('Hello brave world\n')
  })
})

describe('restoring', () => {
  it('makes the version the current text: connected editors see it, it is stored, and it is itself a version', async () => {
    const name = 'story/restore'
    await putText(name, 'Alice and ', aliceToken)
    await putText(name, 'Alice and Carol wrote this.\n', await mint('carol', 'write'))
    const before = (await nameVersion(name, 'Before the accident', aliceToken).then((a) => a.json())) as { id: number }
    await putText(name, '', bobToken)
    const editor = connectClient(server.url, name, { params: { token: bobToken } })
    clients.push(editor)
    await editor.synced()
    expect(editor.text.toString()).toBe('')

    const restored = await call('POST', `${docPath(name)}/versions/${before.id}/restore`, aliceToken)
    expect(restored.status).toBe(201)
    const version = restored.json() as { id: number }
    expect(version).toEqual({
      id: expect.any(Number),
      kind: 'restore',
      label: null,
      by: alice,
      at: iso,
      // Since the version before: Bob deleted everything, Alice restored it, each person's words as theirs.
      authors: [bob, alice, carol],
      inserted: 28,
      deleted: 28,
      restoredFrom: before.id,
    })
    await waitFor(() => editor.text.toString() === 'Alice and Carol wrote this.\n', 'the editor to see the restore')
    expect(await storedText(server.dataDir, name)).toBe('Alice and Carol wrote this.\n')
    const listed = (await call('GET', `${docPath(name)}/versions`, readerToken)).json() as {
      versions: { id: number; restoredFrom: number | null }[]
    }
    expect(listed.versions.at(-1)).toMatchObject({ id: version.id, restoredFrom: before.id })
    const text = await call('GET', `${docPath(name)}/versions/${version.id}/text`, readerToken)
    expect(text.text).toBe('Alice and Carol wrote this.\n')
    const authorship = await call('GET', `${docPath(name)}/authorship`, readerToken)
    expect(authorship.json()).toEqual({
      ranges: [
        { text: 'Alice and ', author: alice },
        { text: 'Carol wrote this.\n', author: carol },
      ],
    })
  })
})

describe('bad requests get a clear answer and change nothing', () => {
  const name = 'story/bad'
  const path = docPath(name)
  let only: number
  beforeAll(async () => {
    await putText(name, 'Stays as it is.\n', aliceToken)
    only = ((await nameVersion(name, 'The one version', aliceToken)).json() as { id: number }).id
  })

  const cases: [what: string, request: () => Promise<Answer>, status: number, message: RegExp][] = [
    [
      'a version id that is no number',
      () => call('GET', `${path}/versions/abc/text`, aliceToken),
      400,
      /"abc" is not a version id/,
    ],
    ['version 0', () => call('GET', `${path}/versions/0/text`, aliceToken), 400, /"0" is not a version id/],
    [
      'a version the document lacks',
      () => call('GET', `${path}/versions/999/text`, aliceToken),
      404,
      /"story\/bad" has no version 999/,
    ],
    ['a diff without "from"', () => call('GET', `${path}/diff?to=current`, aliceToken), 400, /"from" is required/],
    [
      'a bad "from"',
      () => call('GET', `${path}/diff?from=latest`, aliceToken),
      400,
      /"from" must be a version id .* not "latest"/,
    ],
    [
      'a bad "to"',
      () => call('GET', `${path}/diff?from=current&to=-1`, aliceToken),
      400,
      /"to" must be a version id .* not "-1"/,
    ],
    [
      'a diff from a missing version',
      () => call('GET', `${path}/diff?from=999`, aliceToken),
      404,
      /has no version 999/,
    ],
    ['a name without "label"', () => call('POST', `${path}/versions`, aliceToken, '{}'), 400, /needs "label"/],
    ['a label that is no string', () => nameVersion(name, 7, aliceToken), 400, /"label" must be a string/],
    ['a blank label', () => nameVersion(name, '   ', aliceToken), 400, /"label" is empty/],
    [
      'a label too long',
      () => nameVersion(name, 'x'.repeat(101), aliceToken),
      400,
      /101 characters long; .* at most 100/,
    ],
    ['a body that is no JSON', () => call('POST', `${path}/versions`, aliceToken, '{label'), 400, /not valid JSON/],
    [
      "a person's name that is no string",
      () => call('POST', `${path}/versions`, aliceToken, JSON.stringify({ label: 'Named', name: 42 })),
      400,
      /"name" must be a string/,
    ],
    [
      "a blank person's name",
      () => call('POST', `${path}/versions/${only}/restore`, aliceToken, JSON.stringify({ name: ' ' })),
      400,
      /"name" is empty/,
    ],
    [
      "a person's name too long",
      () => call('POST', `${path}/versions`, aliceToken, JSON.stringify({ label: 'Named', name: 'n'.repeat(101) })),
      400,
      /"name" is 101 characters long; .* at most 100/,
    ],
    [
      'a restore body that is no JSON',
      () => call('POST', `${path}/versions/${only}/restore`, aliceToken, 'name=Ada'),
      400,
      /not valid JSON/,
    ],
    [
      'restoring a missing version',
      () => call('POST', `${path}/versions/999/restore`, aliceToken),
      404,
      /has no version 999/,
    ],
    [
      'restoring a bad id',
      () => call('POST', `${path}/versions/1e3/restore`, aliceToken),
      400,
      /"1e3" is not a version id/,
    ],
    [
      'an unknown document',
      () => call('GET', `${docPath('story/nothing')}/versions`, aliceToken),
      404,
      /No document named "story\/nothing"/,
    ],
    [
      'a wrong method',
      () => call('DELETE', `${path}/versions`, aliceToken),
      405,
      /DELETE is not allowed .* use GET or POST/,
    ],
  ]
  it.each(cases)('%s', async (_what, request, status, message) => {
    const answer = await request()
    expect(answer.status).toBe(status)
    expect(answer.text).toMatch(message)
  })

  it('left the document and its versions as they were', async () => {
    expect(await storedText(server.dataDir, name)).toBe('Stays as it is.\n')
    const listed = (await call('GET', `${path}/versions`, aliceToken)).json() as { versions: { id: number }[] }
    expect(listed.versions.map((version) => version.id)).toEqual([only])
    // 1.5 characters for 100: a label is counted in characters, not UTF-16 units.
    expect((await nameVersion(name, '😀'.repeat(100), aliceToken)).status).toBe(201)
  })
})

describe('who named or restored, as the request names them', () => {
  it("a token's name counts, not the name in the body", async () => {
    const name = 'story/claimed'
    await putText(name, 'Alice wrote this.\n', aliceToken)
    const named = await call(
      'POST',
      `${docPath(name)}/versions`,
      aliceToken,
      JSON.stringify({ label: 'Mine', name: 'Bob' }),
    )
    expect(named.status).toBe(201)
    expect((named.json() as { by: unknown }).by).toEqual(alice)
  })

  it('without access control, the name a person gives is recorded, marked unverified', async () => {
    // A server with no access control: nothing vouches for anyone, as with people who only chose a name.
    const open = await startTandem({ args: ['--version-pause', '1h', '--version-max', '1h'] })
    try {
      const name = 'open/notes'
      const path = `${open.httpUrl}${docPath(name)}`
      const post = async (to: string, body: unknown) => {
        const response = await fetch(`${path}${to}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        })
        expect(response.status).toBe(201)
        return (await response.json()) as { id: number; by: unknown }
      }
      const put = await fetch(`${path}/text`, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: 'Ada wrote this.\n',
      })
      expect(put.status).toBeLessThan(300)
      const ada = { id: 'ip:127.0.0.1', name: 'Ada', verified: false }

      const named = await post('/versions', { label: 'Before', name: '  Ada ' })
      expect(named.by).toEqual(ada)
      const restored = await post(`/versions/${named.id}/restore`, { name: 'Ada' })
      expect(restored.by).toEqual(ada)
      // Without a name, only the address is known.
      const anonymous = await post('/versions', { label: 'Anonymous' })
      expect(anonymous.by).toEqual({ id: 'ip:127.0.0.1', name: null, verified: false })

      const stored = (await (await fetch(`${path}/versions`)).json()) as { versions: { by: unknown }[] }
      expect(stored.versions.map((version) => version.by)).toEqual([ada, ada, anonymous.by])
    } finally {
      await open.dispose()
    }
  })
})

describe('renamed documents', () => {
  it('reads history by an old name, and refuses changes there naming the new name', async () => {
    await putText('story/old', 'Moved text.\n', aliceToken)
    const named = (await nameVersion('story/old', 'Before the move', aliceToken)).json() as { id: number }
    const renamed = await call(
      'POST',
      `${docPath('story/old')}/rename`,
      aliceToken,
      JSON.stringify({ to: 'story/new' }),
    )
    expect(renamed.status).toBe(200)
    const listed = await call('GET', `${docPath('story/old')}/versions`, readerToken)
    expect(listed.status).toBe(200)
    expect((listed.json() as { versions: { id: number; label: string }[] }).versions).toMatchObject([
      { id: named.id, label: 'Before the move' },
    ])
    const refused = await nameVersion('story/old', 'After the move', aliceToken)
    expect(refused.status).toBe(404)
    expect(refused.text).toMatch(/"story\/old" is an old name: the document is now "story\/new"/)
  })
})

/** `history_size` of `name` as the server's SQLite file holds it, or its sum over every document without `name`. */
function storedHistorySize(name?: string): number {
  const db = new Database(join(server.dataDir, 'tandem.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const where = name === undefined ? '' : ' WHERE name = ?'
    const query = db.prepare<string[], number>(`SELECT coalesce(sum(history_size), 0) FROM documents${where}`)
    return query.pluck().get(...(name === undefined ? [] : [name])) as number
  } finally {
    db.close()
  }
}

describe('history size', () => {
  it('is in the list and the row as stored, grows with history, and is totalled in /metrics', async () => {
    const name = 'story/size'
    await putText(name, 'Sized text.\n', aliceToken)
    const shown = async () => {
      const row = (await call('GET', docPath(name), readerToken)).json() as { historySize: number }
      const list = (await call('GET', '/api/docs?q=story%2Fsize', readerToken)).json() as {
        documents: { name: string; historySize: number }[]
      }
      return [row.historySize, list.documents.find((doc) => doc.name === name)?.historySize]
    }
    const before = storedHistorySize(name)
    expect(await shown()).toEqual([before, before])

    await putText(name, 'Sized text, longer now.\n', bobToken)
    expect((await nameVersion(name, 'Longer', bobToken)).status).toBe(201)
    const after = storedHistorySize(name)
    expect(after).toBeGreaterThan(before)
    expect(await shown()).toEqual([after, after])

    const scraped = async () => {
      const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text()
      return Number(/^tandem_history_bytes (\d+)$/m.exec(metrics)?.[1])
    }
    // The total covers every document: one that an earlier test left is unloaded and compacted 3 s after it, which
    // adds to the stored total between a scrape and the read that follows it. Read again until nothing moved.
    let total = Number.NaN
    await expect
      .poll(async () => {
        total = await scraped()
        return total === storedHistorySize()
      })
      .toBe(true)
    expect(total).toBeGreaterThanOrEqual(after)
  })
})
