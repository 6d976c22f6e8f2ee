// The reference y-websocket server (@y/websocket-server, the Yjs 13 line), as a child process on a free port:
// what "any y-websocket server" means in these tests.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { repoDir } from './paths.js'

export interface ReferenceServer {
  /** `ws://127.0.0.1:PORT`. */
  readonly url: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export async function startReferenceServer(): Promise<ReferenceServer> {
  const port = await freePort()
  const child: ChildProcess = spawn(
    process.execPath,
    [`${repoDir}/packages/test-utils/node_modules/@y/websocket-server/src/server.js`],
    {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The reference y-websocket server exited with code ${code}.`)))
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('running at')) resolve()
    })
  })
  child.removeAllListeners('exit')
  return {
    url: `ws://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
