import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { freePort } from '@tandem/test-utils'
import { fromSource, modulePath, repoRoot } from '../paths.js'
import { hasTaskset } from '../pinning.js'
import { track, untrack } from './process-registry.js'

/** The servers a run compares (`--servers`). */
export const SERVER_KINDS = ['raw', 'tandem-sqlite', 'tandem-memory', 'reference'] as const
/**
 * Every server the harness can start: those of {@link SERVER_KINDS}, and Tandem on PostgreSQL (optionally with
 * Redis), which only the scale-out scenario starts, on the database and Redis it starts for them.
 */
export type ServerKind = (typeof SERVER_KINDS)[number] | 'tandem-postgres'

/** How each server is named in tables and charts. */
export const SERVER_LABELS: Record<ServerKind, string> = {
  raw: 'raw ws broadcaster',
  'tandem-sqlite': 'Tandem + SQLite',
  'tandem-memory': 'Tandem (memory)',
  reference: 'y-websocket reference',
  'tandem-postgres': 'Tandem + PostgreSQL',
}

/** How to start a server under test. */
export interface StartOptions {
  /** Pin the server to this CPU core with taskset (where taskset exists); `null` leaves it unpinned. */
  core: number | null
  /** Write a CPU profile (`node --cpu-prof`) into this directory when the server stops. @default none */
  profileDir?: string | null
  /** Run Tandem from its TypeScript sources through tsx instead of its build. @default when no build exists */
  fromSource?: boolean
  /** Let {@link ServerUnderTest.heapSnapshot} write heap snapshots into this directory. @default none */
  heapDir?: string | null
  /** Tandem + PostgreSQL only (and required there): the database URL (`--database-url`). */
  databaseUrl?: string
  /** Tandem only: more `tandem serve` arguments (`--webhook-url …`). @default none */
  args?: readonly string[]
  /** More environment variables for the process (`TANDEM_HISTORY=off`). @default none */
  env?: Readonly<Record<string, string>>
  /** Tandem + PostgreSQL only: the Redis through which it relays updates to other instances (`--redis-url`). @default none */
  redisUrl?: string | null
}

const READY_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 20_000
let profileCount = 0

/**
 * One server under test, in its own process on a loopback port: Tandem (the real `tandem serve` CLI, with
 * SQLite or in memory), the reference y-websocket server (in memory: its LevelDB persistence is not built
 * here), or the raw broadcaster. Every process is registered so that a failed or interrupted run still stops it.
 */
export class ServerUnderTest {
  private child: ChildProcess | null = null
  private output: string[] = []
  port = 0

  private constructor(
    readonly kind: ServerKind,
    private readonly options: StartOptions,
    /** Tandem + SQLite's data directory (a new temporary one, removed by `dispose()`). */
    readonly dataDir: string | null,
  ) {}

  /** Starts a server and resolves once it answers HTTP on its port. */
  static async start(kind: ServerKind, options: StartOptions): Promise<ServerUnderTest> {
    const dataDir = kind === 'tandem-sqlite' ? await mkdtemp(join(tmpdir(), 'tandem-bench-')) : null
    const server = new ServerUnderTest(kind, options, dataDir)
    try {
      await server.launch()
    } catch (error) {
      await server.dispose()
      throw error
    }
    return server
  }

  get label(): string {
    return SERVER_LABELS[this.kind]
  }

  /** `ws://127.0.0.1:PORT`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get pid(): number {
    const pid = this.child?.pid
    if (pid === undefined) throw new Error(`The ${this.label} server is not running.`)
    return pid
  }

  /** Whether the server speaks the sync protocol (everything but the raw broadcaster). */
  get serverSyncs(): boolean {
    return this.kind !== 'raw'
  }

  /** Whether the server sends Tandem's saved acknowledgement. */
  get sendsSaved(): boolean {
    return this.kind === 'tandem-sqlite' || this.kind === 'tandem-memory' || this.kind === 'tandem-postgres'
  }

  /** Tandem's Prometheus metrics (`GET /metrics`), as text. */
  async metrics(): Promise<string> {
    const response = await fetch(`${this.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) throw new Error(`GET /metrics of the ${this.label} server answered ${response.status}.`)
    return response.text()
  }

  /** The last lines the process printed, for error messages. */
  get recentOutput(): string {
    return this.output.join('').slice(-4000)
  }

  /** Stops the process (gracefully, so Tandem saves and compacts) and starts it again on a new port. */
  async restart(): Promise<void> {
    await this.stop()
    await this.launch()
  }

  /** Stops the process: SIGTERM, then SIGKILL if it has not exited within 20 s. */
  async stop(): Promise<void> {
    const child = this.child
    if (!child) return
    this.child = null
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    untrack(child)
  }

  /**
   * Has the process write a heap snapshot (it must have been started with `heapDir`) and resolves with its
   * path once written: the process stops answering while it writes.
   */
  async heapSnapshot(): Promise<string> {
    const dir = this.options.heapDir
    if (!dir) throw new Error('Start the server with heapDir to take heap snapshots.')
    const before = new Set(await readdir(dir))
    process.kill(this.pid, 'SIGUSR2')
    const deadline = Date.now() + 300_000
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      const written = (await readdir(dir)).find((file) => !before.has(file) && file.endsWith('.heapsnapshot'))
      if (!written) continue
      try {
        await fetch(this.httpUrl, { signal: AbortSignal.timeout(60_000) })
        return join(dir, written)
      } catch {
        // Still writing.
      }
    }
    throw new Error(`The ${this.label} server wrote no heap snapshot within 5 minutes.`)
  }

  /** Stops the process and removes its temporary data directory. */
  async dispose(): Promise<void> {
    await this.stop()
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true })
  }

  private async launch(): Promise<void> {
    this.port = await freePort()
    const [command, args, env] = this.command()
    const inherited = { ...process.env }
    // Only the options say where a server under test stores documents and whether it talks to other instances.
    delete inherited.DATABASE_URL
    delete inherited.REDIS_URL
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    track(child)
    this.child = child
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString())
      if (this.output.length > 200) this.output.splice(0, 100)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    await this.waitUntilReady(child)
  }

  private command(): [string, string[], Record<string, string>] {
    const node: string[] = []
    const env: Record<string, string> = { ...this.options.env }
    if (this.options.heapDir) node.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${this.options.heapDir}`)
    if (this.options.profileDir) {
      node.push('--cpu-prof', `--cpu-prof-dir=${this.options.profileDir}`)
      node.push(`--cpu-prof-name=${this.kind}-${++profileCount}.cpuprofile`)
    }
    let script: string[]
    if (this.kind === 'raw') {
      if (fromSource) node.push('--import', 'tsx')
      script = [modulePath('servers/raw-broadcaster'), '--port', String(this.port), '--host', '127.0.0.1']
    } else if (this.kind === 'reference') {
      if (this.options.profileDir) node.push('--import', modulePath('servers/exit-on-signal'))
      script = [referenceServerScript()]
      Object.assign(env, { HOST: '127.0.0.1', PORT: String(this.port) })
    } else {
      const source = this.options.fromSource ?? !tandemBuildExists()
      if (source) node.push('--conditions=source', '--import', 'tsx')
      script = [
        source ? join(repoRoot, 'apps/server/src/cli.ts') : join(repoRoot, 'apps/server/bin/tandem.js'),
        'serve',
        ...['--host', '127.0.0.1', '--port', String(this.port), '--log-level', 'warn'],
        ...this.storeArgs(),
        // The per-IP limits protect a public server; every load client here comes from 127.0.0.1.
        ...['--max-connections-per-minute', '1000000', '--max-docs-per-ip', '1000000'],
        // The per-connection message budget (300/s by default) is for people; a load generator is not one. The
        // persistence scenario's writers send as fast as their saves are acknowledged (about 900 updates/s each)
        // and the collab scenario's two clients replay friendsforever at 2,000 transactions/s between them.
        // The byte budget likewise: big-memory's client uploads 40 MiB as fast as its saves are acknowledged, far
        // past the 4 MiB/s a person's connection gets (it stayed under it only while each update cost Tandem a copy
        // of the whole document). Sync requests stay at their default: no scenario comes near 30 a minute on one
        // connection.
        ...['--max-messages-per-second', '1000000', '--max-bytes-per-second', '1000000000'],
        ...(this.options.args ?? []),
      ]
    }
    const args = [...node, ...script]
    if (this.options.core !== null && hasTaskset()) {
      return ['taskset', ['-c', String(this.options.core), process.execPath, ...args], env]
    }
    return [process.execPath, args, env]
  }

  private storeArgs(): string[] {
    if (this.kind === 'tandem-sqlite') return ['--data-dir', this.dataDir as string]
    if (this.kind === 'tandem-memory') return ['--store', 'memory']
    const { databaseUrl, redisUrl } = this.options
    if (!databaseUrl) throw new Error('Start Tandem + PostgreSQL with a databaseUrl.')
    return ['--database-url', databaseUrl, ...(redisUrl ? ['--redis-url', redisUrl] : [])]
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`The ${this.label} server exited before it was ready:\n${this.recentOutput}`)
      }
      try {
        await fetch(this.httpUrl, { signal: AbortSignal.timeout(1000) })
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    throw new Error(
      `The ${this.label} server did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${this.recentOutput}`,
    )
  }
}

function tandemBuildExists(): boolean {
  const require = createRequire(import.meta.url)
  try {
    require.resolve(join(repoRoot, 'apps/server/dist/cli.js'))
    return true
  } catch {
    return false
  }
}

function referenceServerScript(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('@y/websocket-server/package.json')), 'src/server.js')
}
