#!/usr/bin/env node
// `pnpm dev`: the web app with hot reload (Vite, http://localhost:5173) against a Tandem dev server on port 1235
// with its own data in data/dev. The app reaches the server through Vite's proxy at /_tandem (vite.config.ts),
// so pages and WebSockets share one origin, as in production. Ctrl+C stops both.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createServer } from 'vite'

const webDir = fileURLToPath(new URL('..', import.meta.url))
const repoDir = fileURLToPath(new URL('../../..', import.meta.url))
const port = process.env.TANDEM_DEV_PORT ?? '1235'
process.env.TANDEM_DEV_SERVER ??= `http://localhost:${port}`

const tandem = spawn(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    'apps/server/src/cli.ts',
    'serve',
    '--port',
    port,
    '--data-dir',
    process.env.DATA_DIR ?? 'data/dev',
  ],
  { cwd: repoDir, stdio: 'inherit', env: { LOG_LEVEL: 'info', ...process.env } },
)

const vite = await createServer({ root: webDir, configFile: `${webDir}vite.config.ts` })
await vite.listen()
vite.printUrls()
console.log(`  ➜  Tandem dev server: http://localhost:${port} (proxied at /_tandem)\n`)

let stopping = false
async function stop(code) {
  if (stopping) return
  stopping = true
  tandem.kill('SIGTERM')
  await vite.close()
  process.exit(code)
}
tandem.on('exit', (code) => {
  if (!stopping) console.error(`The Tandem dev server exited (code ${code}); stopping.`)
  void stop(code ?? 1)
})
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
