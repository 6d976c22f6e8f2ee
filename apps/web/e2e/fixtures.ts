import { randomBytes } from 'node:crypto'
import { type BrowserContext, test as base, expect, type Locator, type Page } from '@playwright/test'
import { startTandem, type TandemProcess } from '@tandem/test-utils'
import { testDist } from './paths.js'

/** One person at their own browser: their own context, so no shared storage, BroadcastChannel or cookies. */
export interface Person {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
  /** Console errors and uncaught exceptions of the page, as text. */
  readonly errors: string[]
  /** The editable text area. */
  readonly editor: Locator
  /** The connection pill. */
  readonly pill: Locator
  /** The shared title field. */
  readonly title: Locator
  /** The language picker. */
  readonly language: Locator
  /** The avatars of the presence bar. */
  readonly avatars: Locator
  /** "3 people here". */
  readonly count: Locator
  /** Opens a page of the app (`/`, `/d/<name>`, or a full URL) and waits for it to be there. */
  open(path: string): Promise<void>
  /** The text the editor shows, line by line, without other people's carets and name labels. */
  text(): Promise<string>
  /** Puts the cursor at the end of the text and types, as a person does. */
  typeAtEnd(text: string): Promise<void>
}

/** How a person's browser is set up. */
export interface PersonOptions {
  /** Their name and colour, as if they had chosen them before; without, the app's random default. */
  name?: string
  color?: string
  /** The page to open. @default the test's document */
  path?: string | null
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
  /**
   * Where they reach the app, e.g. `https://127.0.0.1:PORT` through a proxy; an `https:` one may have a
   * self-signed certificate. @default the test server's own address
   */
  origin?: string
}

interface Fixtures {
  /** A unique document name for this test. */
  docName: string
  /** Opens the app for a new person in a new browser context. */
  openPerson: (options?: PersonOptions) => Promise<Person>
  /** Whether console errors fail the test; `allow` for tests that take the server away on purpose. */
  consoleErrors: 'fail' | 'allow'
}

interface WorkerFixtures {
  /** A Tandem server serving the built app, shared by the tests of this worker (each with its own document). */
  tandem: TandemProcess
}

/** Starts `tandem serve` from source on a free port with a temporary data directory, serving the test build. */
export function startAppServer(): Promise<TandemProcess> {
  // Every simulated person connects from 127.0.0.1: lift the per-IP connection rate limit meant for real clients.
  return startTandem({ args: ['--web-dir', testDist, '--max-connections-per-minute', '100000'] })
}

/** Like {@link startAppServer}, but opening documents only through links with a token signed with `secret`. */
export async function startTokenAppServer(): Promise<{ server: TandemProcess; secret: string }> {
  const secret = randomBytes(32).toString('base64')
  const server = await startTandem({
    args: ['--web-dir', testDist, '--auth', 'token', '--max-connections-per-minute', '100000'],
    env: { TANDEM_SECRET: secret },
  })
  return { server, secret }
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  tandem: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
    async ({}, use) => {
      const server = await startAppServer()
      await use(server)
      await server.dispose()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  consoleErrors: ['fail', { option: true }],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
  docName: async ({}, use, testInfo) => {
    const slug = testInfo.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)
    await use(`e2e/${slug}-${testInfo.workerIndex}-${Date.now().toString(36)}`)
  },
  openPerson: async ({ browser, tandem, docName, consoleErrors }, use) => {
    const people: Person[] = []
    await use(async (options = {}) => {
      const origin = options.origin ?? tandem.httpUrl
      const context = await browser.newContext({
        baseURL: origin,
        // A test's TLS proxy has a self-signed certificate.
        ignoreHTTPSErrors: origin.startsWith('https:'),
        // Nor can a service worker be registered from such a server (the browser refuses its script, with a
        // console error), as in any browser that does not trust the certificate.
        serviceWorkers: origin.startsWith('https:') ? 'block' : 'allow',
        viewport: options.viewport ?? { width: 1100, height: 700 },
        colorScheme: options.colorScheme ?? 'light',
      })
      if (options.name) {
        const identity = { name: options.name, color: options.color ?? '#2f6fdd' }
        await context.addInitScript((value) => {
          if (!localStorage.getItem('tandem:identity')) localStorage.setItem('tandem:identity', value)
        }, JSON.stringify(identity))
      }
      const page = await context.newPage()
      const created = person(options.name ?? 'someone', context, page, origin)
      people.push(created)
      if (options.path !== null) await created.open(options.path ?? `/d/${docName}`)
      return created
    })
    if (consoleErrors === 'fail') {
      for (const { name, errors } of people) expect(errors, `console errors in ${name}'s browser`).toEqual([])
    }
    for (const { context } of people) await context.close()
  },
})

function person(name: string, context: BrowserContext, page: Page, origin: string): Person {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`))
  const editor = page.getByRole('textbox', { name: 'Document text' })
  return {
    name,
    context,
    page,
    errors,
    editor,
    pill: page.locator('.pill'),
    title: page.getByRole('textbox', { name: 'Document title' }),
    language: page.getByLabel('Language'),
    avatars: page.locator('.avatars .avatar'),
    count: page.locator('.presence-count'),
    async open(path) {
      const url = new URL(path, origin)
      await page.goto(url.href)
      if (url.pathname.startsWith('/d/')) {
        await expect(editor).toBeVisible()
        // Until the server answers, a document seen for the first time takes no typing.
        await expect(page.locator('.editor-host[aria-busy="true"]')).toHaveCount(0)
      } else await expect(page.getByRole('button', { name: 'New document' })).toBeVisible()
    },
    text: () =>
      page.evaluate(() =>
        [...document.querySelectorAll('.cm-content .cm-line')]
          .map((line) => {
            const copy = line.cloneNode(true) as HTMLElement
            for (const extra of copy.querySelectorAll('.cm-tandem-caret, .cm-placeholder')) extra.remove()
            return copy.textContent ?? ''
          })
          .join('\n'),
      ),
    async typeAtEnd(text) {
      await editor.click()
      await page.keyboard.press('Control+End')
      await page.keyboard.type(text)
    },
  }
}

/** The text the server has stored for a document, through its HTTP API. */
export async function serverText(tandem: TandemProcess, docName: string): Promise<string | null> {
  const response = await fetch(`${tandem.httpUrl}/api/docs/${encodeURIComponent(docName)}/text`)
  return response.ok ? response.text() : null
}

/** The text of every range the viewer's editor marks as written by `name` ("Who wrote what"), in document order. */
export function textBy(viewer: Person, name: string): Promise<string> {
  return viewer.page.evaluate(
    (author) =>
      [...document.querySelectorAll('.cm-tandem-author')]
        .filter((mark) => mark.getAttribute('title') === author)
        .map((mark) => mark.textContent)
        .join(''),
    name,
  )
}

export { expect }
