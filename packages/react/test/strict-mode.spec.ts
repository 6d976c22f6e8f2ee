/**
 * @tandem/react in real Chromium, against a real Tandem server, with the provider in React StrictMode (a
 * development build, so that every effect runs, is cleaned up and runs again): what a person types shows in
 * useText() and is stored; new theme and language props reach the editor; a new docName and unmounting close
 * sockets; a token for other documents shows in useError(). The server requires tokens, which the page gives the
 * provider as a function. Two people typing together in StrictMode, seeing each other, "saved" and one socket
 * each are shown by the React example's test (examples/test/react.spec.ts), which runs the same provider.
 */
import { type BrowserContext, test as base, expect, type Page, type WebSocket } from '@playwright/test'
import {
  connectClient,
  mintToken,
  type StaticServer,
  startStaticServer,
  startTandem,
  startThrottledProxy,
  storedText,
  type TandemProcess,
  waitFor,
} from '@tandem/test-utils'
import type { HarnessConfig } from './harness/main.js'
import { buildDir } from './paths.js'

interface Person {
  readonly page: Page
  /** Every WebSocket the page opened, in order. */
  readonly sockets: WebSocket[]
  /** The text of one of the harness's values (`status`, `saved`, `peers`, `text`, `error`, `loading`). */
  value(name: 'status' | 'saved' | 'peers' | 'text' | 'error' | 'loading'): ReturnType<Page['getByTestId']>
}

const secret = 'tandem-react-test-secret-'.padEnd(64, 'x')

const test = base.extend<
  {
    docName: string
    /** Opens the harness for a person, on the test's server or at `serverUrl`. */
    openPerson: (name: string, token?: string, serverUrl?: string) => Promise<Person>
  },
  { web: StaticServer; tandem: TandemProcess; writeToken: string }
>({
  web: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
    async ({}, use) => {
      const server = await startStaticServer(buildDir)
      await use(server)
      await server.close()
    },
    { scope: 'worker' },
  ],
  tandem: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
    async ({}, use) => {
      // With access control on, so that the provider's token reaches the server (and useError() can be seen).
      const server = await startTandem({ args: ['--auth', 'token'], env: { TANDEM_SECRET: secret } })
      await use(server)
      await server.dispose()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  writeToken: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
    async ({}, use) => use(await mintToken(secret, { docs: ['react/*'], access: 'write' })),
    { scope: 'worker' },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
  docName: async ({}, use, testInfo) => {
    await use(`react/strict-${testInfo.workerIndex}-${Date.now().toString(36)}`)
  },
  openPerson: async ({ browser, web, tandem, docName, writeToken }, use) => {
    const contexts: BrowserContext[] = []
    await use(async (name, token = writeToken, serverUrl = tandem.url) => {
      const context = await browser.newContext()
      contexts.push(context)
      const page = await context.newPage()
      const sockets: WebSocket[] = []
      page.on('websocket', (socket) => sockets.push(socket))
      const config: HarnessConfig = { serverUrl, docName, name, token }
      await page.goto(`${web.url}/harness/index.html#${encodeURIComponent(JSON.stringify(config))}`)
      return { page, sockets, value: (key) => page.getByTestId(key) }
    })
    for (const context of contexts) await context.close()
  },
})

/** The text the editor shows, without other people's carets and name labels. */
function shownText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.cm-content .cm-line')]
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement
        for (const caret of copy.querySelectorAll('.cm-tandem-caret')) caret.remove()
        return copy.textContent ?? ''
      })
      .join('\n'),
  )
}

/** The server's `tandem_connections` gauge: the WebSocket connections open right now. */
async function openConnections(tandem: TandemProcess): Promise<number> {
  const metrics = await (await fetch(`${tandem.httpUrl}/metrics`)).text()
  const line = metrics.split('\n').find((entry) => entry.startsWith('tandem_connections '))
  if (!line) throw new Error(`No tandem_connections in /metrics:\n${metrics}`)
  return Number(line.slice('tandem_connections '.length))
}

test('new theme and language props apply; a new docName destroys the session and opens one on the new document; unmounting destroys it', async ({
  openPerson,
  tandem,
  docName,
}) => {
  const ada = await openPerson('Ada')
  await expect(ada.value('status')).toHaveText('connected')
  await ada.page.locator('.cm-content').click()
  await ada.page.keyboard.type('First.')
  await expect(ada.value('saved')).toHaveText('saved')
  expect(await storedText(tandem.dataDir, docName)).toBe('First.')

  // Theme and language props that change after the editor is made apply to it.
  const editor = ada.page.locator('.cm-editor')
  await expect(editor).toHaveAttribute('data-language', 'markdown')
  await expect(editor).toHaveCSS('background-color', 'rgb(255, 255, 255)')
  await ada.page.getByRole('button', { name: 'Dark, in Python' }).click()
  await expect(editor).toHaveAttribute('data-language', 'python')
  await expect(editor).toHaveCSS('background-color', 'rgb(30, 34, 39)')

  await ada.page.getByRole('button', { name: 'Next document' }).click()
  await expect(ada.value('text')).toHaveText('')
  await expect(ada.value('status')).toHaveText('connected')
  await expect.poll(() => shownText(ada.page)).toBe('')
  await ada.page.locator('.cm-content').click()
  await ada.page.keyboard.type('Second.')
  await expect(ada.value('text')).toHaveText('Second.')
  await expect(ada.value('saved')).toHaveText('saved')
  expect(await storedText(tandem.dataDir, `${docName}-next`)).toBe('Second.')
  expect(await storedText(tandem.dataDir, docName)).toBe('First.')
  // The first document's socket was closed, and the second opened once.
  const path = (socket: WebSocket) => new URL(socket.url()).pathname
  expect(ada.sockets.map((socket) => [path(socket), socket.isClosed()])).toEqual([
    [`/${docName}`, true],
    [`/${docName}-next`, false],
  ])

  await ada.page.getByRole('button', { name: 'Close' }).click()
  await expect(ada.value('status')).toHaveCount(0)
  await expect.poll(() => ada.sockets.map((socket) => socket.isClosed())).toEqual([true, true])
  await expect.poll(() => openConnections(tandem)).toBe(0)
})

test('a token for other documents: useError() tells the person, and the status is disconnected', async ({
  openPerson,
  docName,
}) => {
  const ada = await openPerson('Ada', await mintToken(secret, { docs: ['elsewhere/*'], access: 'write' }))
  await expect(ada.value('error')).toHaveText(
    'Access denied: you may not open this document. The server said: Access denied: the token does not cover ' +
      `the document "${docName}".`,
  )
  await expect(ada.value('status')).toHaveText('disconnected')
  expect(ada.sockets).toHaveLength(1)
})

test('a big document: useLoading() counts up while it arrives through a slow link, then goes back to null', {
  tag: '@slow',
}, async ({ openPerson, tandem, docName, writeToken }) => {
  // 3 MiB: its state comes in 13 pieces, over about 6 s at 500 KB/s.
  const part = 'A big document, arriving in pieces. '.repeat(29_128).slice(0, 1024 * 1024)
  const writer = connectClient(tandem.url, docName, { params: { token: writeToken }, saved: true })
  const proxy = await startThrottledProxy(tandem.port, 500_000)
  try {
    await writer.synced()
    for (let i = 0; i < 3; i++) writer.text.insert(writer.text.length, part)
    await waitFor(() => writer.saves.saved, 'the document to be stored', 30_000)

    const ada = await openPerson('Ada', writeToken, proxy.url)
    // Bytes of state as the server counts them: the text and a struct's few bytes each.
    const progress = /^(\d+) of (31457\d\d)$/
    await expect(ada.value('loading')).toHaveText(progress)
    const first = Number(progress.exec((await ada.value('loading').textContent()) ?? '')?.[1])
    await expect
      .poll(async () => Number(progress.exec((await ada.value('loading').textContent()) ?? '')?.[1] ?? -1))
      .toBeGreaterThan(first)
    await expect(ada.value('status')).toHaveText('connected')
    await expect(ada.value('loading')).toHaveText('', { timeout: 30_000 })
    expect(await ada.value('text').evaluate((element) => element.textContent?.length)).toBe(3 * part.length)
  } finally {
    writer.destroy()
    await proxy.close()
  }
})
