/**
 * The web app's files as the real server process serves them: the build's precompressed copies sent to the
 * browsers that accept them, and the answers to document pages with a bad or absurdly long name and to unknown
 * paths.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { type IncomingHttpHeaders, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import { startTandem, type TandemProcess } from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawUpgrade } from './support/probes.js'

const INDEX =
  '<!doctype html><html><head><title>Tandem</title></head><body><div id="app"></div>' +
  '<script type="module" src="/assets/index-abc123.js"></script></body></html>'
/** A script large enough to be worth compressing, as the build writes it. */
const SCRIPT = Buffer.from(
  Array.from({ length: 400 }, (_, i) => `export const value${i} = ${i} * 2\n`).join(''),
  'utf8',
)
const SCRIPT_PATH = '/assets/index-abc123.js'

interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

let server: TandemProcess
let root: string

/** One request with Node's http client, which (unlike fetch) leaves the body as the server encoded it. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      )
      response.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-static-'))
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), INDEX)
  await writeFile(join(root, 'assets', 'index-abc123.js'), SCRIPT)
  await writeFile(join(root, 'assets', 'index-abc123.js.br'), brotliCompressSync(SCRIPT))
  await writeFile(join(root, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT, { level: 9 }))
  server = await startTandem({ args: ['--web-dir', root] })
})
afterAll(async () => {
  await server?.dispose()
  await rm(root, { recursive: true, force: true })
})

describe('precompressed files', () => {
  it('sends brotli, gzip or the file itself as the request accepts, each decoding to the same bytes', async () => {
    const br = await raw(SCRIPT_PATH, { 'Accept-Encoding': 'gzip, deflate, br, zstd' })
    const gz = await raw(SCRIPT_PATH, { 'Accept-Encoding': 'gzip, br;q=0' })
    const identity = await raw(SCRIPT_PATH, {})
    const answers = [
      [br, 'br', brotliDecompressSync],
      [gz, 'gzip', gunzipSync],
      [identity, undefined, (bytes: Buffer) => bytes],
    ] as const
    for (const [response, encoding, decode] of answers) {
      expect(response.status).toBe(200)
      expect(response.headers['content-encoding']).toBe(encoding)
      expect(response.headers.vary).toBe('Accept-Encoding')
      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8')
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(response.headers['content-length']).toBe(String(response.body.byteLength))
      expect(decode(response.body).equals(SCRIPT)).toBe(true)
    }
    expect(br.body.byteLength).toBeLessThan(gz.body.byteLength)
    expect(gz.body.byteLength).toBeLessThan(SCRIPT.byteLength)
    const etags = answers.map(([response]) => response.headers.etag)
    expect(new Set(etags).size).toBe(3)
  })

  it('answers HEAD with the headers of GET, and If-None-Match of the same encoding with 304', async () => {
    const accept = { 'Accept-Encoding': 'br' }
    const get = await raw(SCRIPT_PATH, accept)
    const head = await raw(SCRIPT_PATH, accept, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.body.byteLength).toBe(0)
    for (const name of ['content-encoding', 'content-length', 'etag', 'vary', 'content-type']) {
      expect(head.headers[name], name).toBe(get.headers[name])
    }
    const etag = get.headers.etag as string
    const fresh = await raw(SCRIPT_PATH, { ...accept, 'If-None-Match': etag })
    expect(fresh.status).toBe(304)
    expect(fresh.body.byteLength).toBe(0)
    // The brotli copy's tag does not validate the gzip copy.
    const other = await raw(SCRIPT_PATH, { 'Accept-Encoding': 'gzip', 'If-None-Match': etag })
    expect(other.status).toBe(200)
    expect(other.headers['content-encoding']).toBe('gzip')
  })
})

describe('document pages and unknown paths', () => {
  it('answers a 20 KB document name with 414 and the page saying the name is too long', async () => {
    const response = await raw(`/d/${'n'.repeat(20_000)}`, { Accept: 'text/html' })
    expect(response.status).toBe(414)
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
    const page = response.body.toString('utf8')
    expect(page).toContain('<h1>This link does not open a document</h1>')
    expect(page).toContain('<p class="lead">The document name is longer than 200 characters.</p>')
    expect(page).toContain('src="/assets/index-abc123.js"')
  })

  it.each([
    ['/d/team/a%20b', 'The document name has a character outside A-Z a-z 0-9 - _ . ~ @ : + = and /.'],
    ['/d/a//b', 'The document name has an empty segment (a leading, trailing or double &#34;/&#34;).'],
    ['/d/%E0%A4%A', 'The document name is not valid percent-encoding.'],
  ])('answers %s with 400 and the page saying what is wrong', async (path, sentence) => {
    const response = await raw(path, { Accept: 'text/html' })
    expect(response.status).toBe(400)
    expect(response.body.toString('utf8')).toContain(`<p class="lead">${sentence}</p>`)
  })

  it('answers a valid name with the app, and an unknown file with 404', async () => {
    const page = await raw('/d/team/notes')
    expect(page.status).toBe(200)
    expect(page.body.toString('utf8')).toBe(INDEX)
    expect((await raw('/assets/missing-123.js')).status).toBe(404)
    expect((await raw('/nothing-here', { Accept: 'text/html' })).status).toBe(404)
  })

  it('still refuses a WebSocket upgrade of a 20 KB name with 400 before the handshake', async () => {
    const response = await rawUpgrade(server.port, `/${'n'.repeat(20_000)}`)
    expect(response.status).toBe(400)
    expect(response.body).toBe('Invalid document name: the document name is longer than 200 characters.\n')
  })
})
