import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
}

/** A tiny static file server for browser tests and the benchmark page, on a free port of 127.0.0.1. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  /** Serves `html` at `path` (for pages a test writes out in full). */
  page(path: string, html: string): void
  close(): Promise<void>
}

/**
 * Serves the files under `root`, `/` as `root/index.html`; a path outside `root` gets 403, a missing file 404.
 * Pages given to {@link StaticServer.page} take precedence over files and are never cached.
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const pages = new Map<string, string>()
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)
    const page = pages.get(path)
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': types['.html']!, 'cache-control': 'no-store' })
      response.end(page)
      return
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path))
    if (!file.startsWith(root)) {
      response.writeHead(403).end()
      return
    }
    try {
      const body = await readFile(file)
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
      response.end(body)
    } catch {
      response.writeHead(404).end('not found')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    page: (path, html) => void pages.set(path, html),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
