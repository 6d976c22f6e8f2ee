/**
 * `documentHistory` against the real server process in `--auth token` mode: each call returns what the server's
 * history API says (typed), a token function is asked before every request, and a refusal rejects with a
 * `HistoryError` carrying the server's status and sentence.
 */
import { freePort, mintToken, startTandem, storedText, type TandemProcess } from '@tandem/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { documentHistory, HistoryError } from '../src/index.js'

const secret = 'a-test-secret-that-is-long-enough-for-hs256-0123456789'
let server: TandemProcess
let writer: string
let reader: string
const alice = { id: 'user:alice', name: 'alice', verified: true }

beforeAll(async () => {
  server = await startTandem({
    args: ['--auth', 'token', '--version-pause', '1h', '--version-max', '1h'],
    env: { TANDEM_SECRET: secret },
  })
  ;[writer, reader] = await Promise.all([
    mintToken(secret, { docs: ['client/*'], access: 'write', name: 'alice' }),
    mintToken(secret, { docs: ['client/*'], access: 'read' }),
  ])
  const put = await fetch(`${server.httpUrl}/api/docs/client%2Fhistory/text`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${writer}`, 'Content-Type': 'text/plain' },
    body: 'First words.',
  })
  expect(put.status).toBe(201)
})
afterAll(async () => {
  await server?.dispose()
})

it('names, lists, reads, diffs and restores versions, asking the token function before each request', async () => {
  let asked = 0
  const history = documentHistory({
    serverUrl: server.url,
    docName: 'client/history',
    token: async () => {
      asked++
      return writer
    },
  })
  const first = await history.nameVersion('Start')
  expect(first).toMatchObject({ kind: 'named', label: 'Start', by: alice, authors: [alice], inserted: 12 })
  expect(await history.versions()).toEqual([first])
  expect(await history.textAt(first.id)).toBe('First words.')
  expect(await history.authorship()).toEqual([{ text: 'First words.', author: alice }])

  await fetch(`${server.httpUrl}/api/docs/client%2Fhistory/append`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${writer}`, 'Content-Type': 'text/plain' },
    body: ' More.',
  })
  expect(await history.diff(first.id)).toEqual({
    from: first.id,
    to: 'current',
    ranges: [
      { type: 'same', text: 'First words.', author: null },
      { type: 'inserted', text: ' More.', author: alice },
    ],
  })
  const restored = await history.restore(first.id)
  expect(restored).toMatchObject({ kind: 'restore', by: alice, restoredFrom: first.id })
  // Back to the text of the version before: nothing differs from it.
  expect(restored).toMatchObject({ inserted: 0, deleted: 0 })
  expect(await storedText(server.dataDir, 'client/history')).toBe('First words.')
  expect((await history.versions()).map((version) => version.id)).toEqual([first.id, restored.id])
  expect(asked).toBe(7)
})

it("rejects with a HistoryError carrying the server's status and message", async () => {
  const readOnly = documentHistory({ serverUrl: server.httpUrl, docName: 'client/history', token: reader })
  const [first] = await readOnly.versions()
  const refused = await readOnly.restore(first?.id ?? 1).catch((error: unknown) => error)
  expect(refused).toBeInstanceOf(HistoryError)
  expect(refused).toMatchObject({ status: 403, message: expect.stringMatching(/needs write access/) })
  expect(await readOnly.textAt(999).catch((error: unknown) => error)).toMatchObject({
    status: 404,
    message: 'The document "client/history" has no version 999; list its versions for the ids it has.',
  })
  const anonymous = documentHistory({ serverUrl: server.url, docName: 'client/history' })
  expect(await anonymous.versions().catch((error: unknown) => error)).toMatchObject({ status: 401 })
  const nowhere = documentHistory({ serverUrl: `ws://127.0.0.1:${await freePort()}`, docName: 'client/history' })
  expect(await nowhere.versions().catch((error: unknown) => error)).toMatchObject({
    status: 0,
    message: expect.stringMatching(/could not be reached/),
  })
  expect(() => documentHistory({ serverUrl: server.url, docName: '' })).toThrow(/docName "" cannot be used/)
})

it("sends the person's name, which a server without access control records as who named and restored", async () => {
  const open = await startTandem({ args: ['--version-pause', '1h', '--version-max', '1h'] })
  try {
    const put = await fetch(`${open.httpUrl}/api/docs/client%2Fnamed/text`, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain' },
      body: 'Hello.',
    })
    expect(put.status).toBe(201)
    // Asked before each request: a person who renames themselves meanwhile is recorded by the new name.
    let name = ' Ada '
    const history = documentHistory({ serverUrl: open.url, docName: 'client/named', name: () => name })
    const named = await history.nameVersion('Start')
    expect(named.by).toEqual({ id: 'ip:127.0.0.1', name: 'Ada', verified: false })
    name = 'Ada Lovelace'
    expect((await history.restore(named.id)).by).toEqual({ id: 'ip:127.0.0.1', name: 'Ada Lovelace', verified: false })
  } finally {
    await open.dispose()
  }
})
