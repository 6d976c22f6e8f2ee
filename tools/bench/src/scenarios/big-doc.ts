import type { Browser, BrowserContext, CDPSession, Page } from '@playwright/test'
import { startStaticServer } from '@tandem/test-utils'
import { openBenchPage, type Paged } from '../browser/bench-page.js'
import { chromiumExecutable, launchChromium } from '../browser/chromium.js'
import { buildPage } from '../browser/page-build.js'
import type { RunContext } from '../run-context.js'
import type { ServerUnderTest } from '../servers/server-under-test.js'
import { type Summary, summarize } from '../stats.js'

/** One way of showing the big document, and what typing in it cost. */
export interface BigDocVariant {
  label: string
  /** The document's first lines only (the editor's floor on this machine, for scale); all of it without. */
  lines?: number
  language: 'markdown' | 'plain'
  /** Whether the editors parsed the whole document (as before `fullParseLimit`), or the visible part. */
  wholeParse: boolean
  /** From a key press to the next frame after its character is in the typist's own editor. */
  local: Summary
  /** From a key press to the next frame after its character is in the other person's editor. */
  remote: Summary
  /** Keystrokes some page never showed. */
  missing: number
  /**
   * Each page's main-thread CPU time per keystroke, from Chromium's own counters (thread time, so far less
   * sensitive to the machine's load than the latencies): the typist's, and the other person's.
   */
  cpu?: { typist: MainThreadCpu; reader: MainThreadCpu }
  error?: string
}

/** One page's main-thread CPU time per keystroke (ms), in all and in script, layout and style. */
export interface MainThreadCpu {
  task: number
  script: number
  layout: number
  style: number
}

/** The big-doc scenario's results. */
export interface BigDocScenarioResult {
  lines: number
  chars: number
  keystrokes: number
  keyDelayMs: number
  chromium: string
  variants: BigDocVariant[]
}

const LINES = 26_000
const LINE_WIDTH = 80

/**
 * 26,000 log lines of 80 characters, no blank line: 2 MiB, one Markdown paragraph. The same every run. Words
 * and numbers only: brackets make Markdown's inline parse of a paragraph far slower still, and "before" would
 * never finish.
 */
export function bigLogText(): string {
  const lines: string[] = []
  for (let i = 0; i < LINES; i++) {
    const time = new Date(Date.UTC(2026, 11, 5, 12) + i * 1_337).toISOString()
    const line = `${time} INFO request ${i} path /api/docs/n${i % 97} status 200 took ${(i * 7_919) % 997} ms`
    lines.push(line.padEnd(LINE_WIDTH, ' ').slice(0, LINE_WIDTH))
  }
  return lines.join('\n')
}

/**
 * The big document of issue 15: two people in Chromium on a 2 MiB, 26,000-line Markdown document without blank
 * lines, against Tandem + SQLite. Both look at its middle line; one types there at a steady pace. Measured per
 * keystroke: key press to the next frame with the character in the typist's editor (local) and in the other's
 * (remote). Three ways: Markdown parsed whole (the editor before it limited its parse), Markdown as the
 * editor parses it now, and plain text; and, for scale, the document's first 100 lines.
 */
export async function runBigDoc(ctx: RunContext): Promise<BigDocScenarioResult | null> {
  const executable = chromiumExecutable()
  if (!executable) {
    ctx.log('\n▶ big-doc: skipped (no Chromium: install it, or set CHROMIUM_PATH)')
    ctx.results.skipped.push({ scenario: 'big-doc', reason: 'no Chromium found (set CHROMIUM_PATH)' })
    return null
  }
  const keystrokes = ctx.options.quick ? 20 : 150
  const keyDelayMs = 100
  const text = bigLogText()
  ctx.log(`\n▶ big-doc: ${LINES} lines (${(text.length / 1048576).toFixed(2)} MiB), ${keystrokes} keystrokes`)
  const pageDir = await buildPage()
  const site = await startStaticServer(pageDir)
  const browser = await launchChromium(ctx, executable)
  const result: BigDocScenarioResult = {
    lines: LINES,
    chars: text.length,
    keystrokes,
    keyDelayMs,
    chromium: browser.version(),
    variants: [],
  }
  const variants: Pick<BigDocVariant, 'label' | 'lines' | 'language' | 'wholeParse'>[] = [
    { label: 'Markdown, whole document parsed (before)', language: 'markdown', wholeParse: true },
    { label: 'Markdown, visible part parsed', language: 'markdown', wholeParse: false },
    { label: 'plain text', language: 'plain', wholeParse: false },
    { label: 'Markdown, its first 100 lines only (for scale)', lines: 100, language: 'markdown', wholeParse: false },
  ]
  try {
    await ctx.withServer('tandem-sqlite', 'big-doc', async (server) => {
      for (const [index, variant] of variants.entries()) {
        ctx.log(`  ${variant.label}`)
        const lines = variant.lines ?? LINES
        const plan = {
          text: text.split('\n', lines).join('\n'),
          keystrokes,
          keyDelayMs,
          line: lines / 2,
          docName: `big-doc-${index}`,
        }
        try {
          result.variants.push({ ...variant, ...(await measureVariant(browser, site.url, server, variant, plan)) })
        } catch (error) {
          ctx.log(`    failed: ${(error as Error).message}`)
          const nan = summarize([])
          result.variants.push({ ...variant, local: nan, remote: nan, missing: 0, error: (error as Error).message })
          continue
        }
        const measured = result.variants.at(-1) as BigDocVariant
        ctx.log(
          `    local p50 ${measured.local.p50.toFixed(1)} ms, p99 ${measured.local.p99.toFixed(1)} ms; ` +
            `remote p50 ${measured.remote.p50.toFixed(1)} ms, p99 ${measured.remote.p99.toFixed(1)} ms; ` +
            `${measured.missing} missing`,
        )
      }
    })
  } finally {
    await browser.close()
    await site.close()
  }
  return result
}

async function measureVariant(
  browser: Browser,
  siteUrl: string,
  server: ServerUnderTest,
  variant: Pick<BigDocVariant, 'language' | 'wholeParse'>,
  plan: { text: string; keystrokes: number; keyDelayMs: number; line: number; docName: string },
): Promise<Pick<BigDocVariant, 'local' | 'remote' | 'missing' | 'cpu'>> {
  const contexts: BrowserContext[] = []
  try {
    const open = async (name: string): Promise<Page> => {
      const { context, page } = await openBenchPage(browser, siteUrl, {
        serverUrl: server.url,
        docName: plan.docName,
        name,
        waitSynced: true,
        expectedLength: name === 'Typist' ? 0 : plan.text.length,
        fullParseLimit: variant.wholeParse ? null : undefined,
      })
      contexts.push(context)
      return page
    }
    const typist = await open('Typist')
    await typist.evaluate(
      ({ text, language }) => {
        const { bench } = globalThis as unknown as Paged
        bench.setLanguage(language)
        bench.insert(0, text)
      },
      { text: plan.text, language: variant.language },
    )
    const reader = await open('Reader')
    const pages = [typist, reader]
    await Promise.all(
      pages.map((page) =>
        page.waitForFunction((language) => {
          const { bench } = globalThis as unknown as Paged
          return bench.loadedLanguage() === language
        }, variant.language),
      ),
    )
    await typist.evaluate((line) => (globalThis as unknown as Paged).bench.caretAtEndOfLine(line), plan.line)
    await reader.evaluate((line) => (globalThis as unknown as Paged).bench.scrollToLine(line), plan.line)
    await Promise.all(pages.map((page) => page.evaluate(() => (globalThis as unknown as Paged).bench.settled())))
    await Promise.all(
      pages.map((page) =>
        page.evaluate((line) => (globalThis as unknown as Paged).bench.watchLines([line]), plan.line),
      ),
    )
    const counters = await Promise.all(pages.map((page) => MainThreadCounters.start(page)))
    const typed = Array.from({ length: plan.keystrokes }, (_, i) => String.fromCharCode(97 + (i % 26))).join('')
    await typist.keyboard.type(typed, { delay: plan.keyDelayMs })
    await reader
      .waitForFunction(
        ({ line, n }) => ((globalThis as unknown as Paged).bench.results().inDom[line]?.length ?? 0) >= n,
        { line: plan.line, n: plan.keystrokes },
        { timeout: 60_000 },
      )
      .catch(() => {})
    await Promise.all(pages.map((page) => page.evaluate(() => (globalThis as unknown as Paged).bench.settled())))
    const [typistCpu, readerCpu] = await Promise.all(counters.map((counter) => counter.perKeystroke(plan.keystrokes)))
    const [own, other] = await Promise.all(
      pages.map((page) => page.evaluate(() => (globalThis as unknown as Paged).bench.results())),
    )
    const local: number[] = []
    const remote: number[] = []
    let missing = 0
    for (let k = 0; k < plan.keystrokes; k++) {
      const pressed = own?.pressed[k]
      const shown = own?.onFrame[plan.line]?.[k]
      const shownThere = other?.onFrame[plan.line]?.[k]
      if (pressed === undefined || shown === undefined || shownThere === undefined) {
        missing++
        continue
      }
      local.push(shown - pressed)
      remote.push(shownThere - pressed)
    }
    return {
      local: summarize(local.sort((a, b) => a - b)),
      remote: summarize(remote.sort((a, b) => a - b)),
      missing,
      cpu: { typist: typistCpu as MainThreadCpu, reader: readerCpu as MainThreadCpu },
    }
  } finally {
    for (const context of contexts) await context.close().catch(() => {})
  }
}

/**
 * Chromium's main-thread counters of one page (the DevTools protocol's Performance domain, in thread time): the
 * CPU time the page's main thread spent from {@link MainThreadCounters.start} on, in all and by kind.
 */
class MainThreadCounters {
  private constructor(
    private readonly session: CDPSession,
    private readonly before: Record<string, number>,
  ) {}

  static async start(page: Page): Promise<MainThreadCounters> {
    const session = await page.context().newCDPSession(page)
    await session.send('Performance.enable', { timeDomain: 'threadTicks' })
    return new MainThreadCounters(session, await MainThreadCounters.read(session))
  }

  /** The time since {@link start} divided by `keystrokes`, in milliseconds; stops counting. */
  async perKeystroke(keystrokes: number): Promise<MainThreadCpu> {
    const after = await MainThreadCounters.read(this.session)
    await this.session.detach().catch(() => {})
    // The counters are in seconds.
    const per = (name: string) => (((after[name] ?? 0) - (this.before[name] ?? 0)) * 1000) / keystrokes
    return {
      task: per('TaskDuration'),
      script: per('ScriptDuration'),
      layout: per('LayoutDuration'),
      style: per('RecalcStyleDuration'),
    }
  }

  private static async read(session: CDPSession): Promise<Record<string, number>> {
    const { metrics } = await session.send('Performance.getMetrics')
    return Object.fromEntries(metrics.map(({ name, value }) => [name, value]))
  }
}
