/**
 * The embedding example in docs/self-hosting.md is apps/server/examples/embed-koa.ts, byte for byte, and it
 * works: a user's own Koa app answers its own routes and Tandem's, and serves documents under /collab.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectClient, repoRoot, waitFor } from '@tandem/test-utils'
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

describe('embedding the sync server in your own Koa app', () => {
  it('is the example shown in docs/self-hosting.md', async () => {
    const doc = await readFile(join(repoRoot, 'docs/self-hosting.md'), 'utf8')
    const block = /<!-- example: apps\/server\/examples\/embed-koa\.ts -->\n```ts\n([\s\S]*?)```/.exec(doc)?.[1]
    expect(block).toBe(await readFile(examplePath, 'utf8'))
  })

  it('serves the app, Tandem routes and documents under /collab, and saves on SIGTERM', async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Hello from my app')
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' })
    const client = connectClient(`ws://127.0.0.1:${port}/collab`, 'embedded/doc', { saved: true })
    await client.synced()
    client.text.insert(0, 'inside my app')
    await waitFor(() => client.saves.sent > 0 && client.saves.saved, 'the edit to be saved')
    const text = await fetch(`http://127.0.0.1:${port}/api/docs/${encodeURIComponent('embedded/doc')}/text`)
    expect(await text.text()).toBe('inside my app')
    client.destroy()
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
