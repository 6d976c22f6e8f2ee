import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { freePort } from './reference-server.js'

/** A Redis server running as a child process, keeping nothing on disk. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  /** Ends the server as a crash would (SIGKILL); resolves once it is gone. The port stays reserved for {@link restart}. */
  kill(): Promise<void>
  /** Starts the server again on the same port, empty; resolves once it accepts connections. */
  restart(): Promise<void>
  /** Stops the server. Calling it again does nothing. */
  stop(): Promise<void>
}

const START_TIMEOUT_MS = 15_000

/**
 * Starts `redis-server` on 127.0.0.1 on a free port, with persistence off, and resolves once it accepts
 * connections. The binary is found through `REDIS_SERVER` (a path), then `PATH`; when there is none, this rejects
 * with what to install. Call `stop()` in `afterAll`; a server still running when the test process exits is
 * killed then.
 */
export async function startRedis(): Promise<RedisServer> {
  const binary = findRedisServer()
  let child: ChildProcess | undefined
  let port = 0
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      child = await launch(binary, port)
      break
    } catch (error) {
      // Another process can take the free port between the probe and the server's bind: try another one.
      if (attempt >= 3 || !/in use|bind/i.test(String(error))) throw error
    }
  }
  const onExit = () => child?.kill('SIGKILL')
  process.once('exit', onExit)
  let stopped = false
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => signalAndWait(child, 'SIGKILL'),
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) {
        throw new Error('The Redis server is still running; call kill() before restart().')
      }
      // Clients reconnecting every few hundred ms can hold the port briefly: a few tries.
      for (let attempt = 1; ; attempt++) {
        try {
          child = await launch(binary, port)
          return
        } catch (error) {
          if (attempt >= 5 || !/in use|bind/i.test(String(error))) throw error
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
      }
    },
    async stop() {
      if (stopped) return
      stopped = true
      process.off('exit', onExit)
      await signalAndWait(child, 'SIGTERM')
    },
  }
}

function findRedisServer(): string {
  const fromEnv = process.env.REDIS_SERVER
  if (fromEnv && existsSync(fromEnv)) return fromEnv
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'redis-server'))) return join(dir, 'redis-server')
  }
  throw new Error(
    'The Redis tests need redis-server, and it is not in REDIS_SERVER or PATH. Install it (Debian/Ubuntu: ' +
      '`apt-get install redis-server`), or set REDIS_SERVER to its path.',
  )
}

/** Starts `redis-server` and resolves once it logs that it accepts connections. */
function launch(binary: string, port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let log: string | undefined = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`Redis did not accept connections within ${START_TIMEOUT_MS / 1000} s:\n${log}`))
    }, START_TIMEOUT_MS)
    const onData = (chunk: Buffer) => {
      if (log === undefined) return
      log += chunk
      if (log.includes('Ready to accept connections')) {
        log = undefined
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`Redis exited (${code ?? signal}) before accepting connections:\n${log}`))
    })
  })
}

function signalAndWait(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}
