#!/usr/bin/env node
// `pnpm test`: every check and every test, in the order that fails fastest. It installs what the browser
// tests need (Chromium) and the PostgreSQL server the store tests start, when it can (Debian or Ubuntu, as root),
// and otherwise says what to install.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const results = join(root, '.tmp')
mkdirSync(results, { recursive: true })

function run(title, command, args, env = {}) {
  console.log(`\n▶ ${title}: ${[command, ...args].join(' ')}`)
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  return result.status ?? 1
}

function fail(message) {
  console.error(`\n✖ ${message}`)
  process.exit(1)
}

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 19)) fail(`Tandem needs Node.js 20.19 or newer; this is ${process.version}.`)

/** Finds Chromium for the browser tests, installing Debian's package when possible. */
function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)
  const found = candidates.find((path) => existsSync(path))
  if (found) return found
  const isDebian = existsSync('/etc/debian_version')
  const isRoot = process.getuid?.() === 0
  if (isDebian && isRoot) {
    console.log('\n▶ Installing Chromium for the browser tests (apt-get install chromium)')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env })
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      stdio: 'inherit',
      env,
    })
    if (update.status === 0 && install.status === 0 && existsSync('/usr/bin/chromium')) return '/usr/bin/chromium'
  }
  fail(
    'The browser tests need Chromium. Install it (Debian/Ubuntu: `sudo apt-get install chromium`) or set ' +
      'CHROMIUM_PATH to a Chromium or Chrome executable, then run `pnpm test` again.',
  )
}

/** Finds the PostgreSQL server binaries for the store tests, installing Debian's package when possible. */
function ensurePostgres() {
  const found = () =>
    [process.env.POSTGRES_BIN, ...(process.env.PATH ?? '').split(':')].some(
      (dir) => dir && existsSync(join(dir, 'initdb')),
    ) ||
    (existsSync('/usr/lib/postgresql') &&
      readdirSync('/usr/lib/postgresql').some((version) =>
        existsSync(join('/usr/lib/postgresql', version, 'bin/initdb')),
      ))
  if (found()) return
  const isDebian = existsSync('/etc/debian_version')
  const isRoot = process.getuid?.() === 0
  if (isDebian && isRoot) {
    console.log('\n▶ Installing PostgreSQL for the store tests (apt-get install postgresql)')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const update = spawnSync('apt-get', ['update'], { stdio: 'inherit', env })
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
      stdio: 'inherit',
      env,
    })
    if (update.status === 0 && install.status === 0 && found()) return
  }
  fail(
    'The PostgreSQL store tests need the PostgreSQL server binaries (initdb, postgres). Install them ' +
      '(Debian/Ubuntu: `sudo apt-get install postgresql`) or set POSTGRES_BIN to the directory that holds them, ' +
      'then run `pnpm test` again.',
  )
}

if (existsSync(join(root, 'packages/store-postgres'))) ensurePostgres()

const hasBrowserTests = existsSync(join(root, 'playwright.config.ts'))
const chromium = hasBrowserTests ? ensureChromium() : null

if (run('Build and typecheck', 'pnpm', ['build']) !== 0) fail('The build failed.')
if (run('Lint', 'pnpm', ['lint']) !== 0)
  fail('Lint found problems (`pnpm lint`; `pnpm biome check --write .` fixes most).')

let passed = 0
let failed = 0
let skipped = 0

const vitestReport = join(results, 'vitest.json')
const unitStatus = run('Unit and integration tests', 'pnpm', [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
])
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
}
if (unitStatus !== 0 && failed === 0) failed++

if (hasBrowserTests) {
  const playwrightReport = join(results, 'playwright.json')
  const e2eStatus = run('Browser tests', 'pnpm', ['exec', 'playwright', 'test', '--reporter=list,json'], {
    CHROMIUM_PATH: chromium,
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
  })
  if (existsSync(playwrightReport)) {
    const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'))
    passed += stats.expected + stats.flaky
    failed += stats.unexpected
    skipped += stats.skipped
  }
  if (e2eStatus !== 0 && failed === 0) failed++
}

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed === 0 ? 0 : 1)
