import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root directory. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * The node arguments that run the `tandem` CLI with `args`. From source through tsx by default, so that a test
 * run needs no build and always tests the code as it is; the build (`apps/server/dist/cli.js`) when the
 * environment sets `TANDEM_TEST_CLI=dist`, as `pnpm test` does right after it has built everything. The build
 * reports "listening" in about half the time (0.3 s against 0.7 s on an idle 2-core machine), and the tests
 * start the CLI often (every hostile-writer test restarts its server): on a 2-core machine the hostile-writer run
 * takes 39 s instead of 53 s, and the other Vitest files 70 s instead of 86 s.
 */
export function tandemCli(...args: string[]): string[] {
  if (process.env.TANDEM_TEST_CLI === 'dist') return [join(repoRoot, 'apps/server/dist/cli.js'), ...args]
  return ['--conditions=source', '--import', 'tsx', join(repoRoot, 'apps/server/src/cli.ts'), ...args]
}

/** How to start a Tandem server process. */
export interface TandemProcessOptions {
  /** Data directory; a new temporary one (removed by `dispose()`) when omitted. */
  dataDir?: string
  /** Port; a free one when omitted. */
  port?: number
  /** More `tandem serve` arguments, e.g. `['--ping-interval', '200']`. */
  args?: string[]
  /** More environment variables. */
  env?: Record<string, string>
  /** Another Node.js to run it with, and arguments for it before the CLI's, e.g. an `--import`. @default this one */
  node?: { path: string; args?: string[] }
}

/** A Tandem server running as its own process: the real CLI (see {@link tandemCli}). */
export interface TandemProcess {
  readonly port: number
  /** `ws://127.0.0.1:PORT`, the y-websocket server URL. */
  readonly url: string
  /** `http://127.0.0.1:PORT`. */
  readonly httpUrl: string
  readonly dataDir: string
  /** The current process. */
  readonly child: ChildProcess
  /** Every JSON log line the process printed so far (all processes, across restarts). */
  readonly logs: Record<string, unknown>[]
  /** Sends a signal and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  /** Kills the process with SIGKILL and waits for it to be gone. */
  kill(): Promise<void>
  /** Starts a new process with the same port, data directory and arguments. */
  restart(): Promise<void>
  /** Stops the process if it runs and removes a temporary data directory. */
  dispose(): Promise<void>
}

/**
 * Starts `tandem serve` as a child process ({@link tandemCli}), listening on 127.0.0.1, and resolves once it logs
 * that it is listening.
 */
export async function startTandem(options: TandemProcessOptions = {}): Promise<TandemProcess> {
  const ownDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'tandem-test-')))
  const logs: Record<string, unknown>[] = []
  let port = options.port ?? 0
  let child = await launch()

  async function launch(): Promise<ChildProcess> {
    const args = tandemCli('serve', '--host', '127.0.0.1', '--port', String(port))
    args.push('--data-dir', dataDir, ...(options.args ?? []))
    const node = options.node ?? { path: process.execPath }
    const proc = spawn(node.path, [...(node.args ?? []), ...args], {
      cwd: repoRoot,
      // A database or Redis of the machine's own never leaks into a test server.
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'debug', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    proc.stderr?.on('data', (chunk) => {
      stderr += chunk
    })
    return new Promise((resolve, reject) => {
      let buffered = ''
      const timer = setTimeout(() => fail(new Error('did not report listening within 30 s')), 30_000)
      const fail = (error: Error) => {
        clearTimeout(timer)
        proc.kill('SIGKILL')
        reject(new Error(`The Tandem server process failed to start: ${error.message}\n${stderr}`))
      }
      proc.once('exit', (code) => fail(new Error(`exited with code ${code}`)))
      proc.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        let newline = buffered.indexOf('\n')
        while (newline !== -1) {
          const line = buffered.slice(0, newline)
          buffered = buffered.slice(newline + 1)
          newline = buffered.indexOf('\n')
          let entry: Record<string, unknown>
          try {
            entry = JSON.parse(line)
          } catch {
            continue
          }
          logs.push(entry)
          if (typeof entry.msg === 'string' && entry.msg.startsWith('listening') && typeof entry.port === 'number') {
            port = entry.port
            clearTimeout(timer)
            proc.removeAllListeners('exit')
            resolve(proc)
          }
        }
      })
    })
  }

  function exited(proc: ChildProcess): Promise<number | null> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
    return new Promise((resolve) => proc.once('exit', (code) => resolve(code)))
  }

  const handle: TandemProcess = {
    get port() {
      return port
    },
    get url() {
      return `ws://127.0.0.1:${port}`
    },
    get httpUrl() {
      return `http://127.0.0.1:${port}`
    },
    dataDir,
    get child() {
      return child
    },
    logs,
    async stop(signal = 'SIGTERM') {
      const done = exited(child)
      child.kill(signal)
      return done
    },
    async kill() {
      const done = exited(child)
      child.kill('SIGKILL')
      await done
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) await handle.stop()
      child = await launch()
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) await handle.kill()
      if (ownDir) await rm(dataDir, { recursive: true, force: true })
    },
  }
  return handle
}
