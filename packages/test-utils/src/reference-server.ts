import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'

/** The reference y-websocket server (`@y/websocket-server` 0.1.1, the Yjs 13 line) running as a process. */
export interface ReferenceServer {
  readonly url: string
  readonly port: number
  dispose(): Promise<void>
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Starts the reference server in memory on a free port, for comparing behaviour in the same test. */
export async function startReferenceServer(): Promise<ReferenceServer> {
  const require = createRequire(import.meta.url)
  const script = join(dirname(require.resolve('@y/websocket-server/package.json')), 'src/server.js')
  const port = await freePort()
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The reference server did not start within 15 s.')), 15_000)
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('running at')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`The reference server exited with code ${code}.`))
    })
  })
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    async dispose() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
  }
}
