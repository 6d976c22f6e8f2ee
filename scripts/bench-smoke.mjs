#!/usr/bin/env node
// `pnpm bench:smoke`: the benchmark harness (tools/bench), which the test suites leave out, still type-checks, lints,
// passes its own tests and runs. The run is one short scenario against real server processes (the built server,
// which the harness's tests, running from sources, do not start); its figures mean nothing. A scenario the harness
// catches and reports as failed still ends `pnpm bench` with 0, so this reads the run's results.json and fails
// then.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const out = join(root, '.tmp', 'bench-smoke')
const started = performance.now()

function fail(message) {
  console.error(`\n✖ ${message}`)
  process.exit(1)
}

function step(title, command, args) {
  console.log(`\n▶ ${title}: ${[command, ...args].join(' ')}`)
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) fail(`${title} failed.`)
}

const bench = ['--filter', '@tandem/bench']
step('Typecheck the harness', 'pnpm', [...bench, 'typecheck'])
step('Lint the harness', 'pnpm', [...bench, 'lint'])
step("The harness's tests", 'pnpm', [...bench, 'test'])

rmSync(out, { recursive: true, force: true })
step('A quick fan-out run', 'pnpm', [
  'bench',
  '--quick',
  '--scenario',
  'fanout',
  '--servers',
  'tandem-sqlite',
  '--out',
  out,
])
const resultsFile = join(out, 'results.json')
if (!existsSync(resultsFile)) fail(`The run wrote no ${resultsFile}.`)
const results = JSON.parse(readFileSync(resultsFile, 'utf8'))
const problems = [
  ...results.skipped.map(({ scenario, reason }) => `${scenario}: ${reason}`),
  ...(results.fanout?.servers ?? []).filter((server) => server.error).map((s) => `fanout, ${s.server}: ${s.error}`),
]
if (!results.fanout?.servers.length) problems.push('fanout: no result')
if (problems.length > 0) fail(`The quick run did not complete:\n  ${problems.join('\n  ')}`)

console.log(`\nThe benchmark harness works (${Math.round((performance.now() - started) / 1000)} s).`)
