#!/usr/bin/env node
// `pnpm test`, `pnpm test:slow` and `pnpm test:all`: every check and every test, in two suites, each in the order
// that fails fastest (`--help` says which is which). They install what the tests need when they can (Debian or
// Ubuntu, as root): Chromium for the browser tests, the PostgreSQL and Redis servers the store and scale-out tests
// start, and for the slow suite nginx and openssl (its test certificate) for the tests of the documented proxy
// configurations, after printing what they are about to install and why. Otherwise they say what to install. The
// slow suite also prepares Node.js 22 for the tests that run Tandem on it (scripts/node-22.mjs: once per machine,
// in ~/.cache/tandem).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const usage = `Usage: node scripts/test.mjs [--slow | --all] [--no-build]

  (no option)  the quick suite, what \`pnpm test\` runs (about 4 minutes on 2 cores): the build and typecheck,
               lint, the unit and integration tests but the slow ones, and the browser tests not
               tagged @slow
  --slow       the slow suite, what \`pnpm test:slow\` runs (about 4 minutes): the build, then the tests the
               quick suite leaves out. They kill processes with kill -9, restart servers, wait out real
               timeouts, start nginx, process managers and Node.js 22, attack the server, or make the docs'
               screenshots. CI runs both suites.
  --all        both suites, one build (\`pnpm test:all\`)
  --no-build   use what the last \`pnpm build\` made instead of building again (CI, after \`pnpm test\`)
  --help       this text`

const options = new Set(process.argv.slice(2))
if (options.has('--help') || options.has('-h')) {
  console.log(usage)
  process.exit(0)
}
for (const option of options) {
  if (!['--slow', '--all', '--no-build'].includes(option)) {
    console.error(`Unknown option ${JSON.stringify(option)}.\n\n${usage}`)
    process.exit(2)
  }
}
if (options.has('--slow') && options.has('--all')) {
  console.error(`--slow and --all cannot go together: --all already runs the slow suite.\n\n${usage}`)
  process.exit(2)
}
const quick = !options.has('--slow')
const slow = options.has('--slow') || options.has('--all')

const root = new URL('..', import.meta.url).pathname
const results = join(root, '.tmp')
mkdirSync(results, { recursive: true })

const started = Date.now()
/** Minutes and seconds since the start, printed after each step. */
const elapsed = () => {
  const seconds = Math.round((Date.now() - started) / 1000)
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

function run(title, command, args, env = {}) {
  console.log(`\n▶ ${title}: ${[command, ...args].join(' ')}`)
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  console.log(`  (${title}: done at ${elapsed()})`)
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
  slow && {
    pkg: 'nginx',
    purpose: 'the reverse-proxy tests',
    found: () =>
      (process.env.NGINX && existsSync(process.env.NGINX)) || onPath('nginx') || existsSync('/usr/sbin/nginx'),
    hint: 'nginx. Install it (Debian/Ubuntu: `sudo apt-get install nginx`) or set NGINX to its path',
  },
  slow && {
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

// Node.js 22 and a better-sqlite3 built for it, for the slow suite, prepared while the build runs: the first time
// on a machine it downloads Node 22 from the npm registry and compiles better-sqlite3 (about a minute); later it
// takes no time.
const node22 = slow ? prepareNode22() : null

function prepareNode22() {
  console.log('\n▶ Node.js 22 for the Node-versions tests: node scripts/node-22.mjs (alongside the build)')
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'scripts/node-22.mjs')], { cwd: root })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('close', (status) => resolve({ status, output }))
  })
}

if (!options.has('--no-build') && run('Build and typecheck', 'pnpm', ['build']) !== 0) fail('The build failed.')
if (quick && run('Lint', 'pnpm', ['lint']) !== 0)
  fail('Lint found problems (`pnpm lint`; `pnpm biome check --write .` fixes most).')
if (node22) {
  const prepared = await node22
  if (prepared.status !== 0) fail(`Node.js 22 could not be prepared for the tests:\n${prepared.output.trim()}`)
  console.log(`\n${prepared.output.trim()}`)
}

// Everything was just built: test processes run the built `tandem` CLI, which starts in half the time of tsx from
// source (see tandemCli in @tandem/test-utils).
const builtCli = { TANDEM_TEST_CLI: 'dist' }

let passed = 0
let failed = 0
let skipped = 0

/**
 * The Vitest files of the slow suite: they kill processes (kill -9 mid-write, mid-compaction, mid-version), wait out
 * real timeouts (scale-out waits 30 s for a dead instance's presence to time out; webhooks wait out retries; a big document loads through a slow link for more than 30 s), check
 * every update of the real editing traces, start nginx, PM2, systemd units or Node.js 22, or test the PostgreSQL
 * store and the Redis bus themselves (the quick suite runs the same store contract on SQLite and in memory); and the
 * revocable links, a second feature's worth of server processes. The hostile-writer tests run alone, after the
 * others, because they hold the server to response-time bounds (a /healthz answer and a relay within 1 s during an
 * attack) that a second test file on a 2-core machine would disturb. The other files mostly wait on real server
 * processes and sockets: three at a time keep a 2-core machine busy without starving them.
 */
const slowFiles = [
  'apps/server/test/scale-out.test.ts',
  'apps/server/test/history-crash.test.ts',
  'apps/server/test/durability.test.ts',
  'packages/store-postgres/src/durability.test.ts',
  'apps/server/test/nginx.test.ts',
  'apps/server/test/process-managers.test.ts',
  'apps/server/test/node-versions.test.ts',
  'apps/server/test/webhooks.test.ts',
  'apps/server/test/big-documents.test.ts',
  'packages/server/src/update-shape.test.ts',
  'apps/server/test/links.test.ts',
  'packages/store-postgres/src/postgres-store.test.ts',
  'packages/store-postgres/src/compaction.test.ts',
  'packages/redis/src/fanout.test.ts',
  'packages/redis/src/redis-bus.test.ts',
]
const alone = 'apps/server/test/hostile-'
const vitestRuns = [
  quick && {
    title: 'Unit and integration tests',
    args: ['--maxWorkers=3', `--exclude=${alone}*`, ...slowFiles.map((file) => `--exclude=${file}`)],
    report: 'vitest.json',
  },
  slow && { title: 'Slow integration tests', args: ['--maxWorkers=3', ...slowFiles], report: 'vitest-slow.json' },
  slow && { title: 'Hostile-writer tests, alone', args: ['--maxWorkers=1', alone], report: 'vitest-hostile.json' },
].filter(Boolean)
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

// Browser tests tagged @slow restart servers, reload pages offline, go through nginx, make the docs' screenshots, or
// check a second path of a feature the quick suite already covers once.
if (hasBrowserTests) {
  const playwrightReport = join(results, 'playwright.json')
  rmSync(playwrightReport, { force: true })
  const grep = quick && slow ? [] : [quick ? '--grep-invert=@slow' : '--grep=@slow']
  const e2eStatus = run('Browser tests', 'pnpm', ['exec', 'playwright', 'test', ...grep, '--reporter=list,json'], {
    ...builtCli,
    CHROMIUM_PATH: chromium,
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport,
  })
  let failedHere = 0
  if (existsSync(playwrightReport)) {
    const { stats } = JSON.parse(readFileSync(playwrightReport, 'utf8'))
    passed += stats.expected + stats.flaky
    failedHere = stats.unexpected
    skipped += stats.skipped
  }
  failed += failedHere
  if (e2eStatus !== 0 && failedHere === 0) failed++
}

const suite = quick && slow ? 'Both suites' : quick ? 'The quick suite' : 'The slow suite'
console.log(`\n${suite}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}, in ${elapsed()}`)
if (quick && !slow && failed === 0) console.log('The slow suite is `pnpm test:slow` (CI runs both).')
process.exit(failed === 0 ? 0 : 1)
