import { type BrowserContext, test as base, expect, type Page } from '@playwright/test'
import { startTandem, type TandemProcess } from '@tandem/test-utils'
import type { EditorOptions } from '../src/index.js'
import { buildDir } from './paths.js'
import { type StaticServer, startStaticServer } from './static-server.js'

/** What the harness page is given: createEditor's options without `parent`. */
export type HarnessConfig = Omit<EditorOptions, 'parent' | 'token'> & { token?: string }

/** One person at their own browser (their own context: no shared storage, BroadcastChannel or cookies). */
export interface Person {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
  /** The editable area. */
  readonly content: ReturnType<Page['locator']>
  /** The shared text, as this person's editor has it. */
  text(): Promise<string>
  /** The text the view shows on screen, line by line (without other people's carets and name labels). */
  shownText(): Promise<string>
  /** Puts the cursor at the end of the text and types, as a person would. */
  typeAtEnd(text: string): Promise<void>
  /** The values of the logged events of one type, in order. */
  events(type: 'status' | 'synced' | 'saved' | 'unsaved' | 'peers' | 'error' | 'moved'): Promise<unknown[]>
  /** Waits until the editor's status is `status`. */
  waitForStatus(status: 'connecting' | 'connected' | 'disconnected'): Promise<void>
}

interface Fixtures {
  /** A unique document name for this test. */
  docName: string
  /** Opens the harness page for a new person, in a new browser context. */
  openPerson: (options: { name: string; color?: string } & Partial<HarnessConfig>) => Promise<Person>
}

interface WorkerFixtures {
  /** Serves the harness page, the custom element and test-written pages. */
  web: StaticServer
  /** A Tandem server shared by the tests of this worker (each test uses its own document). */
  tandem: TandemProcess
}

export const test = base.extend<Fixtures, WorkerFixtures>({
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
      const server = await startTandem()
      await use(server)
      await server.dispose()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright requires the fixtures argument to be destructured.
  docName: async ({}, use, testInfo) => {
    const slug = testInfo.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)
    await use(`test/${slug}-${testInfo.workerIndex}-${Date.now().toString(36)}`)
  },
  openPerson: async ({ browser, web, tandem, docName }, use) => {
    const contexts: BrowserContext[] = []
    await use(async ({ name, color, ...config }) => {
      const context = await browser.newContext({ viewport: { width: 720, height: 380 } })
      contexts.push(context)
      const page = await context.newPage()
      const full: HarnessConfig = {
        serverUrl: tandem.url,
        docName,
        ...config,
        user: { name, ...(color ? { color } : {}) },
      }
      await page.goto(harnessUrl(web, full))
      await expect(page.locator('.cm-content')).toBeVisible()
      return person(name, context, page)
    })
    for (const context of contexts) await context.close()
  },
})

/** The harness page's URL for an editor configuration. */
export function harnessUrl(web: StaticServer, config: HarnessConfig): string {
  return `${web.url}/harness/index.html#${encodeURIComponent(JSON.stringify(config))}`
}

/** Wraps a page that runs the harness. */
export function person(name: string, context: BrowserContext, page: Page): Person {
  const content = page.locator('.cm-content')
  return {
    name,
    context,
    page,
    content,
    text: () => page.evaluate(() => window.harness.editor!.text.toString()),
    shownText: () =>
      page.evaluate(() => {
        const lines = [...document.querySelectorAll('.cm-content .cm-line')].map((line) => {
          const copy = line.cloneNode(true) as HTMLElement
          for (const caret of copy.querySelectorAll('.cm-tandem-caret')) caret.remove()
          return copy.textContent ?? ''
        })
        return lines.join('\n')
      }),
    async typeAtEnd(text) {
      await content.click()
      await page.keyboard.press('Control+End')
      await page.keyboard.type(text)
    },
    events: (type) =>
      page.evaluate(
        (type) => window.harness.log.filter((entry) => entry.type === type).map((entry) => entry.value),
        type,
      ),
    async waitForStatus(status) {
      await expect.poll(() => page.evaluate(() => window.harness.editor!.status)).toBe(status)
    },
  }
}

export { expect }
