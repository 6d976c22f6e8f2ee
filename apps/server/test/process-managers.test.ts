/**
 * The process-manager recipes of docs/self-hosting.md, run as a self-hoster runs them: the systemd unit is
 * verified by systemd-analyze and its command started with its environment and stopped with its signal; the PM2
 * ecosystem file is started by PM2 (from npm), which restarts Tandem after a kill -9 and reloads it on `pm2
 * reload`, with nothing acknowledged lost. Only ports and directories are changed from the documented text.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { connectClient, freePort, repoRoot, storedText, type TestClient, waitFor } from '@tandem/test-utils'
import { afterEach, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The fenced block of docs/self-hosting.md that starts with `firstLine`. */
async function documented(language: string, firstLine: string): Promise<string> {
  const doc = await readFile(join(repoRoot, 'docs/self-hosting.md'), 'utf8')
  const block = doc.split('```').find((part) => part.startsWith(`${language}\n${firstLine}\n`))
  if (!block) throw new Error(`docs/self-hosting.md has no ${language} block starting with ${firstLine}`)
  return block.slice(language.length + 1)
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function client(port: number, room: string): TestClient {
  const c = connectClient(`ws://127.0.0.1:${port}`, room, { saved: true })
  cleanups.push(() => c.destroy())
  return c
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok
  } catch {
    return false
  }
}

/** Types `text` and waits until the server says all of it is saved. */
async function typeAndSave(writer: TestClient, text: string): Promise<void> {
  writer.text.insert(writer.text.length, text)
  await waitFor(() => writer.saves.saved, `"${text}" to be saved`, 20_000)
}

describe('the systemd unit', () => {
  const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path))

  it.skipIf(!analyze)('passes systemd-analyze verify, without a warning, and keeps its hardening', async () => {
    const unit = await documented('ini', '# /etc/systemd/system/tandem.service')
    const dir = await tempDir('tandem-unit-')
    await writeFile(join(dir, 'tandem.service'), unit)
    const { stdout, stderr } = await run(analyze as string, ['verify', join(dir, 'tandem.service')])
    // systemd-analyze exits 0 on a line it ignores, but names it: anything printed is a mistake in the unit.
    expect(`${stdout}${stderr}`).toBe('')
    expect(unit).toMatch(/^NoNewPrivileges=true$/m)
    expect(unit).toMatch(/^ProtectSystem=strict$/m)
    const dataDir = /DATA_DIR=(\S+)/.exec(unit)?.[1]
    expect(unit).toContain(`ReadWritePaths=${dataDir}`)
  })

  it('runs its command with its environment, and stops cleanly on its signal within its stop timeout', async () => {
    const unit = await documented('ini', '# /etc/systemd/system/tandem.service')
    const setting = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1] ?? ''
    const [dataDir, port] = [await tempDir('tandem-unit-data-'), await freePort()]
    const env = Object.fromEntries(
      setting('Environment')
        .split(' ')
        .map((pair) => pair.split('=') as [string, string]),
    )
    const [node, ...args] = setting('ExecStart').replace('/opt/tandem', repoRoot).split(' ')
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env, DATA_DIR: dataDir, PORT: String(port) },
      stdio: 'ignore',
    })
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'))
    expect(node).toBe('/usr/bin/node')
    await waitFor(() => healthy(port), 'the service to answer', 20_000)
    const writer = client(port, 'unit/doc')
    await writer.synced()
    await typeAndSave(writer, 'kept by the unit')

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    const started = Date.now()
    child.kill(setting('KillSignal') as NodeJS.Signals)
    expect(await exited).toBe(0)
    expect(Date.now() - started).toBeLessThan(Number(setting('TimeoutStopSec')) * 1000)
    expect(await storedText(dataDir, 'unit/doc')).toBe('kept by the unit')
  })
})

describe('the PM2 ecosystem file', () => {
  it('is restarted after kill -9 and reloaded gracefully, losing nothing acknowledged, and logs where the docs say', async () => {
    const ecosystem = await documented('js', '// /opt/tandem/ecosystem.config.cjs')
    const [home, dataDir, port] = [
      await tempDir('tandem-pm2-home-'),
      await tempDir('tandem-pm2-data-'),
      await freePort(),
    ]
    const file = join(home, 'ecosystem.config.cjs')
    await writeFile(
      file,
      ecosystem
        .replace(
          "script: 'apps/server/bin/tandem.js'",
          `script: ${JSON.stringify(join(repoRoot, 'apps/server/bin/tandem.js'))}`,
        )
        .replace("PORT: '1234'", `PORT: '${port}'`)
        .replace("DATA_DIR: '/var/lib/tandem'", `DATA_DIR: ${JSON.stringify(dataDir)}`),
    )
    const pm2Bin = join(repoRoot, 'apps/server/node_modules/.bin/pm2')
    const pm2 = (...args: string[]) =>
      run(pm2Bin, args, { cwd: repoRoot, env: { ...process.env, PM2_HOME: home }, timeout: 60_000 })
    cleanups.push(() => pm2('kill').catch(() => {}))
    const processes = async () =>
      JSON.parse((await pm2('jlist')).stdout) as {
        name: string
        pid: number
        pm2_env: { status: string; restart_time: number }
      }[]
    const tandem = async () => (await processes()).find((entry) => entry.name === 'tandem')

    await pm2('start', file)
    await waitFor(() => healthy(port), 'Tandem under PM2 to answer', 30_000)
    const writer = client(port, 'pm2/doc')
    await writer.synced()
    await typeAndSave(writer, 'before the crash.')

    // kill -9: PM2 starts it again; the client reconnects on its own and goes on.
    const crashed = (await tandem())?.pid as number
    process.kill(crashed, 'SIGKILL')
    await waitFor(
      async () => {
        const entry = await tandem()
        return entry?.pm2_env.status === 'online' && entry.pid !== crashed && (await healthy(port))
      },
      'PM2 to restart Tandem',
      30_000,
    )
    expect((await tandem())?.pm2_env.restart_time).toBe(1)
    await waitFor(() => writer.provider.wsconnected, 'the client to reconnect', 20_000)
    await typeAndSave(writer, ' After the crash.')

    // pm2 reload: Tandem is stopped with a signal and saves everything; a person typing meanwhile loses nothing.
    const reloading = pm2('reload', 'tandem')
    writer.text.insert(writer.text.length, ' During the reload.')
    await reloading
    await waitFor(() => writer.provider.wsconnected, 'the client to reconnect after the reload', 20_000)
    await typeAndSave(writer, ' After the reload.')
    const text = 'before the crash. After the crash. During the reload. After the reload.'
    expect(writer.text.toString()).toBe(text)
    await pm2('stop', 'tandem')
    expect(await storedText(dataDir, 'pm2/doc')).toBe(text)

    // Tandem's JSON log lines land in PM2's log files, as the docs say.
    const log = join(home, 'logs', 'tandem-out-0.log')
    const lines = async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean)
    // PM2's daemon writes the lines as they come through its pipe: the last may land just after `pm2 stop`.
    await waitFor(
      async () => (await lines()).some((line) => line.includes('stopped; every document is saved')),
      'the last log line',
    )
    const messages = (await lines()).map((line) => (JSON.parse(line) as { msg: string }).msg)
    expect(messages.filter((msg) => msg.startsWith(`listening on http://127.0.0.1:${port}`))).toHaveLength(3)
    expect(messages.filter((msg) => msg === 'stopped; every document is saved')).toHaveLength(2)
  })
})
