/**
 * The nginx configurations the documentation shows, run for real: the `nginx` block of docs/self-hosting.md in
 * front of one Tandem process, and the one of docs/scaling.md in front of two instances on PostgreSQL and
 * Redis. TLS is left out (the test has no certificate): `listen 443 ssl` becomes a plain loopback port.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import {
  freePort,
  type PostgresServer,
  type RedisServer,
  repoRoot,
  startPostgres,
  startRedis,
  startTandem,
  type TandemProcess,
  useTestClients,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

const cleanups: (() => Promise<unknown>)[] = []
const { connect } = useTestClients()

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function findNginx(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']
  const found = [process.env.NGINX, ...dirs.map((dir) => dir && join(dir, 'nginx'))].find(
    (path) => path && existsSync(path),
  )
  if (!found) {
    throw new Error(
      'These tests need nginx. Install it (Debian/Ubuntu: `apt-get install nginx`) or set NGINX to its path.',
    )
  }
  return found
}

/** The first ```nginx block of a document, with TLS replaced by a plain port and `upstreams` as its servers. */
function documentedConfig(doc: string, port: number, upstreams: readonly number[]): string {
  const text = readFileSync(join(repoRoot, 'docs', doc), 'utf8')
  const block = /```nginx\n([\s\S]*?)```/.exec(text)?.[1]
  if (!block) throw new Error(`docs/${doc} has no nginx block`)
  let servers = 0
  const config = block
    // The port-80 redirect needs port 80: left out.
    .replace(/server \{\n\s+listen 80;[\s\S]*?\n\}\n/, '')
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port};`)
    .replace(/^\s*ssl_certificate.*\n/gm, '')
    .replace(/^(\s*)server [\d.]+:\d+(.*)$/gm, (_, indent: string, rest: string) => {
      const upstream = upstreams[servers++]
      return upstream === undefined ? '' : `${indent}server 127.0.0.1:${upstream}${rest}`
    })
  expect(servers, `the servers of docs/${doc}'s upstream`).toBeGreaterThanOrEqual(upstreams.length)
  return config
}

/** Runs nginx in the foreground with `httpBlock` inside its `http` block; resolves once it answers on `port`. */
async function startNginx(httpBlock: string, port: number): Promise<void> {
  const nginx = findNginx()
  const prefix = await mkdtemp(join(tmpdir(), 'tandem-nginx-'))
  await mkdir(join(prefix, 'logs'))
  const asRoot = process.getuid?.() === 0
  const conf = [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'logs/error.log')} warn;`,
    ...(asRoot ? ['user root;'] : []),
    'events { worker_connections 256; }',
    'http {',
    `  access_log off;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(prefix, kind)};`),
    httpBlock,
    '}',
  ].join('\n')
  const confPath = join(prefix, 'nginx.conf')
  await writeFile(confPath, conf)
  const check = spawnSync(nginx, ['-t', '-p', prefix, '-c', confPath], { encoding: 'utf8' })
  expect(check.status, `nginx -t:\n${check.stderr}`).toBe(0)
  const child = spawn(nginx, ['-p', prefix, '-c', confPath], { stdio: 'ignore' })
  cleanups.push(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    await rm(prefix, { recursive: true, force: true })
  })
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok === true,
    'nginx to answer',
  )
}

describe('docs/self-hosting.md: nginx in front of one Tandem process', () => {
  it('passes HTTP and WebSocket through, and two people edit together through it', async () => {
    const tandem = await startTandem()
    cleanups.push(() => tandem.dispose())
    const port = await freePort()
    await startNginx(documentedConfig('self-hosting.md', port, [tandem.port]), port)

    expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: 'ready', store: 'ok' })
    const [a, b] = [
      connect(`ws://127.0.0.1:${port}`, 'through-nginx'),
      connect(`ws://127.0.0.1:${port}`, 'through-nginx'),
    ]
    await Promise.all([a.synced(), b.synced()])
    a.text.insert(0, 'hello through nginx')
    await waitFor(() => b.text.toString() === 'hello through nginx', 'the edit to cross nginx')
  })
})

describe('docs/scaling.md: nginx in front of two instances on PostgreSQL and Redis', () => {
  let postgres: PostgresServer
  let redis: RedisServer
  beforeAll(async () => {
    ;[postgres, redis] = await Promise.all([startPostgres({ fsync: false }), startRedis()])
  })
  afterAll(async () => {
    await Promise.all([postgres?.stop(), redis?.stop()])
  })

  it("routes a document's people to one instance, and to the other when that one dies, losing nothing", async () => {
    const databaseUrl = await postgres.createSchema()
    const instances = await Promise.all(
      [0, 1].map(() => startTandem({ args: ['--database-url', databaseUrl, '--redis-url', redis.url] })),
    )
    for (const instance of instances) cleanups.push(() => instance.dispose())
    const port = await freePort()
    await startNginx(
      documentedConfig(
        'scaling.md',
        port,
        instances.map((instance) => instance.port),
      ),
      port,
    )

    const url = `ws://127.0.0.1:${port}`
    // Tokens in the query do not change where a document goes: the hash is on its path.
    const people = [connect(url, 'hashed'), connect(url, 'hashed', { params: { t: 'x' } }), connect(url, 'hashed')]
    await Promise.all(people.map((person) => person.synced()))
    const connectionsOf = async (instance: TandemProcess) =>
      Number(/^tandem_connections (\d+)/m.exec(await (await fetch(`${instance.httpUrl}/metrics`)).text())?.[1])
    const counts = await Promise.all(instances.map(connectionsOf))
    expect(counts.sort()).toEqual([0, 3])
    const home = instances[(await connectionsOf(instances[0] as TandemProcess)) === 3 ? 0 : 1] as TandemProcess

    people[0]?.text.insert(0, 'before. ')
    await waitFor(() => people.every((person) => person.text.toString() === 'before. '), 'the first edit')
    await home.kill()
    people[1]?.text.insert(people[1].text.length, 'after.')
    await waitFor(
      () => people.every((person) => person.provider.wsconnected && person.text.toString() === 'before. after.'),
      'everyone to reconnect through nginx to the other instance and converge',
      20_000,
    )
  }, 60_000)
})
