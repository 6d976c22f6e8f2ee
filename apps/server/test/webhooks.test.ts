/**
 * Webhooks of the real server process, delivered to a real HTTP receiver: signed as docs/self-hosting.md says
 * (checked with the snippet printed there), the exact payloads of document.created and document.changed (one
 * event for a run of edits by two people, naming both), retries of the same event after 500s, and editing that
 * stays acknowledged while the receiver never answers.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TokenAuthority } from '@tandem/server-koa'
import {
  connectClient,
  type ReceivedDelivery,
  repoRoot,
  startTandem,
  startWebhookReceiver,
  type TandemProcess,
  type TestClient,
  type WebhookReceiver,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readMetric } from './support/probes.js'

const secret = 'a-test-secret-that-is-long-enough-for-hs256-0123456789'
const webhookSecret = 'whsec-for-tests-0123456789'
let authority: TokenAuthority
type Verify = (secret: string, header: string | undefined, body: string, now?: number) => boolean
let verify: Verify
let snippetDir: string
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => {
  authority = await TokenAuthority.create({ secret })
  // The verification snippet of docs/self-hosting.md, as a receiver would paste it.
  const doc = await readFile(join(repoRoot, 'docs/self-hosting.md'), 'utf8')
  const snippet = /<!-- webhook-verify -->\n```js\n([\s\S]*?)```/.exec(doc)?.[1]
  if (!snippet) throw new Error('docs/self-hosting.md has no <!-- webhook-verify --> snippet')
  snippetDir = await mkdtemp(join(tmpdir(), 'tandem-webhook-'))
  await writeFile(join(snippetDir, 'verify.mjs'), snippet)
  verify = ((await import(pathToFileURL(join(snippetDir, 'verify.mjs')).href)) as { verifyTandemSignature: Verify })
    .verifyTandemSignature
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await rm(snippetDir, { recursive: true, force: true })
})

const mint = async (sub: string) => (await authority.mint({ sub, name: sub, docs: ['*'], access: 'write' }, 3600)).token

async function receiver(...args: Parameters<typeof startWebhookReceiver>): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(...args)
  cleanups.push(() => started.close())
  return started
}

async function tandem(hook: WebhookReceiver, args: string[]): Promise<TandemProcess> {
  const server = await startTandem({
    args: ['--auth', 'token', '--webhook-url', hook.url, '--max-connections-per-minute', '100000', ...args],
    env: { TANDEM_SECRET: secret, TANDEM_WEBHOOK_SECRET: webhookSecret },
  })
  cleanups.push(() => server.dispose())
  return server
}

function client(server: TandemProcess, room: string, token: string): TestClient {
  const c = connectClient(server.url, room, { params: { token }, saved: true })
  cleanups.push(() => c.destroy())
  return c
}

const events = (hook: WebhookReceiver) => hook.deliveries.map((d) => JSON.parse(d.body) as Record<string, unknown>)
const eventsOf = (hook: WebhookReceiver, type: string, name: string) =>
  events(hook).filter((e) => e.type === type && (e.document as { name: string }).name === name)

function expectSigned(delivery: ReceivedDelivery): void {
  const header = delivery.headers['tandem-signature'] as string | undefined
  expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
  expect(verify(webhookSecret, header, delivery.body)).toBe(true)
  expect(verify('another-secret', header, delivery.body)).toBe(false)
  expect(verify(webhookSecret, header, `${delivery.body} `)).toBe(false)
  expect(verify(webhookSecret, header, delivery.body, Date.now() + 600_000)).toBe(false)
}

const api = (server: TandemProcess, method: string, path: string, token: string, body: string) =>
  fetch(`${server.httpUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain; charset=utf-8' },
    body,
  })

describe('events', () => {
  it('sends document.created for a duplicate and document.deleted for the trash and a purge, naming who did it', async () => {
    const hook = await receiver()
    const server = await startTandem({
      args: ['--auth', 'token', '--webhook-url', hook.url, '--max-connections-per-minute', '100000'],
      env: {
        TANDEM_SECRET: secret,
        TANDEM_WEBHOOK_SECRET: webhookSecret,
        TANDEM_ADMIN_KEY: 'admin-key-for-tests-0123456789',
      },
    })
    cleanups.push(() => server.dispose())
    const alice = await mint('alice')
    expect((await api(server, 'PUT', '/api/docs/source/text', alice, 'Some text')).status).toBe(201)
    await waitFor(() => eventsOf(hook, 'document.created', 'source').length === 1, 'the created event', 20_000)
    const json = (method: string, path: string, body: unknown) =>
      fetch(`${server.httpUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect((await json('POST', '/api/docs/source/duplicate', { to: 'copy' })).status).toBe(201)
    expect((await json('DELETE', '/api/docs/source', {})).status).toBe(200)
    const purge = await fetch(`${server.httpUrl}/api/docs/copy?permanent=1`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer admin-key-for-tests-0123456789' },
    })
    expect(purge.status).toBe(200)
    await waitFor(() => eventsOf(hook, 'document.deleted', 'copy').length === 1, 'the purge event', 20_000)

    expect(eventsOf(hook, 'document.created', 'copy')).toEqual([
      expect.objectContaining({ document: { name: 'copy' }, authors: ['user:alice'] }),
    ])
    expect(eventsOf(hook, 'document.deleted', 'source')).toEqual([
      expect.objectContaining({ document: { name: 'source' }, trashed: true, authors: ['user:alice'] }),
    ])
    expect(eventsOf(hook, 'document.deleted', 'copy')).toEqual([
      expect.objectContaining({ document: { name: 'copy' }, permanent: true, authors: [] }),
    ])
    for (const delivery of hook.deliveries) expectSigned(delivery)
  })

  it('sends document.created, then one document.changed for a run of edits by two people, signed', async () => {
    const hook = await receiver()
    // Long enough that a loaded machine's pauses between the edits below stay within one debounce.
    const server = await tandem(hook, ['--webhook-debounce', '3000', '--unload-delay', '60000'])
    const alice = client(server, 'team/plan', await mint('alice'))
    await alice.synced()
    for (const word of ['Plan', ': ', 'ship', ' it']) {
      alice.text.insert(alice.text.length, word)
      await waitFor(() => alice.saves.saved, 'an edit to be saved')
    }
    const bob = await mint('bob')
    expect((await api(server, 'POST', '/api/docs/team%2Fplan/append', bob, ' — ünï ✓')).status).toBe(200)
    expect((await api(server, 'POST', '/api/docs/team%2Fplan/append', bob, '!')).status).toBe(200)
    await waitFor(() => eventsOf(hook, 'document.changed', 'team/plan').length === 1, 'document.changed', 20_000)

    const [created, changed] = events(hook)
    expect(events(hook)).toHaveLength(2)
    expect(created).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f-]{36}$/),
      type: 'document.created',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      document: { name: 'team/plan' },
    })
    const text = 'Plan: ship it — ünï ✓!'
    expect(changed).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f-]{36}$/),
      type: 'document.changed',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      document: { name: 'team/plan', size: Buffer.byteLength(text), length: text.length },
      authors: ['user:alice', 'user:bob'],
    })
    for (const delivery of hook.deliveries) {
      expectSigned(delivery)
      const event = JSON.parse(delivery.body) as { id: string; type: string }
      expect(delivery.headers['content-type']).toBe('application/json')
      expect(delivery.headers['tandem-event']).toBe(event.type)
      expect(delivery.headers['tandem-delivery']).toBe(event.id)
      expect(delivery.headers['tandem-attempt']).toBe('1')
    }

    // The next edit starts a new run: its event names only its own author.
    expect((await api(server, 'PUT', '/api/docs/team%2Fplan/text', bob, 'Plan: later')).status).toBe(200)
    await waitFor(() => eventsOf(hook, 'document.changed', 'team/plan').length === 2, 'a second event', 20_000)
    expect(eventsOf(hook, 'document.changed', 'team/plan')[1]).toMatchObject({
      document: { name: 'team/plan', size: 11, length: 11 },
      authors: ['user:bob'],
    })
    expect(eventsOf(hook, 'document.created', 'team/plan')).toHaveLength(1)
    expect(await readMetric(server.httpUrl, 'tandem_webhook_deliveries_total', { result: 'delivered' })).toBe(3)
  })

  it('retries an event the receiver answered 500 twice, with the same id, counting the attempts', async () => {
    const hook = await receiver((_delivery, index) => (index < 2 ? 500 : 200))
    // One event only: no document.changed, which waits out the debounce, or goes at once when the document unloads.
    const server = await tandem(hook, ['--webhook-debounce', '60000', '--unload-delay', '60000'])
    expect((await api(server, 'PUT', '/api/docs/retried/text', await mint('carol'), 'hello')).status).toBe(201)
    await waitFor(() => hook.deliveries.length === 3, 'the third attempt', 20_000)
    const ids = events(hook).map((event) => event.id)
    expect(new Set(ids).size).toBe(1)
    expect(events(hook)[0]).toMatchObject({ type: 'document.created', document: { name: 'retried' } })
    expect(hook.deliveries.map((d) => d.headers['tandem-attempt'])).toEqual(['1', '2', '3'])
    for (const delivery of hook.deliveries) expectSigned(delivery)
    // Backed off: about 1 s, then about 2 s (each with jitter down to half).
    const [first, second, third] = hook.deliveries.map((d) => d.at) as [number, number, number]
    expect(second - first).toBeGreaterThanOrEqual(450)
    expect(third - second).toBeGreaterThanOrEqual(950)
    await expect
      .poll(() => readMetric(server.httpUrl, 'tandem_webhook_deliveries_total', { result: 'delivered' }))
      .toBe(1)
    expect(await readMetric(server.httpUrl, 'tandem_webhook_deliveries_total', { result: 'retried' })).toBe(2)
    expect(await readMetric(server.httpUrl, 'tandem_webhook_attempts_total', { outcome: 'http-error' })).toBe(2)
    expect(await readMetric(server.httpUrl, 'tandem_webhook_attempts_total', { outcome: 'ok' })).toBe(1)
    expect(await readMetric(server.httpUrl, 'tandem_webhook_attempt_seconds_count')).toBe(3)
  })
})

describe('a receiver that never answers', () => {
  it('never holds up editing: every edit is acknowledged as saved while events time out and are dropped', async () => {
    const hook = await receiver(() => 'hang')
    const server = await tandem(hook, [
      '--webhook-debounce',
      '0',
      '--webhook-timeout',
      '300',
      '--webhook-queue-size',
      '3',
    ])
    const writers = await Promise.all(
      ['dana', 'eli'].map(async (who) => {
        const c = client(server, `hang/${who}`, await mint(who))
        await c.synced()
        return c
      }),
    )
    // Each edit waits for its saved acknowledgement before the next: every one of them must come.
    await Promise.all(
      writers.map(async (writer, n) => {
        for (let i = 0; i < 40; i++) {
          writer.text.insert(writer.text.length, `${n}:${i} `)
          await waitFor(() => writer.saves.saved, `edit ${i} of writer ${n} to be saved`)
        }
      }),
    )
    await expect
      .poll(() => readMetric(server.httpUrl, 'tandem_webhook_deliveries_total', { result: 'dropped' }), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0)
    await expect
      .poll(() => readMetric(server.httpUrl, 'tandem_webhook_attempts_total', { outcome: 'timeout' }), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0)
    expect(await readMetric(server.httpUrl, 'tandem_webhook_deliveries_total', { result: 'delivered' })).toBe(0)
    expect(await readMetric(server.httpUrl, 'tandem_webhook_pending')).toBeLessThanOrEqual(3)
    // Four in flight at most: the receiver saw at most that many at once before the first timeout.
    expect(hook.deliveries.length).toBeGreaterThan(0)
  })
})
