#!/usr/bin/env node
// `pnpm test`: every check and every test, in the order that fails fastest. It installs what the tests need
// when it can (Debian or Ubuntu, as root): Chromium for the browser tests, the PostgreSQL and Redis servers the
// store and scale-out tests start, and nginx and openssl (its test certificate) for the tests of the documented
// proxy configurations, after printing what it is about to install and why. Otherwise it says what to install.
// It also prepares Node.js 22 for the tests that run Tandem on it (scripts/node-22.mjs: once per machine, in
// ~/.cache/tandem).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
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

const onPath = (binary, fromEnv) =>
  [fromEnv, ...(process.env.PATH ?? '').split(':')].some((dir) => dir && existsSync(join(dir, binary)))

const chromiumCandidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)
const findChromium = () => chromiumCandidates.find((path) => existsSync(path))
const hasBrowserTests = existsSync(join(root, 'playwright.config.ts'))

/**
 * The programs the tests need: Debian's package that provides each, what needs it, whether it is here, and what
 * to do where apt cannot install it.
 */
const requirements = [
  existsSync(join(root, 'packages/store-postgres')) && {
    pkg: 'postgresql',
    purpose: 'the PostgreSQL tests',
    found: () =>
      onPath('initdb', process.env.POSTGRES_BIN) ||
      (existsSync('/usr/lib/postgresql') &&
        readdirSync('/usr/lib/postgresql').some((version) =>
          existsSync(join('/usr/lib/postgresql', version, 'bin/initdb')),
        )),
    hint: 'the PostgreSQL server binaries (initdb, postgres). Install them (Debian/Ubuntu: `sudo apt-get install postgresql`) or set POSTGRES_BIN to the directory that holds them',
  },
  existsSync(join(root, 'packages/redis')) && {
    pkg: 'redis-server',
    purpose: 'the Redis tests',
    found: () => (process.env.REDIS_SERVER && existsSync(process.env.REDIS_SERVER)) || onPath('redis-server'),
    hint: 'redis-server. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`) or set REDIS_SERVER to its path',
  },
  {
    pkg: 'nginx',
    purpose: 'the reverse-proxy tests',
    found: () =>
      (process.env.NGINX && existsSync(process.env.NGINX)) || onPath('nginx') || existsSync('/usr/sbin/nginx'),
    hint: 'nginx. Install it (Debian/Ubuntu: `sudo apt-get install nginx`) or set NGINX to its path',
  },
  {
    pkg: 'openssl',
    purpose: 'the TLS proxy tests',
    found: () => onPath('openssl'),
    hint: 'openssl. Install it (Debian/Ubuntu: `sudo apt-get install openssl`)',
  },
  hasBrowserTests && {
    pkg: 'chromium',
    purpose: 'the browser tests',
    found: () => findChromium() !== undefined,
    hint: 'Chromium. Install it (Debian/Ubuntu: `sudo apt-get install chromium`) or set CHROMIUM_PATH to a Chromium or Chrome executable',
  },
].filter(Boolean)

/**
 * Makes sure every program the tests need is here. Where apt can install the missing ones (Debian or Ubuntu, as
 * root), it first prints what it is about to install and why, as one list, then installs them all at once;
 * otherwise, or if some are still missing after that, it stops and says what to install.
 */
function ensurePrograms() {
  const missing = requirements.filter((requirement) => !requirement.found())
  if (missing.length === 0) return
  if (existsSync('/etc/debian_version') && process.getuid?.() === 0) {
    const packages = missing.map((requirement) => requirement.pkg)
    console.log('\n▶ The tests need programs this machine lacks. Installing with apt-get:')
    for (const { pkg, purpose } of missing) console.log(`  - ${pkg}, for ${purpose}`)
    console.log(`  (apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')})`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env })
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env })
  }
  const still = missing.filter((requirement) => !requirement.found())
  if (still.length === 0) return
  const lines = still.map(({ purpose, hint }) => `- ${purpose[0].toUpperCase()}${purpose.slice(1)} need ${hint}.`)
  fail(`Some programs the tests need are missing:\n${lines.join('\n')}\nThen run \`pnpm test\` again.`)
}

ensurePrograms()
const chromium = hasBrowserTests ? (findChromium() ?? '/usr/bin/chromium') : null

// Node.js 22 and a better-sqlite3 built for it, prepared while the build runs: the first time on a machine it
// downloads Node 22 from the npm registry and compiles better-sqlite3 (about a minute); later it takes no time.
console.log('\n▶ Node.js 22 for the Node-versions tests: node scripts/node-22.mjs (alongside the build)')
const node22 = new Promise((resolve) => {
  const child = spawn(process.execPath, [join(root, 'scripts/node-22.mjs')], { cwd: root })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  child.on('close', (status) => resolve({ status, output }))
})

if (run('Build and typecheck', 'pnpm', ['build']) !== 0) fail('The build failed.')
if (run('Lint', 'pnpm', ['lint']) !== 0)
  fail('Lint found problems (`pnpm lint`; `pnpm biome check --write .` fixes most).')

const prepared = await node22
if (prepared.status !== 0) fail(`Node.js 22 could not be prepared for the tests:\n${prepared.output.trim()}`)
console.log(`\n${prepared.output.trim()}`)

// Everything was just built: test processes run the built `tandem` CLI, which starts in half the time of tsx from
// source (see tandemCli in @tandem/test-utils).
const builtCli = { TANDEM_TEST_CLI: 'dist' }

let passed = 0
let failed = 0
let skipped = 0

/**
 * The Vitest tests, in two runs: most files three at a time, then the hostile-writer tests alone, because they
 * hold the server to response-time bounds (a /healthz answer and a relay within 1 s during an attack) that a second test
 * file on a 2-core machine would disturb. The other files mostly wait on real server processes and sockets
 * (scale-out waits 30 s for a dead instance's presence to time out): two at a time kept a 2-core machine's cores
 * 70% busy and took 74 s, three at a time take 56-61 s.
 */
const alone = 'apps/server/test/hostile-'
const vitestRuns = [
  { title: 'Unit and integration tests', args: ['--maxWorkers=3', `--exclude=${alone}*`], report: 'vitest.json' },
  { title: 'Hostile-writer tests, alone', args: ['--maxWorkers=1', alone], report: 'vitest-hostile.json' },
]
for (const { title, args, report: name } of vitestRuns) {
  const report = join(results, name)
  rmSync(report, { force: true })
  const status = run(
    title,
    'pnpm',
    ['exec', 'vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    builtCli,
  )
  let failedHere = 0
  if (existsSync(report)) {
    const counts = JSON.parse(readFileSync(report, 'utf8'))
    passed += counts.numPassedTests
    failedHere = counts.numFailedTests
    skipped += counts.numPendingTests + counts.numTodoTests
  }
  failed += failedHere
  if (status !== 0 && failedHere === 0) failed++
}

if (hasBrowserTests) {
  const playwrightReport = join(results, 'playwright.json')
  const e2eStatus = run('Browser tests', 'pnpm', ['exec', 'playwright', 'test', '--reporter=list,json'], {
    ...builtCli,
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
