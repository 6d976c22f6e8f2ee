/**
 * The HTTP routes of the real server process: health, readiness, metrics, the document API, and the answers to
 * wrong methods, wrong names and unknown paths.
 */
import { connectClient, startTandem, type TandemProcess, type TestClient, waitFor } from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { metricValue, readMetric, scrapeMetrics } from './support/probes.js'

let server: TandemProcess
const clients: TestClient[] = []
const connect = (...args: Parameters<typeof connectClient>) => {
  const client = connectClient(...args)
  clients.push(client)
  return client
}

beforeAll(async () => {
  // Documents unload as soon as their last client leaves, so the gauges return to 0 between tests.
  server = await startTandem({ args: ['--unload-delay', '0'] })
})
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await expect.poll(() => readMetric(server.httpUrl, 'tandem_connections')).toBe(0)
  await expect.poll(() => readMetric(server.httpUrl, 'tandem_documents_loaded')).toBe(0)
})
afterAll(async () => {
  await server?.dispose()
})

const get = (path: string, init?: RequestInit) => fetch(`${server.httpUrl}${path}`, init)

/** Writes `text` into `room` through a stock client that waits for Tandem's saved acknowledgement. */
async function writeDocument(room: string, text: string): Promise<TestClient> {
  const client = connect(server.url, room, { saved: true })
  await client.synced()
  client.text.insert(0, text)
  await waitFor(() => client.saves.saved, `the edit to ${room} to be saved`)
  return client
}

describe('health and readiness', () => {
  it('GET /healthz answers 200 with {status: "ok"}', async () => {
    const response = await get('/healthz')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('GET /readyz answers 200 with the store ok', async () => {
    const response = await get('/readyz')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(await response.json()).toEqual({ status: 'ready', store: 'ok' })
  })

  it('HEAD /healthz answers 200 with no body', async () => {
    const response = await get('/healthz', { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
})

describe('GET /metrics', () => {
  it("serves Prometheus text with Tandem's series and the process's", async () => {
    const response = await get('/metrics')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await response.text()
    expect(text).toContain('# TYPE tandem_connections gauge\n')
    expect(text).toContain('# TYPE tandem_documents_loaded gauge\n')
    expect(text).toContain('# TYPE tandem_store_commit_seconds histogram\n')
    expect(text).toMatch(/^tandem_store_commit_seconds_bucket\{le="\+Inf"\} \d+$/m)
    expect(text).toContain('# TYPE tandem_errors_total counter\n')
    expect(metricValue(text, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024)
    expect(metricValue(text, 'tandem_connections')).toBe(0)
    expect(metricValue(text, 'tandem_documents_loaded')).toBe(0)
  })

  it('counts an open client and its document, and a commit', async () => {
    const commitsBefore = metricValue(await scrapeMetrics(server.httpUrl), 'tandem_store_commit_seconds_count')
    const client = await writeDocument('metrics/room', 'counted')
    const text = await scrapeMetrics(server.httpUrl)
    expect(metricValue(text, 'tandem_connections')).toBe(1)
    expect(metricValue(text, 'tandem_documents_loaded')).toBe(1)
    expect(metricValue(text, 'tandem_store_commit_seconds_count')).toBeGreaterThan(commitsBefore)

    const second = connect(server.url, 'metrics/other')
    await second.synced()
    const withTwo = await scrapeMetrics(server.httpUrl)
    expect(metricValue(withTwo, 'tandem_connections')).toBe(2)
    expect(metricValue(withTwo, 'tandem_documents_loaded')).toBe(2)
    client.destroy()
    await expect.poll(() => readMetric(server.httpUrl, 'tandem_connections')).toBe(1)
  })
})

describe('the document API', () => {
  it('GET /api/docs lists a document after an edit, with its size and last update', async () => {
    const before = Date.now()
    await writeDocument('team/notes', 'Meeting notes\n- ship it\n')
    const after = Date.now()

    const response = await get('/api/docs')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const { documents } = (await response.json()) as {
      documents: { name: string; size: number; updatedAt: string }[]
    }
    const entry = documents.find((doc) => doc.name === 'team/notes')
    expect(entry).toEqual({
      name: 'team/notes',
      title: null,
      size: expect.any(Number),
      updatedAt: expect.any(String),
      updatedBy: { id: 'ip:127.0.0.1', name: null, verified: false },
      historySize: expect.any(Number),
    })
    expect(entry!.size).toBeGreaterThan(0)
    expect(entry!.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(new Date(entry!.updatedAt).toISOString()).toBe(entry!.updatedAt)
    expect(new Date(entry!.updatedAt).getTime()).toBeGreaterThanOrEqual(before)
    expect(new Date(entry!.updatedAt).getTime()).toBeLessThanOrEqual(after)
    expect(documents.map((doc) => doc.name)).not.toContain('never/written')
  })

  it('GET /api/docs/team%2Fnotes/text answers the exact text as text/plain', async () => {
    const text = 'Line one\nLine two: ünïcödé ✓\n\ttabbed'
    await writeDocument('team/notes-text', text)
    const response = await get('/api/docs/team%2Fnotes-text/text')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(await response.text()).toBe(text)
  })

  it('reads the text of a stored document that is not loaded', async () => {
    const client = await writeDocument('team/unloaded', 'from storage')
    client.destroy()
    await expect.poll(() => readMetric(server.httpUrl, 'tandem_documents_loaded')).toBe(0)
    const response = await get('/api/docs/team%2Funloaded/text')
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('from storage')
  })

  it('answers 404 with a message for a document that does not exist', async () => {
    const response = await get('/api/docs/nobody%2Fhere/text')
    expect(response.status).toBe(404)
    expect(await response.text()).toBe('No document named "nobody/here".')
  })

  it.each([
    ['/api/docs/%E0%A4%A/text', 'The document name is not valid percent-encoding.'],
    ['/api/docs/a%2F..%2Fb/text', 'Invalid document name: the document name has a "." or ".." segment.'],
    [
      '/api/docs/a%2F%2Fb/text',
      'Invalid document name: the document name has an empty segment (a leading, trailing or double "/").',
    ],
    [
      '/api/docs/a%00b/text',
      'Invalid document name: the document name has a character outside A-Z a-z 0-9 - _ . ~ @ : + = and /.',
    ],
  ])('answers 400 with the reason for the badly encoded name in %s', async (path, message) => {
    const response = await get(path)
    expect(response.status).toBe(400)
    expect(await response.text()).toBe(message)
  })
})

describe('wrong methods and paths', () => {
  it.each(['/api/docs', '/api/docs/team%2Fnotes/text', '/healthz', '/metrics'])(
    'answers POST %s with 405 and an Allow header',
    async (path) => {
      const response = await get(path, { method: 'POST', body: 'x' })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD')
      expect(await response.text()).toBe(`POST is not allowed on ${path}; use GET.`)
    },
  )

  it('answers DELETE on a document with 405', async () => {
    const response = await get('/api/docs/team%2Fnotes/text', { method: 'DELETE' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD')
  })

  const notFound = 'Not found. Tandem serves documents over WebSocket at ws://HOST:PORT/<document>.\n'
  it.each([
    ['/no/such/thing', notFound],
    ['/api', notFound],
    ['/api/docs/nobody%2Fhere', 'No document named "nobody/here".'],
    ['/api/docs/team/notes/text', 'Use /api/docs/<URL-encoded document name>, with "/" in the name written as %2F.'],
  ])('answers GET %s with 404', async (path, body) => {
    const response = await get(path)
    expect(response.status).toBe(404)
    expect(await response.text()).toBe(body)
  })
})
