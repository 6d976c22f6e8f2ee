/**
 * Serves the built web app (`apps/web/dist`) on the sync server's own port, so that one process and one URL
 * give people the editor: `/` is the home page, `/d/<document>` a document (both answered with the app's
 * index.html, which reads the path itself), and the app's files from the directory.
 *
 * Caching: Vite puts every file it fingerprints under `/assets/`, so those are cached for a year as immutable;
 * index.html and the unhashed files of `public/` are revalidated on every use (`no-cache` plus an ETag), so a
 * new build reaches everyone on their next load.
 *
 * Compression: the build writes brotli and gzip copies beside each compressible file (`app.js.br`, `app.js.gz`);
 * a request that accepts one gets the smallest it accepts, with `Content-Encoding`, its own length and ETag, and
 * `Vary: Accept-Encoding`. Nothing is compressed while serving.
 */
import { createReadStream, type Stats } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Context, Middleware } from 'koa'
import { acceptedEncodings, PRECOMPRESSED } from './content-encoding.js'
import { nameProblem, nameProblemPage } from './name-problem.js'

/** The web app's build output in this checkout (`apps/web/dist`), the default of `--web-dir`. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url))

/** Options of {@link webApp}. */
export interface WebAppOptions {
  /** The directory of the built web app, with index.html at its top. */
  dir: string
}

const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

// The app's pages: the document name in the URL is the key to the document, so it must not leak to other
// sites through the Referer header; and nothing but the app's own files runs in them.
const PAGE_HEADERS = {
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    // CodeMirror styles itself through <style> elements and style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; '),
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

const NOT_BUILT = `The Tandem web app is not built yet, so there is nothing to show here.

Run \`pnpm build\` in the Tandem checkout (or start with \`pnpm start\`, which builds it), then reload.
The sync server itself is running: y-websocket clients connect to ws://<this host>/<document name>.
`

/**
 * Koa middleware serving the web app from `options.dir`: `GET`/`HEAD` of `/` and `/d/*` answer index.html (a
 * `/d/*` whose name breaks the naming rule answers 400, or 414 when it is too long, with the app's problem page), an
 * existing file answers itself, and anything else passes to the next middleware (mount this after the API
 * routes and before the final 404), except that a browser asking for a page that does not exist gets the app's
 * own "page not found" (with status 404). While the directory has no index.html, `/` and `/d/*` answer 503 with
 * a short text that says to run `pnpm build`. The directory is read on every request, so a rebuild shows at once.
 */
export function webApp(options: WebAppOptions): Middleware {
  const root = resolve(options.dir)
  const index = join(root, 'index.html')
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    const path = ctx.path
    if (path === '/' || path === '/index.html' || path.startsWith('/d/')) {
      const info = await fileStats(index)
      if (!info) {
        ctx.status = 503
        ctx.set('Cache-Control', 'no-store')
        ctx.type = 'text/plain; charset=utf-8'
        ctx.body = NOT_BUILT
        return
      }
      ctx.set(PAGE_HEADERS)
      const problem = path.startsWith('/d/') ? nameProblem(path) : null
      if (problem) {
        ctx.status = problem.status
        ctx.set('Cache-Control', 'no-store')
        ctx.type = 'text/html; charset=utf-8'
        ctx.body = nameProblemPage(await readFile(index, 'utf8'), problem)
        return
      }
      return send(ctx, index, info, REVALIDATE)
    }
    const file = fileFor(root, path)
    const info = file ? await fileStats(file) : null
    if (file && info) return send(ctx, file, info, path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE)
    // A person who mistyped an address sees the app's "page not found" with a way home; programs get the 404.
    const indexInfo = ctx.get('Accept').includes('text/html') ? await fileStats(index) : null
    if (!indexInfo) return next()
    ctx.set(PAGE_HEADERS)
    ctx.set('Cache-Control', 'no-store')
    ctx.status = 404
    ctx.type = 'text/html; charset=utf-8'
    ctx.length = indexInfo.size
    if (ctx.method === 'GET') ctx.body = createReadStream(index)
  }
}

/** The file a URL path names inside `root`, or `null` for a path that is not a plain file name there. */
function fileFor(root: string, path: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return null
  }
  // No dot-files, no `..`, no NUL, no backslashes: only the plain names a build writes.
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((part) => part.startsWith('.'))) {
    return null
  }
  const file = join(root, decoded)
  return file.startsWith(root + sep) ? file : null
}

async function fileStats(file: string): Promise<Stats | null> {
  try {
    const info = await stat(file)
    return info.isFile() ? info : null
  } catch {
    return null
  }
}

async function send(ctx: Context, file: string, info: Stats, cacheControl: string): Promise<void> {
  ctx.set('Cache-Control', cacheControl)
  ctx.set('X-Content-Type-Options', 'nosniff')
  ctx.type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
  const variant = await compressedVariant(ctx, file)
  const sent = variant ?? { path: file, info, encoding: null }
  // The ETag names the bytes sent: each encoding has its own, so a cache never revalidates one with another's.
  const tag = `${sent.info.size.toString(16)}-${Math.floor(sent.info.mtimeMs).toString(16)}`
  ctx.set('ETag', `W/"${sent.encoding ? `${tag}-${sent.encoding}` : tag}"`)
  if (sent.encoding) ctx.set('Content-Encoding', sent.encoding)
  ctx.lastModified = info.mtime
  ctx.status = 200
  if (ctx.fresh) {
    ctx.status = 304
    return
  }
  ctx.length = sent.info.size
  if (ctx.method === 'HEAD') return
  ctx.body = createReadStream(sent.path)
}

/**
 * The best precompressed copy of `file` the request accepts, or `null` for the file itself. Sets
 * `Vary: Accept-Encoding` whenever the file has a copy, whichever is sent.
 */
async function compressedVariant(
  ctx: Context,
  file: string,
): Promise<{ path: string; info: Stats; encoding: string } | null> {
  const copies = await Promise.all(
    PRECOMPRESSED.map(async ({ encoding, suffix }) => ({
      encoding,
      path: file + suffix,
      info: await fileStats(file + suffix),
    })),
  )
  if (!copies.some((copy) => copy.info)) return null
  ctx.vary('Accept-Encoding')
  const accepted = acceptedEncodings(ctx.get('Accept-Encoding') || undefined)
  for (const copy of copies) {
    if (copy.info && accepted.includes(copy.encoding))
      return { path: copy.path, info: copy.info, encoding: copy.encoding }
  }
  return null
}
