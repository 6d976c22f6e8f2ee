/**
 * Runs the `tandem` CLI as a child process (as `tandemCli` says: from source, or the build under `pnpm test`), from
 * the repository root, with an environment free of Tandem's own variables unless a test sets them.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { repoRoot, tandemCli } from '@tandem/test-utils'

/** Every environment variable `tandem serve` reads, so that none leaks in from the shell running the tests. */
const tandemVariables = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'LOG_LEVEL',
  'PING_INTERVAL',
  'MAX_MESSAGE_SIZE',
  'MAX_BUFFERED',
  'UNLOAD_DELAY',
  'COMMIT_DELAY',
  'COMPACT_AFTER',
  'SHUTDOWN_TIMEOUT',
  'WEB_DIR',
  'ALLOWED_ORIGINS',
  'TRUST_PROXY',
  'MAX_CONNECTIONS_PER_MINUTE',
  'MAX_DOCS_PER_IP',
  'AUTH_FAILURE_LIMIT',
]

function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!tandemVariables.includes(key) && !key.startsWith('TANDEM_')) clean[key] = value
  }
  return { ...clean, ...env }
}

/** A CLI process started with {@link spawnCli}. */
export interface CliProcess {
  readonly child: ChildProcess
  /** Every JSON log line printed on stdout so far. */
  readonly logs: Record<string, unknown>[]
  /** Everything printed so far. */
  readonly output: { stdout: string; stderr: string }
  /** Resolves with the exit code once the process has exited and everything it printed has been read. */
  readonly exited: Promise<number | null>
}

/** Starts the CLI with `args`; `env` is added to an environment without any Tandem variable. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, tandemCli(...args), {
    cwd: repoRoot,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: Record<string, unknown>[] = []
  const output = { stdout: '', stderr: '' }
  let pending = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString()
    pending += chunk.toString()
    let newline = pending.indexOf('\n')
    while (newline !== -1) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      newline = pending.indexOf('\n')
      try {
        logs.push(JSON.parse(line))
      } catch {
        // Not a log line (help text, the version).
      }
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString()
  })
  // 'close', not 'exit': the process may have exited while what it printed is still on its way through the pipes,
  // and a short output such as --help's would then be missed.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return { child, logs, output, exited }
}

/** Runs the CLI to its end; kills it and rejects if it runs longer than `timeoutMs`. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnCli(args, env)
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs)
  const code = await run.exited
  clearTimeout(timer)
  if (run.child.signalCode === 'SIGKILL') throw new Error(`tandem ${args.join(' ')} ran longer than ${timeoutMs} ms.`)
  return { code, ...run.output }
}
