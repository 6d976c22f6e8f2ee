import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTandem, tandemCli } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'
import { testDist } from './paths.js'

test.describe('a document at the server size limit', () => {
  // The refused connection is logged by the browser as a console error.
  test.use({ consoleErrors: 'allow' })

  test('a person whose paste takes the document past the limit is told it was not saved', async ({
    openPerson,
    docName,
  }) => {
    const server = await startTandem({ args: ['--web-dir', testDist, '--max-document-size', '4KiB'] })
    try {
      const ada = await openPerson({ name: 'Ada Lovelace', path: null })
      await ada.open(`${server.httpUrl}/d/${docName}`)
      await ada.typeAtEnd('Short. ')
      await expect(ada.pill).toHaveText('All changes saved')
      await ada.page.keyboard.insertText('x'.repeat(5000))
      await expect(ada.page.getByRole('alert')).toHaveText(
        "This document has reached the server's size limit (4 KB); your last change was not saved.",
      )
      const response = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(docName)}/text`)
      expect(await response.text()).toBe('Short. ')
    } finally {
      await server.dispose()
    }
  })
})

/** The most JavaScript a cold load of a document page may transfer, compressed. */
const COLD_LOAD_JS_BUDGET = 250 * 1024

test('a cold load of a document page gets its JavaScript brotli-compressed, within the budget', async ({
  openPerson,
  docName,
}, testInfo) => {
  const ada = await openPerson({ name: 'Ada Lovelace', path: null })
  const measured: Promise<{ url: string; encoding: string | undefined; bytes: number }>[] = []
  ada.page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return
    measured.push(
      (async () => ({
        url: request.url(),
        encoding: (await request.response())?.headers()['content-encoding'],
        bytes: (await request.sizes()).responseBodySize,
      }))(),
    )
  })
  await ada.open(`/d/${docName}`)
  await expect(ada.pill).toHaveText('Connected')
  // The page keeps its WebSocket open, which networkidle ignores: this waits for every script it loads.
  await ada.page.waitForLoadState('networkidle')
  const scripts = await Promise.all(measured)
  const total = scripts.reduce((sum, script) => sum + script.bytes, 0)
  testInfo.annotations.push({ type: 'cold-load-js', description: `${scripts.length} scripts, ${total} bytes` })
  // Files under 1 KiB (the build's MIN_COMPRESS_BYTES) have no compressed copy: compressing them saves nothing.
  for (const script of scripts) if (script.bytes >= 1024) expect(script.encoding, script.url).toBe('br')
  expect(scripts.filter((script) => script.encoding === 'br').length).toBeGreaterThan(0)
  expect(total).toBeLessThanOrEqual(COLD_LOAD_JS_BUDGET)
})

test("a link with a 20 KB document name opens Tandem's page saying the name is too long", async ({ openPerson }) => {
  const ada = await openPerson({ path: null })
  const response = await ada.page.goto(`/d/${'n'.repeat(20_000)}`)
  expect(response?.status()).toBe(414)
  await expect(ada.page.getByRole('heading', { level: 1 })).toHaveText('This link does not open a document')
  await expect(ada.page.locator('.lead')).toHaveText('The document name is longer than 200 characters.')
  await expect(ada.page.getByRole('link', { name: 'Go to the home page' })).toBeVisible()
  // Chromium logs the page's own 414 as a resource that failed to load; nothing else may be logged.
  expect(ada.errors.filter((error) => !error.includes('status of 414 (URI Too Long)'))).toEqual([])
  ada.errors.length = 0
})

test.describe("the README's way of letting others on the network join", () => {
  test("a server on 0.0.0.0 with --auth token, opened through a minted link on the machine's address", {
    tag: '@slow',
  }, async ({ openPerson }) => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((info) => info?.family === 'IPv4' && !info.internal)?.address
    test.skip(address === undefined, 'this machine has no network address besides loopback')
    const dir = await mkdtemp(join(tmpdir(), 'tandem-join-'))
    const secretFile = join(dir, 'tandem-secret')
    await writeFile(secretFile, randomBytes(48).toString('base64'), { mode: 0o600 })
    const server = await startTandem({
      args: ['--web-dir', testDist, '--host', '0.0.0.0', '--auth', 'token', '--secret-file', secretFile],
    })
    try {
      const [node, ...args] = [process.execPath, ...tandemCli('token', '--secret-file', secretFile)]
      const minted = spawnSync(node, [...args, '--doc', 'team/*', '--access', 'write', '--ttl', '7d'], {
        encoding: 'utf8',
      })
      expect(minted.status, minted.stderr).toBe(0)
      const ada = await openPerson({ name: 'Ada Lovelace', path: null })
      await ada.open(`http://${address}:${server.port}/d/team/notes#token=${minted.stdout.trim()}`)
      await ada.typeAtEnd('Hello from across the room.')
      await expect(ada.pill).toHaveText('All changes saved')
    } finally {
      await server.dispose()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
