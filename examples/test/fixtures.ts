// What every example's test needs: one Tandem server for the worker (requiring tokens, as a real deployment
// does), one static server for the built examples, a token, a fresh document name per test, and a way to open
// an example as one person in their own browser context, counting the WebSockets their page opens.
import { type BrowserContext, test as base, type Page, type WebSocket } from '@playwright/test'
import { mintToken, type StaticServer, startStaticServer, startTandem, type TandemProcess } from '@tandem/test-utils'
import { buildDir } from './paths.js'

/** One person with an example open. */
export interface Person {
  readonly page: Page
  /** Every WebSocket the page opened, in order. */
  readonly sockets: WebSocket[]
}

/** How to open an example: which one, as whom, with what in its address. */
export interface OpenOptions {
  /** The example's folder under examples/. */
  example: 'plain-html' | 'react' | 'tiptap'
  /** The person's name (`?name=`). */
  name: string
  /** More query parameters. @default {} */
  query?: Record<string, string>
  /** The token in the address's fragment; `null` for none. @default a token that may write `examples/*` */
  token?: string | null
  /** Runs on the new page before it loads the example, e.g. to answer its requests with `page.route`. */
  prepare?: (page: Page) => Promise<unknown>
}

const secret = 'tandem-examples-test-secret-'.padEnd(64, 'x')

export const test = base.extend<
  { docName: string; open: (options: OpenOptions) => Promise<Person> },
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
      const server = await startTandem({ args: ['--auth', 'token'], env: { TANDEM_SECRET: secret } })
      await use(server)
      await server.dispose()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  writeToken: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
    async ({}, use) => use(await mintToken(secret, { docs: ['examples/*'], access: 'write' })),
    { scope: 'worker' },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
  docName: async ({}, use, testInfo) => {
    const example = testInfo.titlePath[0]?.replace(/\.spec\.ts$/, '') ?? 'example'
    await use(`examples/${example}-${testInfo.workerIndex}-${Date.now().toString(36)}`)
  },
  open: async ({ browser, web, tandem, docName, writeToken }, use) => {
    const contexts: BrowserContext[] = []
    await use(async ({ example, name, query = {}, token = writeToken, prepare }) => {
      const context = await browser.newContext()
      contexts.push(context)
      const page = await context.newPage()
      const sockets: WebSocket[] = []
      page.on('websocket', (socket) => sockets.push(socket))
      await prepare?.(page)
      const search = new URLSearchParams({ server: tandem.url, doc: docName, name, ...query })
      const fragment = token === null ? '' : `#token=${encodeURIComponent(token)}`
      await page.goto(`${web.url}/${example}/index.html?${search}${fragment}`)
      return { page, sockets }
    })
    for (const context of contexts) await context.close()
  },
})

export { expect } from '@playwright/test'

/** The server's `tandem_connections` gauge: the WebSocket connections open right now. */
export async function openConnections(tandem: TandemProcess): Promise<number> {
  const metrics = await (await fetch(`${tandem.httpUrl}/metrics`)).text()
  const line = metrics.split('\n').find((entry) => entry.startsWith('tandem_connections '))
  if (!line) throw new Error(`No tandem_connections in /metrics:\n${metrics}`)
  return Number(line.slice('tandem_connections '.length))
}

/** The text a CodeMirror editor shows, without other people's carets and name labels. */
export function editorText(page: Page): Promise<string> {
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

declare global {
  interface Window {
    /** The texts each watched element showed, in order, without repeats (see {@link watchText}). */
    shownTexts?: Record<string, string[]>
  }
}

/**
 * Records every text the element at `selector` shows from now on, and returns a function that reads the record:
 * a test sees a "Saving…" that came and went between two of its own looks, and a "saved" shown too early.
 */
export async function watchText(page: Page, selector: string): Promise<() => Promise<string[]>> {
  await page.evaluate((selector) => {
    const element = document.querySelector(selector)
    if (!element) throw new Error(`No ${selector} in the page to watch.`)
    const shown = [element.textContent ?? '']
    window.shownTexts = { ...window.shownTexts, [selector]: shown }
    new MutationObserver(() => {
      const text = element.textContent ?? ''
      if (shown.at(-1) !== text) shown.push(text)
    }).observe(element, { childList: true, characterData: true, subtree: true })
  }, selector)
  return () => page.evaluate((selector) => window.shownTexts?.[selector] ?? [], selector)
}
