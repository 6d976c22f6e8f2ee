import type { Browser, BrowserContext, Page } from '@playwright/test'
import { startStaticServer } from '@tandem/test-utils'
import { openBenchPage, type Paged } from '../browser/bench-page.js'
import { chromiumExecutable, launchChromium } from '../browser/chromium.js'
import { buildPage } from '../browser/page-build.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind, ServerUnderTest } from '../servers/server-under-test.js'
import { type Cdf, cdfOf, median, type Summary, summarize } from '../stats.js'

/** One server's browser measurements. */
export interface BrowserServerResult {
  server: ServerKind
  /** From a keydown in one typist's page to the character in the other typist's editor DOM. */
  latencyDom: Summary
  /** ...and to the next animation frame after that: when it can be on screen. */
  latencyFrame: Summary
  latencyFrameCdf: Cdf
  /** Where it goes: in the typist's page, from keydown to the update leaving on the WebSocket... */
  typistSide: Summary
  /** ...and in the other typist's page, from a document message's arrival to the change in the DOM. */
  receiverSide: Summary
  /** Keystrokes some page never showed. */
  missing: number
  /** Opening the automerge-paper document in a fresh editor: synced, and rendered (median of repeats). */
  open: { syncedMs: number; renderedMs: number }[]
  openRenderedMs: number | null
  error?: string
}

/** The browser scenario's results. */
export interface BrowserScenarioResult {
  people: number
  typists: number
  keystrokes: number
  keyDelayMs: number
  chromium: string
  servers: BrowserServerResult[]
}

/**
 * Ten people in one document: two type at once in real editors in Chromium (each in their own browser
 * context), and each page records when the other's keystrokes appear; the eight others are protocol-level
 * clients that sync, show their presence and receive every change, so the server fans out to ten connections
 * as it would. (Eight more editors would have to render every keystroke on the same single core as the two
 * measured ones, and would measure that core instead.) Then a fresh editor opens the automerge-paper
 * document. Chromium runs on the load generator's core.
 */
export async function runBrowser(ctx: RunContext): Promise<BrowserScenarioResult | null> {
  const executable = chromiumExecutable()
  if (!executable) {
    ctx.log('\n▶ browser: skipped (no Chromium: install it, or set CHROMIUM_PATH)')
    ctx.results.skipped.push({ scenario: 'browser', reason: 'no Chromium found (set CHROMIUM_PATH)' })
    return null
  }
  const people = 10
  // Two typists × 250 keystrokes: enough samples for a p99 that is not just the second-worst keystroke.
  const keystrokes = ctx.options.quick ? 20 : 250
  const keyDelayMs = 100
  ctx.log(`\n▶ browser: ${people} people, 2 typing ${keystrokes} keystrokes each in Chromium`)
  const pageDir = await buildPage()
  const site = await startStaticServer(pageDir)
  const browser = await launchChromium(ctx, executable)
  const result: BrowserScenarioResult = {
    people,
    typists: 2,
    keystrokes,
    keyDelayMs,
    chromium: browser.version(),
    servers: [],
  }
  try {
    if (ctx.options.tracesDir) await ctx.load.call('prepareColdDoc', 'automerge-paper', ctx.options.tracesDir)
    for (const server of ctx.servers()) {
      ctx.log(`  ${server}`)
      try {
        result.servers.push(
          await ctx.withServer(server, 'browser', (running) =>
            measureServer(ctx, browser, site.url, running, { people, keystrokes, keyDelayMs }),
          ),
        )
      } catch (error) {
        ctx.log(`    failed: ${(error as Error).message}`)
        const nan = summarize([])
        const failed: BrowserServerResult = {
          server,
          latencyDom: nan,
          latencyFrame: nan,
          latencyFrameCdf: [],
          typistSide: nan,
          receiverSide: nan,
          missing: 0,
          open: [],
          openRenderedMs: null,
          error: (error as Error).message,
        }
        result.servers.push(failed)
      }
    }
  } finally {
    await browser.close()
    await site.close()
  }
  return result
}

async function measureServer(
  ctx: RunContext,
  browser: Browser,
  siteUrl: string,
  server: ServerUnderTest,
  plan: { people: number; keystrokes: number; keyDelayMs: number },
): Promise<BrowserServerResult> {
  const contexts: BrowserContext[] = []
  const docName = 'browser-typing'
  try {
    const pages: Page[] = []
    for (let person = 0; person < 2; person++) {
      const { context, page } = await openBenchPage(browser, siteUrl, {
        serverUrl: server.url,
        docName,
        name: `Person ${person + 1}`,
        waitSynced: server.serverSyncs,
      })
      contexts.push(context)
      pages.push(page)
    }
    const watchers = await ctx.load.call('openWatchers', {
      url: server.url,
      room: docName,
      count: plan.people - 2,
      serverSyncs: server.serverSyncs,
    })
    if (watchers.failed > 0) throw new Error(`${watchers.failed} of the ${plan.people - 2} watchers could not join`)
    const [first, second] = pages as [Page, Page]
    // Two lines: the first person types on the first, the second person on the second.
    await first.evaluate(() => (globalThis as unknown as Paged).bench.insert(0, '\n'))
    await Promise.all(
      pages.map((page) => page.waitForFunction(() => (globalThis as unknown as Paged).bench.lines() >= 2)),
    )
    await Promise.all(
      pages.map((page) => page.evaluate(() => (globalThis as unknown as Paged).bench.watchLines([0, 1]))),
    )
    await first.evaluate(() => (globalThis as unknown as Paged).bench.caretAtEndOfLine(0))
    await second.evaluate(() => (globalThis as unknown as Paged).bench.caretAtEndOfLine(1))
    const text = (offset: number) =>
      Array.from({ length: plan.keystrokes }, (_, i) => String.fromCharCode(97 + ((i + offset) % 26))).join('')
    await Promise.all([
      first.keyboard.type(text(0), { delay: plan.keyDelayMs }),
      second.keyboard.type(text(13), { delay: plan.keyDelayMs }),
    ])
    const expected = plan.keystrokes
    await Promise.all(
      pages.map((page) =>
        page
          .waitForFunction(
            (n) =>
              (globalThis as unknown as Paged).bench.lineLength(0) >= n &&
              (globalThis as unknown as Paged).bench.lineLength(1) >= n,
            expected,
            { timeout: 30_000 },
          )
          .catch(() => {}),
      ),
    )
    const recorded = await Promise.all(
      pages.map((page) => page.evaluate(() => (globalThis as unknown as Paged).bench.results())),
    )
    const dom: number[] = []
    const frame: number[] = []
    let missing = 0
    for (const typist of [0, 1]) {
      const keydowns = (recorded[typist] as (typeof recorded)[number]).keydowns
      for (const [index, page] of recorded.entries()) {
        if (index === typist) continue
        for (let k = 0; k < expected; k++) {
          const start = keydowns[k]
          const inDom = page.inDom[typist]?.[k]
          const onFrame = page.onFrame[typist]?.[k]
          if (start === undefined || inDom === undefined) {
            missing++
            continue
          }
          dom.push(inDom - start)
          if (onFrame !== undefined) frame.push(onFrame - start)
        }
      }
    }
    const typistSide: number[] = []
    for (const typist of [0, 1]) {
      const { keydowns, updateSends } = recorded[typist] as (typeof recorded)[number]
      let next = 0
      for (const keydown of keydowns) {
        while (next < updateSends.length && (updateSends[next] as number) < keydown) next++
        if (next < updateSends.length) typistSide.push((updateSends[next] as number) - keydown)
      }
    }
    const receiverSide = recorded.flatMap((page) => page.applyDelays)
    const sortedFrame = frame.sort((a, b) => a - b)
    const latencyDom = summarize(dom.sort((a, b) => a - b))
    const latencyFrame = summarize(sortedFrame)
    ctx.log(
      `    keystroke to remote render: p50 ${latencyFrame.p50.toFixed(1)} ms, p99 ${latencyFrame.p99.toFixed(1)} ms ` +
        `(in the DOM: p50 ${latencyDom.p50.toFixed(1)}, p99 ${latencyDom.p99.toFixed(1)}), ${missing} missing`,
    )
    ctx.log(
      `    of which keydown to sent p50 ${percentileText(typistSide, 50)}, p99 ${percentileText(typistSide, 99)}; ` +
        `message to remote DOM p50 ${percentileText(receiverSide, 50)}, p99 ${percentileText(receiverSide, 99)}`,
    )
    for (const context of contexts.splice(0)) await context.close()
    const open = server.serverSyncs && ctx.options.tracesDir ? await measureOpen(ctx, browser, siteUrl, server) : []
    return {
      server: server.kind,
      latencyDom,
      latencyFrame,
      latencyFrameCdf: cdfOf(sortedFrame),
      typistSide: summarize(typistSide.sort((a, b) => a - b)),
      receiverSide: summarize(receiverSide.sort((a, b) => a - b)),
      missing,
      open,
      openRenderedMs: open.length > 0 ? median(open.map((o) => o.renderedMs)) : null,
    }
  } finally {
    await ctx.load.call('closeWatchers')
    for (const context of contexts) await context.close().catch(() => {})
  }
}

function percentileText(values: number[], p: number): string {
  const sorted = [...values].sort((a, b) => a - b)
  return `${(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN).toFixed(1)} ms`
}

/** Times a fresh editor opening the automerge-paper document (kept in memory by an uploader). */
async function measureOpen(
  ctx: RunContext,
  browser: Browser,
  siteUrl: string,
  server: ServerUnderTest,
): Promise<{ syncedMs: number; renderedMs: number }[]> {
  const docName = 'browser-automerge-paper'
  await ctx.load.call('uploadColdDoc', {
    url: server.url,
    room: docName,
    kind: 'automerge-paper',
    saved: server.sendsSaved,
  })
  const { textLength } = await ctx.load.call('prepareColdDoc', 'automerge-paper', ctx.options.tracesDir)
  const runs: { syncedMs: number; renderedMs: number }[] = []
  try {
    for (let i = 0; i < (ctx.options.quick ? 1 : 3); i++) {
      const { context, opened } = await openBenchPage(browser, siteUrl, {
        serverUrl: server.url,
        docName,
        name: 'Reader',
        waitSynced: true,
        expectedLength: textLength,
      })
      await context.close()
      if (opened.length !== textLength)
        throw new Error(`the editor showed ${opened.length} of ${textLength} characters`)
      runs.push({ syncedMs: opened.syncedMs, renderedMs: opened.renderedMs })
    }
    ctx.log(`    opening automerge-paper: ${median(runs.map((r) => r.renderedMs)).toFixed(0)} ms to rendered (median)`)
  } finally {
    await ctx.load.call('releaseHolders')
  }
  return runs
}
