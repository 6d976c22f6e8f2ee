#!/usr/bin/env node
// `pnpm bench`: runs the benchmark scenarios and writes their report. See --help and docs/benchmarks.md.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LoadProcess } from './load/load-process.js'
import { describeMachine, loadAverage } from './machine.js'
import { HELP, parseOptions, type ScenarioId } from './options.js'
import { defaultResultsDir, findTracesDir } from './paths.js'
import { hasTaskset, LOAD_CORE, pinSelf } from './pinning.js'
import { chartsFor } from './report/charts.js'
import { renderMarkdown } from './report/markdown.js'
import { publish } from './report/publish.js'
import { evaluateTargets } from './report/targets.js'
import type { RunResults } from './results.js'
import { readRevision } from './revision.js'
import { RunContext } from './run-context.js'
import { runBigDoc } from './scenarios/big-doc.js'
import { runBigMemory } from './scenarios/big-memory.js'
import { runBrowser } from './scenarios/browser.js'
import { runChecks } from './scenarios/checks.js'
import { runColdLoad } from './scenarios/cold-load.js'
import { runCollab } from './scenarios/collab.js'
import { runFanout } from './scenarios/fanout.js'
import { runHistoryCpu } from './scenarios/history-cpu.js'
import { runIdleScenario } from './scenarios/idle.js'
import { runPersistence } from './scenarios/persistence.js'
import { runScaleOut } from './scenarios/scale-out.js'
import { runWebhooks } from './scenarios/webhooks.js'
import { killAll } from './servers/process-registry.js'

async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseOptions>
  try {
    options = parseOptions(argv)
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`)
    return 2
  }
  if (options.help) {
    console.log(HELP)
    return 0
  }
  if (options.reportDir) {
    const results = JSON.parse(await readFile(join(options.reportDir, 'results.json'), 'utf8')) as RunResults
    const { markdown, charts } = await writeReport(results, options.reportDir)
    console.log(`Report: ${join(options.reportDir, 'results.md')}`)
    if (options.publish) console.log(`Published to ${await publish(markdown, charts)}`)
    return 0
  }
  options.tracesDir = findTracesDir(options.tracesDir ?? undefined)
  const started = new Date()
  const outDir = options.outDir ?? join(defaultResultsDir, started.toISOString().replace(/[:.]/g, '-').slice(0, 19))
  await mkdir(outDir, { recursive: true })
  const pinned = options.pin && hasTaskset()
  // The orchestrator shares the load generator's core, so that nothing of the harness runs beside the server.
  if (pinned) pinSelf(LOAD_CORE)
  const machine = describeMachine()
  console.log(
    `Tandem benchmarks: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`,
  )
  console.log(`Results: ${outDir}`)
  const load1 = loadAverage()
  if (load1 > 2) console.log(`Note: the load average is ${load1}; other work on this machine will skew the figures.`)
  if (!pinned) console.log('Note: processes are not pinned to cores (no taskset, or --no-pin).')
  if (!options.tracesDir) {
    console.log('Note: no editing traces (../shared/traces or $TANDEM_TRACES): their parts are skipped.')
  }

  const results: RunResults = {
    machine,
    revision: readRevision(),
    options: {
      quick: options.quick,
      profile: options.profile,
      pin: options.pin,
      scenarios: options.scenarios,
      servers: options.servers,
      rate: options.rate,
    },
    pinned,
    startedAt: started.toISOString(),
    finishedAt: '',
    durationSec: 0,
    load: { min: load1, mean: load1, max: load1, samples: [] },
    profiles: [],
    skipped: [],
  }
  const load = LoadProcess.start(pinned ? LOAD_CORE : null)
  const ctx = new RunContext(options, load, results, outDir)
  const write = () => writeReport(results, outDir)
  try {
    for (const scenario of options.scenarios) {
      const scenarioStarted = performance.now()
      try {
        await runScenario(ctx, scenario)
        ctx.log(`  (${scenario}: ${Math.round((performance.now() - scenarioStarted) / 1000)} s)`)
      } catch (error) {
        console.error(`\n✖ ${scenario} failed: ${(error as Error).stack ?? error}`)
        results.skipped.push({ scenario, reason: `failed: ${(error as Error).message.split('\n')[0]}` })
      }
      // A report after every scenario, so an interrupted run keeps what it measured.
      await write()
    }
  } finally {
    await load.close()
  }
  results.load = ctx.finish()
  results.finishedAt = new Date().toISOString()
  results.durationSec = Math.round((Date.now() - started.getTime()) / 1000)
  const { markdown, charts } = await write()
  console.log(`\nTargets:`)
  for (const target of evaluateTargets(results)) {
    const verdict = target.met === null ? '  —  ' : target.met ? ' met ' : ' NOT '
    console.log(`  [${verdict}] ${target.target}: ${target.measured}`)
  }
  console.log(
    `\nLoad average during the run: min ${results.load.min}, mean ${results.load.mean}, max ${results.load.max}`,
  )
  console.log(`Report: ${join(outDir, 'results.md')}`)
  if (options.publish) console.log(`Published to ${await publish(markdown, charts)}`)
  return 0
}

async function runScenario(ctx: RunContext, scenario: ScenarioId): Promise<void> {
  const { results, options } = ctx
  switch (scenario) {
    case 'fanout':
      results.fanout = await runFanout(ctx, 'fanout')
      return
    case 'history-cpu':
      results.historyCpu = await runHistoryCpu(ctx)
      return
    case 'big-rooms':
      results.bigRooms = await runFanout(ctx, 'big-rooms')
      return
    case 'checks':
      results.checks = await runChecks(ctx)
      return
    case 'idle':
      results.idle = await runIdleScenario(ctx)
      return
    case 'cold-load':
      results.cold = await runColdLoad(ctx)
      return
    case 'persistence':
      results.persistence = await runPersistence(ctx)
      return
    case 'webhooks':
      results.webhooks = await runWebhooks(ctx)
      return
    case 'scale-out':
      results.scaleOut = await runScaleOut(ctx)
      return
    case 'collab':
      if (!options.tracesDir) {
        ctx.log('\n▶ collab: skipped (it replays the friendsforever trace, which is not here)')
        results.skipped.push({ scenario, reason: 'no editing traces (../shared/traces or $TANDEM_TRACES)' })
        return
      }
      results.collab = await runCollab(ctx)
      return
    case 'browser':
      results.browser = (await runBrowser(ctx)) ?? undefined
      return
    case 'big-doc':
      results.bigDoc = (await runBigDoc(ctx)) ?? undefined
      return
    case 'big-memory':
      results.bigMemory = await runBigMemory(ctx)
      return
  }
}

async function writeReport(results: RunResults, outDir: string) {
  const charts = chartsFor(results)
  await mkdir(join(outDir, 'charts'), { recursive: true })
  for (const chart of charts) await writeFile(join(outDir, 'charts', `${chart.name}.svg`), chart.svg)
  const markdown = renderMarkdown(results, charts, (name) => `charts/${name}`)
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  await writeFile(join(outDir, 'results.md'), `# Tandem benchmarks: ${results.startedAt}\n\n${markdown}`)
  return { markdown: renderMarkdown(results, charts, (name) => `images/${name}`), charts }
}

// Whatever happens, no server, load process or browser of this run outlives it.
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, stopping every process of this run`)
    killAll()
    process.exit(130)
  })
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error)
    killAll()
    process.exit(1)
  },
)
