/**
 * Documents as a product, against the real server process: the list, renaming with old names that lead on,
 * the trash, restoring, purging and duplicating; their access rules with tokens and the admin key; bad input
 * refused with nothing changed (read back from the SQLite file); and what connected editors are told.
 */

import { join } from 'node:path'
import { CloseCode } from '@tandem/protocol'
import { TokenAuthority } from '@tandem/server-koa'
import {
  connectClient,
  openRawClient,
  type PostgresServer,
  type RedisServer,
  startPostgres,
  startRedis,
  startTandem,
  storedText,
  type TandemProcess,
  type TestClient,
  waitFor,
} from '@tandem/test-utils'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { metricValue } from './support/probes.js'

const secret = 'a-test-secret-that-is-long-enough-for-hs256-0123456789'
const adminKey = 'admin-key-for-tests-0123456789'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Row {
  name: string
  title: string | null
  size: number
  updatedAt: string
  updatedBy: { id: string; name: string | null; verified: boolean } | null
  deletedAt?: string
  deletedBy?: { id: string; name: string | null; verified: boolean } | null
  purgeAt?: string
  movedFrom?: string
}

interface Call {
  body?: unknown
  raw?: string
  type?: string
  token?: string
}

/** One API request; a JSON `body` is sent as application/json. */
function call(server: TandemProcess, method: string, path: string, options: Call = {}): Promise<Response> {
  const headers: Record<string, string> = {}
  if (options.token) headers.Authorization = `Bearer ${options.token}`
  let body: string | undefined = options.raw
  if (options.body !== undefined) body = JSON.stringify(options.body)
  if (body !== undefined) headers['Content-Type'] = options.type ?? 'application/json'
  return fetch(`${server.httpUrl}${path}`, { method, headers, body, redirect: 'manual' })
}

async function list(server: TandemProcess, query = '', token?: string): Promise<Row[]> {
  const response = await call(server, 'GET', `/api/docs${query}`, { token })
  expect(response.status).toBe(200)
  return ((await response.json()) as { documents: Row[] }).documents
}

function client(server: TandemProcess, room: string, token?: string): TestClient {
  const c = connectClient(server.url, room, { saved: true, params: token ? { token } : {} })
  cleanups.push(() => c.destroy())
  return c
}

/** Writes `text` (and a title) into `room` and waits until the server says it is saved. */
async function write(server: TandemProcess, room: string, text: string, title?: string, token?: string) {
  const c = client(server, room, token)
  await c.synced()
  c.doc.transact(() => {
    c.text.insert(c.text.length, text)
    if (title !== undefined) c.doc.getMap('meta').set('title', title)
  })
  await waitFor(() => c.saves.saved, `the edit of ${room} to be saved`)
  return c
}

/** The close codes a client's connections were closed with, in order. */
function closes(c: TestClient): { code: number; reason: string }[] {
  const seen: { code: number; reason: string }[] = []
  c.provider.on('connection-close', (event: { code: number; reason: string } | null) => {
    if (event) seen.push({ code: event.code, reason: event.reason })
  })
  return seen
}

/** What the SQLite file holds for `name`: its text, or `null` when nothing is stored. */
async function stored(server: TandemProcess, name: string): Promise<string | null> {
  return storedText(server.dataDir, name).catch((error: Error) => {
    if (error.message.startsWith('Nothing is stored')) return null
    throw error
  })
}

/** The old names the SQLite file holds, as `old -> new`. */
function aliases(server: TandemProcess): string[] {
  const db = new Database(join(server.dataDir, 'tandem.sqlite'), { readonly: true })
  try {
    return db
      .prepare<[], { name: string; target: string }>('SELECT name, target FROM aliases ORDER BY name')
      .all()
      .map((row) => `${row.name} -> ${row.target}`)
  } finally {
    db.close()
  }
}

const enc = encodeURIComponent

describe('with --auth none', () => {
  let server: TandemProcess
  beforeAll(async () => {
    server = await startTandem({ args: ['--unload-delay', '0'], env: { TANDEM_ADMIN_KEY: adminKey } })
  })
  afterAll(() => server?.dispose())

  it('warns at start that anyone who reaches the server sees the list', () => {
    expect(
      server.logs.some((line) => String(line.msg).includes('the document list is on with no access control')),
    ).toBe(true)
  })

  it('lists documents with title, size, last change and who made it, searched, sorted and paged', async () => {
    await write(server, 'list/alpha', 'first', 'Quarterly Plan')
    await write(server, 'list/beta', 'second', 'Notes')
    await write(server, 'list/gamma', 'third')

    const all = await list(server, '?q=list%2F')
    expect(all.map((row) => row.name)).toEqual(['list/gamma', 'list/beta', 'list/alpha'])
    expect(all[2]).toMatchObject({
      name: 'list/alpha',
      title: 'Quarterly Plan',
      updatedBy: { id: 'ip:127.0.0.1', name: null, verified: false },
    })
    expect(all[2]!.size).toBeGreaterThan(0)
    expect((await list(server, '?q=list%2F&sort=name')).map((row) => row.name)).toEqual([
      'list/alpha',
      'list/beta',
      'list/gamma',
    ])
    expect((await list(server, '?q=quarterly')).map((row) => row.name)).toEqual(['list/alpha'])
    expect((await list(server, '?q=GAMMA')).map((row) => row.name)).toEqual(['list/gamma'])

    const page = await call(server, 'GET', '/api/docs?q=list%2F&sort=name&limit=2&offset=1')
    expect(await page.json()).toMatchObject({
      documents: [{ name: 'list/beta' }, { name: 'list/gamma' }],
      total: 3,
      nextOffset: null,
      // No access control: the app says that anyone who can reach the server sees the list.
      public: true,
    })
    const first = await call(server, 'GET', '/api/docs?q=list%2F&sort=name&limit=1')
    expect(await first.json()).toMatchObject({ documents: [{ name: 'list/alpha' }], total: 3, nextOffset: 1 })
  })

  it.each([
    ['?sort=size', '"sort" must be "updated" or "name".'],
    ['?limit=0', '"limit" must be a whole number from 1 to 200.'],
    ['?limit=201', '"limit" must be a whole number from 1 to 200.'],
    ['?offset=-1', '"offset" must be a whole number from 0 to 9007199254740991.'],
    ['?trash=maybe', '"trash" must be 1 or 0.'],
    [`?q=${'x'.repeat(201)}`, '"q" must be at most 200 characters.'],
  ])('answers GET /api/docs%s with 400 naming the parameter', async (query, message) => {
    const response = await call(server, 'GET', `/api/docs${query}`)
    expect(response.status).toBe(400)
    expect(await response.text()).toBe(message)
  })

  it('renames a document: the old name leads to it over HTTP and WebSocket, and connected editors are told', async () => {
    const editor = await write(server, 'move/from', 'moving text', 'Moving')
    const seen = closes(editor)

    const response = await call(server, 'POST', `/api/docs/${enc('move/from')}/rename`, { body: { to: 'move/to' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('location')).toBe(`/api/docs/${enc('move/to')}`)
    expect(await response.json()).toMatchObject({ name: 'move/to', title: 'Moving' })

    // The editor that was connected is closed with "moved" and the new name, then its stock client reconnects
    // to the old name, which leads to the renamed document.
    await waitFor(() => seen.length > 0, 'the editor to be closed')
    expect(seen[0]).toEqual({ code: CloseCode.documentMoved, reason: 'move/to' })
    expect(await stored(server, 'move/to')).toBe('moving text')
    expect(await stored(server, 'move/from')).toBeNull()
    expect(aliases(server)).toContain('move/from -> move/to')

    // A client that opted in to following renames is told the new name instead, with nothing of the document.
    const follower = await openRawClient(server.url, 'move/from?tandem=saved,moved')
    expect(await follower.closed).toEqual({ code: CloseCode.documentMoved, reason: 'move/to' })
    expect(follower.received).toEqual([])

    const late = client(server, 'move/from')
    await late.synced()
    expect(late.text.toString()).toBe('moving text')
    late.text.insert(0, 'more ')
    await waitFor(() => late.saves.saved, 'the edit through the old name to be saved')
    expect(await stored(server, 'move/to')).toBe('more moving text')
    expect(await stored(server, 'move/from')).toBeNull()

    const old = await call(server, 'GET', `/api/docs/${enc('move/from')}`)
    expect(old.status).toBe(308)
    expect(old.headers.get('location')).toBe(`/api/docs/${enc('move/to')}`)
    expect(await old.json()).toMatchObject({ name: 'move/to', movedFrom: 'move/from', title: 'Moving' })
    expect(await (await call(server, 'GET', `/api/docs/${enc('move/from')}/text`)).text()).toBe('more moving text')
  })

  it('follows chains of renames and renames back onto an old name', async () => {
    await write(server, 'chain/a', 'chained')
    for (const [from, to] of [
      ['chain/a', 'chain/b'],
      ['chain/b', 'chain/c'],
    ]) {
      expect((await call(server, 'POST', `/api/docs/${enc(from!)}/rename`, { body: { to } })).status).toBe(200)
    }
    const viaA = client(server, 'chain/a')
    await viaA.synced()
    expect(viaA.text.toString()).toBe('chained')
    viaA.destroy()
    await waitFor(async () => (await list(server, '?q=chain')).length === 1, 'the list to settle')

    expect((await call(server, 'POST', `/api/docs/${enc('chain/c')}/rename`, { body: { to: 'chain/a' } })).status).toBe(
      200,
    )
    expect(await stored(server, 'chain/a')).toBe('chained')
    expect(aliases(server).filter((row) => row.startsWith('chain/'))).toEqual([
      'chain/b -> chain/a',
      'chain/c -> chain/a',
    ])
  })

  it('refuses renames and duplicates onto a taken name with 409, changing nothing', async () => {
    await write(server, 'taken/one', 'one')
    await write(server, 'taken/two', 'two')
    for (const action of ['rename', 'duplicate']) {
      const response = await call(server, 'POST', `/api/docs/${enc('taken/one')}/${action}`, {
        body: { to: 'taken/two' },
      })
      expect(response.status).toBe(409)
      expect(await response.text()).toBe('A document named "taken/two" exists already.')
    }
    expect(await stored(server, 'taken/one')).toBe('one')
    expect(await stored(server, 'taken/two')).toBe('two')
    expect(aliases(server).filter((row) => row.startsWith('taken/'))).toEqual([])
  })

  describe('refuses bad input with a 4xx naming what is wrong, changing nothing', () => {
    const cases: [string, string, string, Call, number, string][] = [
      [
        'a name that is not a name',
        'POST',
        `/api/docs/${enc('bad/../x')}/rename`,
        { body: { to: 'ok' } },
        400,
        'Invalid document name: the document name has a "." or ".." segment.',
      ],
      [
        '"to" missing',
        'POST',
        `/api/docs/${enc('input/doc')}/rename`,
        { body: {} },
        400,
        'The body needs "to": the new document name.',
      ],
      [
        '"to" not a string',
        'POST',
        `/api/docs/${enc('input/doc')}/rename`,
        { body: { to: 42 } },
        400,
        '"to" must be a string: the new document name.',
      ],
      [
        '"to" not a valid name',
        'POST',
        `/api/docs/${enc('input/doc')}/duplicate`,
        { body: { to: 'a//b' } },
        400,
        '"to" is not a valid document name: the document name has an empty segment (a leading, trailing or double "/").',
      ],
      [
        '"to" the same name',
        'POST',
        `/api/docs/${enc('input/doc')}/rename`,
        { body: { to: 'input/doc' } },
        400,
        '"to" is the document\'s own name, "input/doc".',
      ],
      [
        '"title" not a string',
        'POST',
        `/api/docs/${enc('input/doc')}/duplicate`,
        { body: { to: 'input/copy', title: 7 } },
        400,
        '"title" must be a string of at most 200 characters.',
      ],
      [
        'JSON that does not parse',
        'POST',
        `/api/docs/${enc('input/doc')}/rename`,
        { raw: '{"to": ' },
        400,
        'The body is not valid JSON.',
      ],
      [
        'a JSON array',
        'POST',
        `/api/docs/${enc('input/doc')}/rename`,
        { raw: '["input/x"]' },
        400,
        'The body must be a JSON object.',
      ],
      [
        'a body over 16 KiB',
        'POST',
        `/api/docs/${enc('input/doc')}/rename`,
        { raw: JSON.stringify({ to: 'input/x', pad: 'x'.repeat(20_000) }) },
        413,
        'The body is larger than 16384 bytes.',
      ],
      [
        'the wrong content type',
        'POST',
        `/api/docs/${enc('input/doc')}/rename`,
        { raw: 'to=input/x', type: 'application/x-www-form-urlencoded' },
        415,
        'Send the body as application/json.',
      ],
      [
        'an unknown document (rename)',
        'POST',
        `/api/docs/${enc('input/none')}/rename`,
        { body: { to: 'input/x' } },
        404,
        'No document named "input/none" is stored (or it is in the trash).',
      ],
      [
        'an unknown document (delete)',
        'DELETE',
        `/api/docs/${enc('input/none')}`,
        {},
        404,
        'No document named "input/none" is stored (or it is in the trash).',
      ],
      [
        'an unknown document (restore)',
        'POST',
        `/api/docs/${enc('input/doc')}/restore`,
        {},
        404,
        'No document named "input/doc" is in the trash.',
      ],
      [
        'an unknown document (read)',
        'GET',
        `/api/docs/${enc('input/none')}`,
        {},
        404,
        'No document named "input/none".',
      ],
      [
        'a wrong method',
        'PUT',
        `/api/docs/${enc('input/doc')}`,
        {},
        405,
        `PUT is not allowed on /api/docs/${enc('input/doc')}; use GET or DELETE.`,
      ],
    ]
    beforeAll(async () => {
      const c = await write(server, 'input/doc', 'untouched', 'Input')
      c.destroy()
      // Unloading compacts the document, which changes its row: wait for that before comparing rows.
      const loaded = async () => {
        const metrics = await fetch(`${server.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${adminKey}` } })
        return metricValue(await metrics.text(), 'tandem_documents_loaded')
      }
      await waitFor(async () => (await loaded()) === 0, 'every document to unload')
    })

    it.each(cases)('%s', async (_what, method, path, options, status, message) => {
      const before = await list(server, '?q=input')
      const response = await call(server, method, path, options)
      expect(response.status).toBe(status)
      expect(await response.text()).toBe(message)
      expect(await list(server, '?q=input')).toEqual(before)
      expect(await list(server, '?q=input&trash=1')).toEqual([])
      expect(await stored(server, 'input/doc')).toBe('untouched')
      for (const name of ['input/x', 'input/copy', 'input/none']) expect(await stored(server, name)).toBeNull()
      expect(aliases(server).filter((row) => row.startsWith('input/'))).toEqual([])
    })
  })

  it('moves a document to the trash, closing its editors with "deleted", refusing new ones, and restores it', async () => {
    const editor = await write(server, 'bin/doc', 'keep me', 'Binned')
    const seen = closes(editor)

    const deleted = await call(server, 'DELETE', `/api/docs/${enc('bin/doc')}`)
    expect(deleted.status).toBe(200)
    const row = (await deleted.json()) as Row
    expect(row).toMatchObject({ name: 'bin/doc', deletedBy: { id: 'ip:127.0.0.1', verified: false } })
    expect(new Date(row.purgeAt!).getTime() - new Date(row.deletedAt!).getTime()).toBe(30 * 86_400_000)

    await waitFor(() => seen.length > 0, 'the editor to be closed')
    expect(seen[0]!.code).toBe(CloseCode.documentDeleted)
    expect(seen[0]!.reason).toBe('"bin/doc" was deleted: it is in the trash')
    expect((await list(server, '?q=bin')).map((doc) => doc.name)).toEqual([])
    expect((await list(server, '?q=bin&trash=1')).map((doc) => doc.name)).toEqual(['bin/doc'])
    expect(await stored(server, 'bin/doc')).toBe('keep me')

    const refused = await openRawClient(server.url, 'bin/doc')
    cleanups.push(() => refused.ws.terminate())
    expect(await refused.closed).toMatchObject({ code: CloseCode.documentDeleted })

    const reuse = await call(server, 'POST', `/api/docs/${enc('list/alpha')}/rename`, { body: { to: 'bin/doc' } })
    expect(reuse.status).toBe(409)
    expect(await reuse.text()).toBe(
      `The document "bin/doc" is in the trash and can be restored; restore it (POST /api/docs/${enc('bin/doc')}/restore) or pick another name.`,
    )
    expect((await call(server, 'GET', `/api/docs/${enc('bin/doc')}/text`)).status).toBe(404)

    const restored = await call(server, 'POST', `/api/docs/${enc('bin/doc')}/restore`)
    expect(restored.status).toBe(200)
    expect(await restored.json()).toMatchObject({ name: 'bin/doc', title: 'Binned' })
    expect((await list(server, '?q=bin')).map((doc) => doc.name)).toEqual(['bin/doc'])
    const back = client(server, 'bin/doc')
    await back.synced()
    expect(back.text.toString()).toBe('keep me')
  })

  it('purges at once with the admin key only', async () => {
    const editor = await write(server, 'purge/doc', 'gone soon')
    const seen = closes(editor)
    const path = `/api/docs/${enc('purge/doc')}?permanent=1`

    const noKey = await call(server, 'DELETE', path)
    expect(noKey.status).toBe(401)
    expect(await noKey.text()).toBe('Permanent deletion needs the admin key (send Authorization: Bearer <admin key>).')
    expect((await call(server, 'DELETE', path, { token: 'wrong' })).status).toBe(401)
    expect(await stored(server, 'purge/doc')).toBe('gone soon')

    const purged = await call(server, 'DELETE', path, { token: adminKey })
    expect(purged.status).toBe(200)
    await waitFor(() => seen.length > 0, 'the editor to be closed')
    expect(seen[0]!.code).toBe(CloseCode.documentDeleted)
    expect(await stored(server, 'purge/doc')).toBeNull()
    expect((await call(server, 'DELETE', path, { token: adminKey })).status).toBe(404)
  })

  it('duplicates a document as a fresh one with " (copy)" or the given title', async () => {
    await write(server, 'dup/source', 'original text', 'Report')
    const copied = await call(server, 'POST', `/api/docs/${enc('dup/source')}/duplicate`, { body: { to: 'dup/copy' } })
    expect(copied.status).toBe(201)
    expect(await copied.json()).toMatchObject({ name: 'dup/copy', title: 'Report (copy)' })
    const titled = await call(server, 'POST', `/api/docs/${enc('dup/source')}/duplicate`, {
      body: { to: 'dup/titled', title: 'Mine' },
    })
    expect(await titled.json()).toMatchObject({ name: 'dup/titled', title: 'Mine' })
    expect(await stored(server, 'dup/copy')).toBe('original text')
    expect(await stored(server, 'dup/source')).toBe('original text')

    // A fresh document: editing the copy leaves the source as it was.
    const editor = client(server, 'dup/copy')
    await editor.synced()
    expect(editor.doc.getMap('meta').get('title')).toBe('Report (copy)')
    editor.text.insert(0, 'changed ')
    await waitFor(() => editor.saves.saved, 'the edit of the copy to be saved')
    expect(await stored(server, 'dup/copy')).toBe('changed original text')
    expect(await stored(server, 'dup/source')).toBe('original text')
  })
})

describe('with --auth token', () => {
  let server: TandemProcess
  let authority: TokenAuthority
  const mint = async (docs: string[], access: 'read' | 'write', name = 'Ada Lovelace') =>
    (await authority.mint({ sub: 'ada', name, docs, access }, 3600)).token

  beforeAll(async () => {
    authority = await TokenAuthority.create({ secret })
    server = await startTandem({
      // The refusals below are many failed authentications from one address.
      args: ['--auth', 'token', '--unload-delay', '0', '--auth-failure-limit', '1000'],
      env: { TANDEM_SECRET: secret, TANDEM_ADMIN_KEY: adminKey },
    })
    const all = await mint(['*'], 'write')
    for (const name of ['team/a', 'team/b', 'other/c'])
      (await write(server, name, `text of ${name}`, undefined, all)).destroy()
  })
  afterAll(() => server?.dispose())

  it('lists only what the token covers, with the verified author and their name', async () => {
    const token = await mint(['team/*'], 'read')
    const rows = await list(server, '?sort=name', token)
    expect(rows.map((row) => row.name)).toEqual(['team/a', 'team/b'])
    expect(await (await call(server, 'GET', '/api/docs', { token })).json()).toMatchObject({ public: false })
    expect(rows[0]!.updatedBy).toEqual({ id: 'user:ada', name: 'Ada Lovelace', verified: true })
    expect((await call(server, 'GET', '/api/docs')).status).toBe(401)
  })

  it.each([
    ['rename', 'POST', `/api/docs/${enc('team/a')}/rename`, { to: 'team/z' }],
    ['duplicate', 'POST', `/api/docs/${enc('team/a')}/duplicate`, { to: 'team/z' }],
    ['delete', 'DELETE', `/api/docs/${enc('team/a')}`, undefined],
    ['restore', 'POST', `/api/docs/${enc('team/a')}/restore`, undefined],
  ])(
    '%s: 401 without a token, 403 with a read token or one for another document',
    async (_what, method, path, body) => {
      const before = await list(server, '?sort=name', await mint(['*'], 'read'))
      const answers = [
        [await call(server, method, path, { body }), 401],
        [await call(server, method, path, { body, token: await mint(['team/a', 'team/z'], 'read') }), 403],
        [await call(server, method, path, { body, token: await mint(['other/*'], 'write') }), 403],
      ] as const
      for (const [response, status] of answers) {
        expect(response.status).toBe(status)
        expect(await response.text()).toMatch(/^Access denied: /)
      }
      expect(await list(server, '?sort=name', await mint(['*'], 'read'))).toEqual(before)
      expect(await list(server, '?trash=1', await mint(['*'], 'read'))).toEqual([])
      expect(await stored(server, 'team/a')).toBe('text of team/a')
      expect(await stored(server, 'team/z')).toBeNull()
    },
  )

  it('needs write access to both names: a token for the source only may not rename or duplicate into another', async () => {
    const token = await mint(['team/a', 'other/*'], 'write')
    for (const action of ['rename', 'duplicate']) {
      const response = await call(server, 'POST', `/api/docs/${enc('team/a')}/${action}`, {
        body: { to: 'team/z' },
        token,
      })
      expect(response.status).toBe(403)
    }
    expect(await stored(server, 'team/z')).toBeNull()
    expect(await stored(server, 'team/a')).toBe('text of team/a')
    const copy = await call(server, 'POST', `/api/docs/${enc('team/b')}/duplicate`, {
      body: { to: 'other/copy' },
      token: await mint(['other/*', 'team/b'], 'write'),
    })
    expect(copy.status).toBe(201)
    expect(await stored(server, 'other/copy')).toBe('text of team/b')
  })

  it('renames, deletes and restores with a write token covering the names, recording who deleted', async () => {
    const token = await mint(['team/*'], 'write')
    expect(
      (await call(server, 'POST', `/api/docs/${enc('team/b')}/rename`, { body: { to: 'team/bee' }, token })).status,
    ).toBe(200)
    const deleted = await call(server, 'DELETE', `/api/docs/${enc('team/bee')}`, { token })
    expect(await deleted.json()).toMatchObject({ deletedBy: { id: 'user:ada', name: 'Ada Lovelace', verified: true } })
    expect((await list(server, '?trash=1', token)).map((row) => row.name)).toEqual(['team/bee'])
    expect((await call(server, 'POST', `/api/docs/${enc('team/bee')}/restore`, { token })).status).toBe(200)
    expect(await stored(server, 'team/bee')).toBe('text of team/b')
  })

  it('purges only with the admin key: a write token gets 401', async () => {
    const path = `/api/docs/${enc('team/a')}?permanent=1`
    expect((await call(server, 'DELETE', path, { token: await mint(['*'], 'write') })).status).toBe(401)
    expect(await stored(server, 'team/a')).toBe('text of team/a')
    expect((await call(server, 'DELETE', path, { token: adminKey })).status).toBe(200)
    expect(await stored(server, 'team/a')).toBeNull()
  })
})

describe('the trash sweep and --list-documents off', () => {
  it('purges a document once it has been in the trash longer than --trash-days', async () => {
    // 0.00005 days is 4.3 s; the sweep runs every quarter of that.
    const server = await startTandem({ args: ['--trash-days', '0.00005'] })
    cleanups.push(() => server.dispose())
    ;(await write(server, 'sweep/doc', 'short-lived')).destroy()
    ;(await write(server, 'sweep/kept', 'not deleted')).destroy()
    expect((await call(server, 'DELETE', `/api/docs/${enc('sweep/doc')}`)).status).toBe(200)
    expect(await stored(server, 'sweep/doc')).toBe('short-lived')

    await waitFor(async () => (await stored(server, 'sweep/doc')) === null, 'the sweep to purge the document', 30_000)
    expect(await list(server, '?trash=1')).toEqual([])
    expect(await stored(server, 'sweep/kept')).toBe('not deleted')
  })

  it('answers the list with 404 when it is turned off, and does not warn', async () => {
    const server = await startTandem({ args: ['--list-documents', 'off'] })
    cleanups.push(() => server.dispose())
    for (const query of ['', '?trash=1']) {
      const response = await call(server, 'GET', `/api/docs${query}`)
      expect(response.status).toBe(404)
      expect(await response.text()).toBe('The document list is turned off on this server (--list-documents off).')
    }
    expect(server.logs.some((line) => String(line.msg).includes('the document list is on'))).toBe(false)
  })
})

describe('scaled out on PostgreSQL and Redis', () => {
  let postgres: PostgresServer
  let redis: RedisServer
  beforeAll(async () => {
    ;[postgres, redis] = await Promise.all([startPostgres({ fsync: false }), startRedis()])
  })
  afterAll(async () => {
    await Promise.all([postgres?.stop(), redis?.stop()])
  })

  it('a rename or delete on one instance closes the connections on the others, and they follow or refuse', async () => {
    const url = await postgres.createSchema()
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        startTandem({ args: ['--database-url', url, '--redis-url', redis.url, '--unload-delay', '500'] }),
      ),
    )
    cleanups.push(
      () => a!.dispose(),
      () => b!.dispose(),
    )
    const onB = await write(b!, 'shared/doc', 'written on B', 'Shared')
    const seen = closes(onB)

    const renamed = await call(a!, 'POST', `/api/docs/${enc('shared/doc')}/rename`, { body: { to: 'shared/moved' } })
    expect(renamed.status).toBe(200)
    await waitFor(() => seen.length > 0, "B's editor to be closed")
    expect(seen[0]).toEqual({ code: CloseCode.documentMoved, reason: 'shared/moved' })
    // Its stock client reconnects to B through the old name, which leads to the renamed document.
    await waitFor(() => onB.provider.synced && onB.provider.wsconnected, 'B to reconnect')
    onB.text.insert(0, 'still ')
    await waitFor(() => onB.saves.saved, 'the edit through the old name to be saved')
    const viaA = client(a!, 'shared/moved')
    await viaA.synced()
    await waitFor(() => viaA.text.toString() === 'still written on B', 'A to hold the edit made on B')

    expect((await call(a!, 'DELETE', `/api/docs/${enc('shared/moved')}`)).status).toBe(200)
    await waitFor(() => seen.some((close) => close.code === CloseCode.documentDeleted), "B's editor to be closed again")
    const refused = await openRawClient(b!.url, 'shared/moved')
    cleanups.push(() => refused.ws.terminate())
    expect(await refused.closed).toMatchObject({ code: CloseCode.documentDeleted })
  })
})
