import type { Browser, BrowserContext, Page } from '@playwright/test'

/** What {@link BenchPage.open} is asked to open. */
export interface OpenOptions {
  serverUrl: string
  docName: string
  name: string
  waitSynced: boolean
  expectedLength?: number
  fullParseLimit?: number | null
}

/** What the benchmark page exposes (page/main.ts). */
export interface BenchPage {
  open(options: OpenOptions): Promise<{ syncedMs: number; renderedMs: number; length: number }>
  watchLines(lines: number[]): void
  insert(at: number, text: string): void
  caretAtEndOfLine(line: number): void
  scrollToLine(line: number): void
  setLanguage(name: string): void
  loadedLanguage(): string | null
  settled(): Promise<void>
  lineLength(line: number): number
  lines(): number
  results(): {
    keydowns: number[]
    pressed: number[]
    inDom: number[][]
    onFrame: number[][]
    updateSends: number[]
    applyDelays: number[]
  }
}

/** The page's global scope. Callbacks passed to `page.evaluate` run there, so they name `globalThis.bench`. */
export interface Paged {
  bench: BenchPage
}

/** How long a benchmark page may take over one step (a loaded 2-core machine, a 2 MiB document). */
const PAGE_TIMEOUT_MS = 120_000

/**
 * One person: a new browser context on the benchmark page (built at `siteUrl`), with a document open in its
 * editor. The caller closes the context.
 */
export async function openBenchPage(
  browser: Browser,
  siteUrl: string,
  options: OpenOptions,
): Promise<{ context: BrowserContext; page: Page; opened: Awaited<ReturnType<BenchPage['open']>> }> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    page.setDefaultTimeout(PAGE_TIMEOUT_MS)
    await page.goto(siteUrl)
    const opened = await page.evaluate((open) => (globalThis as unknown as Paged).bench.open(open), options)
    return { context, page, opened }
  } catch (error) {
    await context.close()
    throw error
  }
}
