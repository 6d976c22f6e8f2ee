/**
 * The nginx configurations the documentation shows, run for real: the `nginx` block of docs/self-hosting.md with
 * its TLS lines, a self-signed certificate in place of Let's Encrypt's, in front of one Tandem process (wss://,
 * the redirect from plain HTTP, heartbeats against the proxy's read timeout), and the one of docs/scaling.md,
 * TLS left out, in front of two instances on PostgreSQL and Redis. Only ports, paths and, where a test says so,
 * timeouts are changed.
 */
import { X509Certificate } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import {
  type DocumentedNginxOptions,
  documentedNginxConfig,
  freePort,
  makeCertificate,
  type PostgresServer,
  type RedisServer,
  startNginx,
  startPostgres,
  startRedis,
  startTandem,
  storedText,
  type TandemProcess,
  type TestCertificate,
  useTestClients,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'

const cleanups: (() => Promise<unknown>)[] = []
const { connect, openRaw } = useTestClients()

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** What a GET over HTTPS answered, and whether the certificate nginx presented was verified against `ca`. */
function httpsGet(url: string, ca: string) {
  return new Promise<{ status: number; body: string; authorized: boolean; fingerprint: string }>((resolve, reject) => {
    get(url, { ca }, (response) => {
      const socket = response.socket as TLSSocket
      const { authorized } = socket
      const fingerprint = socket.getPeerCertificate().fingerprint256
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        body += chunk
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, authorized, fingerprint }))
    }).on('error', reject)
  })
}

/** A name for the site that is not localhost, so that the server's localhost exception to its origin check is out. */
const siteName = 'tandem.test'

/** A number from a Tandem process's `/metrics`. */
async function metric(tandem: TandemProcess, name: string): Promise<number> {
  const text = await (await fetch(`${tandem.httpUrl}/metrics`)).text()
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1])
}

describe('docs/self-hosting.md: nginx with TLS in front of one Tandem process', () => {
  let certificate: TestCertificate
  let certificateDir: string
  beforeAll(async () => {
    certificateDir = await mkdtemp(join(tmpdir(), 'tandem-tls-'))
    certificate = await makeCertificate(certificateDir, [siteName])
  })
  afterAll(async () => {
    await rm(certificateDir, { recursive: true, force: true })
  })

  /** The documented block in front of Tandem on `upstream`, TLS on one free port and the redirect on another. */
  async function proxy(upstream: number, directives?: DocumentedNginxOptions['directives']) {
    const [port, redirectPort] = [await freePort(), await freePort()]
    const config = documentedNginxConfig('self-hosting.md', {
      port,
      redirectPort,
      upstreams: [upstream],
      tls: certificate,
      directives,
    })
    const nginx = await startNginx(config, [port, redirectPort])
    cleanups.push(() => nginx.stop())
    return {
      nginx,
      port,
      https: `https://127.0.0.1:${port}`,
      wss: `wss://127.0.0.1:${port}`,
      http: `http://127.0.0.1:${redirectPort}`,
    }
  }

  it('serves HTTPS and wss:// with its certificate; two people edit together through it and the edits are saved', async () => {
    const tandem = await startTandem()
    cleanups.push(() => tandem.dispose())
    const { https, wss } = await proxy(tandem.port)

    const ready = await httpsGet(`${https}/readyz`, certificate.pem)
    expect(ready).toMatchObject({ status: 200, authorized: true })
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', store: 'ok' })
    // The certificate presented is the one the configuration names, not some default of nginx.
    expect(ready.fingerprint).toBe(new X509Certificate(certificate.pem).fingerprint256)
    // A client that does not trust it is refused: this is TLS, verified, not plain HTTP on another port.
    await expect(openRaw(wss, 'through-nginx')).rejects.toThrow(/self[- ]signed certificate/)

    const [a, b] = [
      connect(wss, 'through-nginx', { ca: certificate.pem, saved: true }),
      connect(wss, 'through-nginx', { ca: certificate.pem }),
    ]
    await Promise.all([a.synced(), b.synced()])
    a.text.insert(0, 'hello over wss')
    await waitFor(() => b.text.toString() === 'hello over wss', 'the edit to cross nginx')
    await waitFor(() => a.saves.sent > 0 && a.saves.saved, 'the saved acknowledgement through nginx')
    expect(await storedText(tandem.dataDir, 'through-nginx')).toBe('hello over wss')
  })

  it("passes the browser's Host, port included: the site's own origin on a port other than 443 is let in, another is refused", async () => {
    const tandem = await startTandem()
    cleanups.push(() => tandem.dispose())
    const { wss, port } = await proxy(tandem.port)
    // What a browser at https://tandem.test:<port> sends; the certificate is checked against the name (SNI).
    const site = { ca: certificate.pem, servername: siteName, headers: { Host: `${siteName}:${port}` } }

    await expect(openRaw(wss, 'foreign', { ...site, origin: 'https://evil.test' })).rejects.toThrow(
      'upgrade refused with 403',
    )
    // Refused before anything was opened: no connection, no document loaded.
    expect(await metric(tandem, 'tandem_connections')).toBe(0)
    expect(await metric(tandem, 'tandem_documents_loaded')).toBe(0)

    const origin = `https://${siteName}:${port}`
    // 101, not 403 as with nginx's `$host`, which drops the port.
    const upgraded = await openRaw(wss, 'own-origin', { ...site, origin })
    upgraded.ws.close()
    await upgraded.closed
    const own = connect(wss, 'own-origin', { ...site, headers: { ...site.headers, Origin: origin }, saved: true })
    await own.synced()
    own.text.insert(0, 'from the site itself')
    await waitFor(() => own.saves.sent > 0 && own.saves.saved, 'the saved acknowledgement through nginx')
    expect(await storedText(tandem.dataDir, 'own-origin')).toBe('from the site itself')
    await waitFor(async () => (await metric(tandem, 'tandem_connections')) === 1, "one connection, the client's")
  })

  it('redirects plain HTTP to the same address over HTTPS', async () => {
    // Nothing listens behind it: the redirect is nginx's own answer and never reaches Tandem.
    const { http } = await proxy(await freePort())

    const response = await fetch(`${http}/d/notes?from=mail`, { redirect: 'manual' })
    expect(response.status).toBe(301)
    // `$host` is the name the client asked for, here 127.0.0.1; the documented server listens on 443.
    expect(response.headers.get('location')).toBe('https://127.0.0.1/d/notes?from=mail')
  })

  it("keeps an idle WebSocket open with pings below nginx's read timeout, and nginx cuts it without them", async () => {
    // proxy_read_timeout 2s instead of 60s; pings every 0.5 s (below it) on one server, every 30 s on the other.
    const readTimeoutMs = 2000
    const directives = { proxy_read_timeout: `${readTimeoutMs / 1000}s` }
    const [pinging, quiet] = await Promise.all([
      startTandem({ args: ['--ping-interval', '500'] }),
      startTandem({ args: ['--ping-interval', '30000'] }),
    ])
    cleanups.push(
      () => pinging.dispose(),
      () => quiet.dispose(),
    )
    const [toPinging, toQuiet] = await Promise.all([proxy(pinging.port, directives), proxy(quiet.port, directives)])

    // Raw sockets that send nothing after the upgrade: the server's pings are the only traffic.
    const opened = Date.now()
    const [kept, cut] = await Promise.all([
      openRaw(toPinging.wss, 'idle', { ca: certificate.pem }),
      openRaw(toQuiet.wss, 'idle', { ca: certificate.pem }),
    ])
    let pings = 0
    kept.ws.on('ping', () => pings++)
    let keptClosed = false
    void kept.closed.then(() => {
      keptClosed = true
    })

    // Without pings nginx closes the connection once the server has been silent for proxy_read_timeout:
    // abruptly (1006, no close frame), well before the server's own next ping.
    const closed = await Promise.race([
      cut.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('nginx did not cut the quiet socket')), 15_000),
      ),
    ])
    const cutAfter = Date.now() - opened
    expect(closed.code).toBe(1006)
    expect(cutAfter).toBeGreaterThanOrEqual(readTimeoutMs - 100)
    expect(cutAfter).toBeLessThan(30_000)
    await waitFor(async () => /upstream timed out/.test(await toQuiet.nginx.errorLog()), "nginx's log of the timeout")

    // Waiting out more than twice the read timeout shows that nothing closes the pinged socket in that time.
    const survive = 2 * readTimeoutMs + 500
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, opened + survive - Date.now())))
    expect(keptClosed).toBe(false)
    expect(kept.ws.readyState).toBe(WebSocket.OPEN)
    expect(pings).toBeGreaterThanOrEqual(Math.floor(survive / 500) - 2)
    // And it still carries traffic: the next ping arrives.
    const before = pings
    await waitFor(() => pings > before, 'another ping through nginx')
    expect(await toPinging.nginx.errorLog()).not.toMatch(/upstream timed out/)
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
    const config = documentedNginxConfig('scaling.md', {
      port,
      upstreams: instances.map((instance) => instance.port),
    })
    const nginx = await startNginx(config, [port])
    cleanups.push(() => nginx.stop())

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
