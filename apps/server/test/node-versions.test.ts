/**
 * Tandem on each supported Node.js: the tests themselves run on Node 20, and here the real server process runs on
 * Node 22 (from the npm registry, with better-sqlite3 built for it by scripts/node-22.mjs, which `pnpm test:slow` runs
 * first). A person's edits are saved and reloaded on Node 22, and one data directory moves between Node 20 and
 * Node 22 in both directions. A better-sqlite3 built for another Node.js is reported with what to run.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  connectClient,
  repoRoot,
  startTandem,
  storedText,
  type TandemProcess,
  tandemCli,
  waitFor,
} from '@tandem/test-utils'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'

/** What scripts/node-22.mjs --json prints. */
interface Node22 {
  node: string
  betterSqlite3: string
  importHook: string
}

let node22: Node22
let version22: string
beforeAll(() => {
  // Prepared already under `pnpm test:slow`; run alone on a new machine, this downloads and compiles (about a minute).
  const prepared = spawnSync(process.execPath, [join(repoRoot, 'scripts/node-22.mjs'), '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (prepared.status !== 0) throw new Error('scripts/node-22.mjs could not prepare Node.js 22; see its output above.')
  node22 = JSON.parse(prepared.stdout) as Node22
  version22 = spawnSync(node22.node, ['--version'], { encoding: 'utf8' }).stdout.trim()
  expect(version22).toMatch(/^v22\./)
}, 300_000)

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function tandemOn(version: 20 | 22, dataDir: string): Promise<TandemProcess> {
  const server = await startTandem({
    dataDir,
    ...(version === 22
      ? {
          node: { path: node22.node, args: ['--import', node22.importHook] },
          env: { TANDEM_BETTER_SQLITE3: node22.betterSqlite3 },
        }
      : {}),
  })
  cleanups.push(() => server.dispose())
  return server
}

/** The Node.js version a server process reports in its metrics (prom-client's nodejs_version_info). */
async function nodeVersionOf(server: TandemProcess): Promise<string | undefined> {
  const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text()
  return /^nodejs_version_info\{version="(v[\d.]+)"/m.exec(metrics)?.[1]
}

/** Appends `words` as a person would, waits until the server acknowledges them as saved, and leaves. */
async function write(server: TandemProcess, room: string, words: string): Promise<string> {
  const person = connectClient(server.url, room, { saved: true })
  try {
    await person.synced()
    person.text.insert(person.text.length, words)
    await waitFor(() => person.saves.sent > 0 && person.saves.saved, `the saved acknowledgement of "${words}"`)
    return person.text.toString()
  } finally {
    person.destroy()
  }
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-node-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

describe('Tandem on Node.js 22', () => {
  it('saves and reloads a document, and one data directory moves from Node 22 to Node 20 and back', async () => {
    const dataDir = await tempDir()
    const on22 = await tandemOn(22, dataDir)
    expect(await nodeVersionOf(on22)).toBe(version22)
    expect(await write(on22, 'versions/notes', 'Written on Node 22.')).toBe('Written on Node 22.')
    expect(await storedText(dataDir, 'versions/notes')).toBe('Written on Node 22.')
    expect(await on22.stop('SIGTERM')).toBe(0)

    const on20 = await tandemOn(20, dataDir)
    expect(await nodeVersionOf(on20)).toBe(process.version)
    expect(await write(on20, 'versions/notes', ' Then on Node 20.')).toBe('Written on Node 22. Then on Node 20.')
    expect(await on20.stop('SIGTERM')).toBe(0)

    const again22 = await tandemOn(22, dataDir)
    const reader = connectClient(again22.url, 'versions/notes')
    cleanups.push(() => reader.destroy())
    await reader.synced()
    expect(reader.text.toString()).toBe('Written on Node 22. Then on Node 20.')
  })

  it('with a better-sqlite3 built for another Node.js, stops at start and says what to run', async () => {
    const dataDir = await tempDir()
    // Node 22 with node_modules as `pnpm install` left them for the Node.js running these tests.
    const run = spawnSync(node22.node, tandemCli('serve', '--port', '0', '--data-dir', dataDir), {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'info' },
      timeout: 30_000,
    })
    expect(run.status).toBe(1)
    const fatal = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((entry) => entry.level === 60)
    expect(fatal?.msg).toBe(
      `Tandem could not start: Cannot open the SQLite database at ${join(dataDir, 'tandem.sqlite')}: better-sqlite3 ` +
        `was built for another version of Node.js (module version ${process.versions.modules}; Node.js ${version22} ` +
        'needs 127). Run `pnpm install` again with the Node.js that runs Tandem (or `pnpm rebuild better-sqlite3`), ' +
        'then start Tandem again.',
    )
  })
})
