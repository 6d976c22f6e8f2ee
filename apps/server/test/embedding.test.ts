/**
 * The embedding example in docs/self-hosting.md is apps/server/examples/embed-koa.ts, byte for byte, and it
 * works: a user's own Koa app answers its own routes and Tandem's, serves documents under /collab, and decides
 * who may open them from its own session cookie and user table, in the authenticate hook.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloseCode } from '@tandem/protocol'
import { connectClient, openRawClient, repoRoot, storedText, waitFor } from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const examplePath = join(repoRoot, 'apps/server/examples/embed-koa.ts')
let child: ChildProcess
let port = 0
let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-embed-'))
  child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', examplePath], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  await waitFor(() => /listening on port \d+/.test(output), 'the example to listen', 30_000)
  port = Number(/listening on port (\d+)/.exec(output)?.[1])
})

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }
  await rm(dataDir, { recursive: true, force: true })
})

/** Signs in as `user` through the example app's own route; returns the session cookie it set. */
async function signIn(user: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/login?user=${user}`, { method: 'POST' })
  expect(response.status).toBe(204)
  const cookie = /session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0]
  if (!cookie) throw new Error(`no session cookie for ${user}`)
  return cookie
}

function textOf(name: string, cookie?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/api/docs/${encodeURIComponent(name)}/text`, {
    headers: cookie ? { cookie } : {},
  })
}

describe('embedding the sync server in your own Koa app', () => {
  it('is the example shown in docs/self-hosting.md', async () => {
    const doc = await readFile(join(repoRoot, 'docs/self-hosting.md'), 'utf8')
    const block = /<!-- example: apps\/server\/examples\/embed-koa\.ts -->\n```ts\n([\s\S]*?)```/.exec(doc)?.[1]
    expect(block).toBe(await readFile(examplePath, 'utf8'))
  })

  it('checks the app’s own session cookie against its user table: no session, no document', async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Hello from my app')
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' })
    const stranger = await openRawClient(`ws://127.0.0.1:${port}/collab`, 'embedded/doc')
    expect(await stranger.closed).toEqual({ code: CloseCode.unauthorized, reason: 'Access denied: sign in first.' })
    expect((await textOf('embedded/doc')).status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${port}/login?user=mallory`, { method: 'POST' })).status).toBe(401)
  })

  it('lets a person who may edit write, and one who may only read see it, and saves on SIGTERM', async () => {
    const [ada, grace] = [await signIn('ada'), await signIn('grace')]
    const writer = connectClient(`ws://127.0.0.1:${port}/collab`, 'embedded/doc', {
      saved: true,
      headers: { cookie: ada },
    })
    const reader = connectClient(`ws://127.0.0.1:${port}/collab`, 'embedded/doc', { headers: { cookie: grace } })
    await Promise.all([writer.synced(), reader.synced()])
    writer.text.insert(0, 'inside my app')
    await waitFor(() => writer.saves.sent > 0 && writer.saves.saved, 'the edit to be saved')
    await waitFor(() => reader.text.toString() === 'inside my app', 'the reader to see the edit')
    // The reader's own edits are never applied: the document is as the writer left it. Her presence, sent after
    // the edit, reaching the writer says the server has read the edit.
    reader.text.insert(0, 'graffiti ')
    reader.provider.awareness.setLocalStateField('user', { name: 'Grace' })
    await waitFor(() => writer.provider.awareness.getStates().has(reader.doc.clientID), 'the writer to see Grace')
    const response = await textOf('embedded/doc', grace)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('inside my app')
    writer.destroy()
    reader.destroy()
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(await storedText(dataDir, 'embedded/doc')).toBe('inside my app')
  })
})
