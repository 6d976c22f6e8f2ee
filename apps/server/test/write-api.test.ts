/**
 * The document write API against the real server process in `--auth token` mode: PUT, POST append and PATCH
 * write what they say and store it before answering; every refusal (access, bad input) is a clear 4xx that
 * writes nothing, read back from the SQLite file; and a y-websocket client editing meanwhile sees the write live,
 * keeps its own concurrent edit and its cursor.
 */
import { TokenAuthority } from '@tandem/server-koa'
import {
  connectClient,
  startTandem,
  storedText,
  type TandemProcess,
  type TestClient,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

const secret = 'a-test-secret-that-is-long-enough-for-hs256-0123456789'
let authority: TokenAuthority
let server: TandemProcess
const clients: TestClient[] = []

const mint = async (docs: string[], access: 'read' | 'write', sub = 'writer') =>
  (await authority.mint({ sub, name: sub, docs, access }, 3600)).token

beforeAll(async () => {
  authority = await TokenAuthority.create({ secret })
  server = await startTandem({
    args: ['--auth', 'token', '--max-write-size', '1KiB', '--max-connections-per-minute', '100000'],
    env: { TANDEM_SECRET: secret },
  })
})
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})
afterAll(async () => {
  await server?.dispose()
})

interface WriteRequest {
  method: 'PUT' | 'POST' | 'PATCH' | 'GET'
  path: string
  body?: string | Uint8Array
  type?: string | null
  token?: string | null
}

async function write({ method, path, body, type, token }: WriteRequest): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {}
  const contentType =
    type === undefined ? (method === 'PATCH' ? 'application/json' : 'text/plain; charset=utf-8') : type
  if (contentType !== null) headers['Content-Type'] = contentType
  if (token) headers.Authorization = `Bearer ${token}`
  const response = await fetch(`${server.httpUrl}${path}`, { method, headers, body })
  return { status: response.status, text: await response.text() }
}

const put = (name: string, text: string, token: string | null) =>
  write({ method: 'PUT', path: `/api/docs/${encodeURIComponent(name)}/text`, body: text, token })
const patch = (name: string, body: unknown, token: string | null) =>
  write({ method: 'PATCH', path: `/api/docs/${encodeURIComponent(name)}/text`, body: JSON.stringify(body), token })

describe('writing', () => {
  it('PUT creates a document (201), replaces its text (200), and the text is stored before the answer', async () => {
    const token = await mint(['notes/*'], 'write')
    const created = await put('notes/put', 'first draft\n', token)
    expect(created.status).toBe(201)
    expect(JSON.parse(created.text)).toEqual({ name: 'notes/put', length: 12 })
    expect(await storedText(server.dataDir, 'notes/put')).toBe('first draft\n')

    const replaced = await put('notes/put', 'second draft: ünïcödé ✓ 😀\n', token)
    expect(replaced.status).toBe(200)
    expect(await storedText(server.dataDir, 'notes/put')).toBe('second draft: ünïcödé ✓ 😀\n')
    const read = await fetch(`${server.httpUrl}/api/docs/notes%2Fput/text`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    expect(await read.text()).toBe('second draft: ünïcödé ✓ 😀\n')
  })

  it('POST /append adds text at the end, creating the document if need be', async () => {
    const token = await mint(['notes/*'], 'write')
    const first = await write({ method: 'POST', path: '/api/docs/notes%2Flog/append', body: 'one\n', token })
    expect(first.status).toBe(201)
    const second = await write({ method: 'POST', path: '/api/docs/notes%2Flog/append', body: 'two\n', token })
    expect(second.status).toBe(200)
    expect(JSON.parse(second.text)).toEqual({ name: 'notes/log', length: 8 })
    expect(await storedText(server.dataDir, 'notes/log')).toBe('one\ntwo\n')
  })

  it('PATCH applies changes given in any order, at positions of the text before the patch', async () => {
    const token = await mint(['notes/*'], 'write')
    await put('notes/patch', 'The quick brown fox', token)
    const changes = [
      { from: 16, to: 19, insert: 'cat' },
      { from: 0, to: 0, insert: '> ' },
      { from: 4, to: 10, insert: '' },
      { from: 19, to: 19, insert: '!' },
    ]
    const patched = await patch('notes/patch', { changes, baseLength: 19 }, token)
    expect(patched.status).toBe(200)
    expect(JSON.parse(patched.text)).toEqual({ name: 'notes/patch', length: 16 })
    expect(await storedText(server.dataDir, 'notes/patch')).toBe('> The brown cat!')
  })
})

describe('refusals write nothing', () => {
  const name = 'guarded/doc'
  const original = 'Guarded text, 25 units.\n'
  let writeToken: string
  beforeAll(async () => {
    writeToken = await mint(['guarded/*'], 'write')
    expect((await put(name, original, writeToken)).status).toBe(201)
  })

  const path = `/api/docs/${encodeURIComponent(name)}/text`
  const cases: [label: string, status: number, request: () => Promise<WriteRequest>, message: RegExp][] = [
    ['no token', 401, async () => ({ method: 'PUT', path, body: 'x', token: null }), /a token is required/],
    [
      'a read-only token',
      403,
      async () => ({ method: 'PUT', path, body: 'x', token: await mint(['guarded/*'], 'read') }),
      /may only read "guarded\/doc", and changing it needs write access/,
    ],
    [
      "another document's token",
      403,
      async () => ({ method: 'PUT', path, body: 'x', token: await mint(['other/*'], 'write') }),
      /does not cover the document "guarded\/doc"/,
    ],
    [
      'a read-only token appending',
      403,
      async () => ({
        method: 'POST',
        path: `/api/docs/${encodeURIComponent(name)}/append`,
        body: 'x',
        token: await mint(['guarded/doc'], 'read'),
      }),
      /may only read/,
    ],
    [
      'a read-only token patching',
      403,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({ changes: [{ from: 0, to: 0, insert: 'x' }] }),
        token: await mint(['guarded/doc'], 'read'),
      }),
      /may only read/,
    ],
    [
      'a body past --max-write-size',
      413,
      async () => ({ method: 'PUT', path, body: 'x'.repeat(1025), token: writeToken }),
      /larger than 1024 bytes/,
    ],
    [
      'an append past --max-write-size',
      413,
      async () => ({
        method: 'POST',
        path: `/api/docs/${encodeURIComponent(name)}/append`,
        body: 'é'.repeat(513),
        token: writeToken,
      }),
      /larger than 1024 bytes/,
    ],
    [
      'HTML instead of text',
      415,
      async () => ({ method: 'PUT', path, body: '<p>x</p>', type: 'text/html', token: writeToken }),
      /Send the body as text\/plain; charset=utf-8 \(got text\/html\)/,
    ],
    [
      'no Content-Type',
      415,
      async () => ({ method: 'PUT', path, body: new TextEncoder().encode('x'), type: null, token: writeToken }),
      /got no Content-Type/,
    ],
    [
      'Latin-1 text',
      415,
      async () => ({ method: 'PUT', path, body: 'x', type: 'text/plain; charset=iso-8859-1', token: writeToken }),
      /UTF-8 \(charset=utf-8\), not iso-8859-1/,
    ],
    [
      'bytes that are not UTF-8',
      400,
      async () => ({ method: 'PUT', path, body: new Uint8Array([0x61, 0xff, 0xfe]), token: writeToken }),
      /not valid UTF-8/,
    ],
    [
      'text to PATCH',
      415,
      async () => ({ method: 'PATCH', path, body: 'x', type: 'text/plain', token: writeToken }),
      /application\/json/,
    ],
    [
      'JSON that does not parse',
      400,
      async () => ({ method: 'PATCH', path, body: '{"changes": [', token: writeToken }),
      /not valid JSON: /,
    ],
    [
      'a change past the end',
      422,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({
          changes: [
            { from: 0, to: 1, insert: 'g' },
            { from: 20, to: 99 },
          ],
        }),
        token: writeToken,
      }),
      /Change 1 \(from 20, to 99\): "to" is past the end of the text \(24 UTF-16 code units\)/,
    ],
    [
      'a change with to before from',
      422,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({ changes: [{ from: 5, to: 2 }] }),
        token: writeToken,
      }),
      /Change 0: "to" \(2\) is before "from" \(5\)/,
    ],
    [
      'a change at a fractional position',
      422,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({
          changes: [
            { from: 0, to: 0, insert: 'a' },
            { from: 1.5, to: 2 },
          ],
        }),
        token: writeToken,
      }),
      /Change 1: "from" must be a whole number of at least 0 \(got 1.5\)/,
    ],
    [
      'a negative position',
      422,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({ changes: [{ from: 0, to: -1 }] }),
        token: writeToken,
      }),
      /Change 0: "to" must be a whole number/,
    ],
    [
      'an insert that is not a string',
      422,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({ changes: [{ from: 0, to: 0, insert: 7 }] }),
        token: writeToken,
      }),
      /Change 0: "insert" must be a string \(got 7\)/,
    ],
    [
      'overlapping changes',
      422,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({
          changes: [
            { from: 5, to: 10 },
            { from: 0, to: 6, insert: 'x' },
          ],
        }),
        token: writeToken,
      }),
      /Change 0 \(from 5, to 10\) overlaps change 1 \(from 0, to 6\)/,
    ],
    [
      'changes that are not an array',
      422,
      async () => ({ method: 'PATCH', path, body: JSON.stringify({ changes: { from: 0 } }), token: writeToken }),
      /"changes" must be an array/,
    ],
    [
      'a stale baseLength',
      409,
      async () => ({
        method: 'PATCH',
        path,
        body: JSON.stringify({ changes: [{ from: 0, to: 0, insert: 'x' }], baseLength: 10 }),
        token: writeToken,
      }),
      /The text is 24 code units long, not baseLength 10: it changed since you read it/,
    ],
    [
      'a name outside the rule',
      400,
      async () => ({ method: 'PUT', path: '/api/docs/guarded%2Fa%20b/text', body: 'x', token: writeToken }),
      /Invalid document name: the document name has a character outside/,
    ],
    [
      'bad percent-encoding',
      400,
      async () => ({ method: 'PUT', path: '/api/docs/guarded%2Fdoc%E0%A4%A/text', body: 'x', token: writeToken }),
      /not valid percent-encoding/,
    ],
    [
      'GET on /append',
      405,
      async () => ({ method: 'GET', path: `/api/docs/${encodeURIComponent(name)}/append`, token: writeToken }),
      /GET is not allowed on .*; use POST/,
    ],
  ]

  it.each(cases)('%s: %i, and nothing changed', async (_label, status, request, message) => {
    const answer = await write(await request())
    expect(answer.status).toBe(status)
    expect(answer.text).toMatch(message)
    expect(await storedText(server.dataDir, name)).toBe(original)
  })

  it('a document that does not exist is not created by a refused write', async () => {
    const answer = await put('guarded/new', 'x', await mint(['guarded/*'], 'read'))
    expect(answer.status).toBe(403)
    await expect(storedText(server.dataDir, 'guarded/new')).rejects.toThrow(/Nothing is stored/)
  })
})

describe('renamed and deleted documents', () => {
  const json = async (method: string, name: string, action: string, body: unknown, token: string) =>
    (
      await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}${action}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).status

  it('a write to an old name of a renamed document is refused with 404 naming the new one', async () => {
    const token = await mint(['moving/*'], 'write')
    expect((await put('moving/old', 'kept as it is', token)).status).toBe(201)
    expect(await json('POST', 'moving/old', '/rename', { to: 'moving/new' }, token)).toBe(200)
    const answer = await put('moving/old', 'written to the old name', token)
    expect(answer).toEqual({
      status: 404,
      text: '"moving/old" is an old name: the document is now "moving/new"; use that name.',
    })
    expect(await storedText(server.dataDir, 'moving/new')).toBe('kept as it is')
    await expect(storedText(server.dataDir, 'moving/old')).rejects.toThrow(/Nothing is stored/)
  })

  it('a write to a document in the trash is refused with 409 saying how to restore it, and the trash is untouched', async () => {
    const token = await mint(['bin/*'], 'write')
    expect((await put('bin/doc', 'in the bin', token)).status).toBe(201)
    expect(await json('DELETE', 'bin/doc', '', {}, token)).toBe(200)
    const expected = {
      status: 409,
      text: 'The document "bin/doc" is in the trash; restore it (POST /api/docs/bin%2Fdoc/restore) to write to it.',
    }
    expect(await put('bin/doc', 'written into the trash', token)).toEqual(expected)
    const append = await write({ method: 'POST', path: '/api/docs/bin%2Fdoc/append', body: '!', token })
    expect(append).toEqual(expected)
    expect(await storedText(server.dataDir, 'bin/doc')).toBe('in the bin')
  })
})

describe('people editing meanwhile', () => {
  it('see a PUT live, keep their own concurrent edit, and keep their cursor where it was in the text', async () => {
    const token = await mint(['live/*'], 'write')
    const connect = (saved: boolean) => {
      const client = connectClient(server.url, 'live/doc', { params: { token }, saved })
      clients.push(client)
      return client
    }
    const editor = connect(true)
    const watcher = connect(false)
    await Promise.all([editor.synced(), watcher.synced()])
    editor.text.insert(0, 'alpha beta gamma')
    await waitFor(() => editor.saves.saved, 'the first edit to be saved')

    // The editor's cursor, between "ga" and "mma", as y-codemirror.next keeps it: relative to the text's items.
    const cursor = Y.createRelativePositionFromTypeIndex(editor.text, 'alpha beta ga'.length)
    // An edit the server has not seen when the PUT arrives: the editor is offline for a moment.
    editor.provider.disconnect()
    editor.text.insert(editor.text.length, ' delta')

    const answer = await put('live/doc', 'alpha, and beta gamma', token)
    expect(answer.status).toBe(200)
    await waitFor(() => watcher.text.toString() === 'alpha, and beta gamma', 'the watcher to see the PUT live')

    editor.provider.connect()
    const merged = 'alpha, and beta gamma delta'
    await waitFor(() => editor.text.toString() === merged, 'the editor to merge the PUT with its own edit')
    await waitFor(() => watcher.text.toString() === merged, "the watcher to get the editor's edit")
    await waitFor(() => editor.saves.saved, 'the merged edit to be saved')
    expect(await storedText(server.dataDir, 'live/doc')).toBe(merged)

    const index = Y.createAbsolutePositionFromRelativePosition(cursor, editor.doc)?.index ?? -1
    expect(index).toBe('alpha, and beta ga'.length)
    expect(merged.slice(index - 2, index + 3)).toBe('gamma')
  })
})
