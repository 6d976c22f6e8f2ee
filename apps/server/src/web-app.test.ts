import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readServeConfig } from './config.js'
import { DEFAULT_WEB_DIR, webApp } from './web-app.js'

const INDEX = '<!doctype html><title>Tandem</title><script type="module" src="/assets/index-abc123.js"></script>'

/** Serves webApp(dir) with the same final 404 as `tandem serve`, on a free port. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const app = new Koa()
  app.use(webApp({ dir }))
  app.use((ctx) => {
    ctx.status = 404
    ctx.body = 'Not found.\n'
  })
  const server = createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('webApp', () => {
  let root: string
  let dist: string
  let url: string
  let server: Server

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tandem-web-app-'))
    dist = join(root, 'dist')
    await mkdir(join(dist, 'assets'), { recursive: true })
    await writeFile(join(dist, 'index.html'), INDEX)
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log("app")\n')
    await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    await writeFile(join(root, 'secret.txt'), 'outside the web directory')
    await writeFile(join(dist, '.env'), 'SECRET=1')
    ;({ url, server } = await serve(dist))
  })

  afterAll(async () => {
    server.close()
    await rm(root, { recursive: true, force: true })
  })

  it('answers / and every /d/* path with index.html, revalidated on each use', async () => {
    for (const path of ['/', '/d/notes', '/d/team/notes', '/d/a:b@c+d=e~f']) {
      const response = await fetch(url + path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('no-cache')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(await response.text()).toBe(INDEX)
    }
  })

  it('caches hashed assets for a year as immutable, and other files only with revalidation', async () => {
    const asset = await fetch(`${url}/assets/index-abc123.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await asset.text()).toBe('console.log("app")\n')

    const icon = await fetch(`${url}/favicon.svg`)
    expect(icon.headers.get('cache-control')).toBe('no-cache')
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
  })

  it('answers a repeated request with 304 when the file did not change', async () => {
    const first = await fetch(`${url}/d/notes`)
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/)
    // As a browser revalidates (fetch() alone would add `Cache-Control: no-cache` to a conditional request).
    const second = await fetch(`${url}/d/notes`, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } })
    expect(second.status).toBe(304)
  })

  it('answers HEAD without a body', async () => {
    const response = await fetch(`${url}/assets/index-abc123.js`, { method: 'HEAD' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-length')).toBe('19')
    expect(await response.text()).toBe('')
  })

  it('passes unknown paths, dot-files and paths out of the directory on to the 404', async () => {
    for (const path of [
      '/nope',
      '/assets/missing.js',
      '/.env',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/d',
    ]) {
      const response = await fetch(url + path)
      expect(response.status, path).toBe(404)
      expect(await response.text()).toBe('Not found.\n')
    }
    const post = await fetch(`${url}/`, { method: 'POST' })
    expect(post.status).toBe(404)
  })

  it("shows a browser the app's own page for an unknown address, still as a 404", async () => {
    const page = await fetch(`${url}/no/such/page`, { headers: { accept: 'text/html,*/*;q=0.8' } })
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(await page.text()).toBe(INDEX)
    // A dot-file stays hidden behind the same page.
    const hidden = await fetch(`${url}/.env`, { headers: { accept: 'text/html' } })
    expect(hidden.status).toBe(404)
    expect(await hidden.text()).toBe(INDEX)
  })

  it('says to run `pnpm build` while the app is not built', async () => {
    const missing = await serve(join(root, 'not-built'))
    try {
      for (const path of ['/', '/d/notes']) {
        const response = await fetch(missing.url + path)
        expect(response.status).toBe(503)
        expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8')
        expect(await response.text()).toContain('Run `pnpm build`')
      }
      expect((await fetch(`${missing.url}/favicon.svg`)).status).toBe(404)
    } finally {
      missing.server.close()
    }
  })
})

describe('--web-dir', () => {
  it("defaults to this checkout's apps/web/dist and can be set by flag or environment", () => {
    expect(DEFAULT_WEB_DIR.replaceAll('\\', '/')).toMatch(/\/apps\/web\/dist$/)
    expect(readServeConfig([], {}).webDir).toBe(DEFAULT_WEB_DIR)
    expect(readServeConfig(['--web-dir', '/srv/tandem-web'], {}).webDir).toBe('/srv/tandem-web')
    expect(readServeConfig([], { WEB_DIR: '/opt/web' }).webDir).toBe('/opt/web')
  })
})
