// `pnpm dev`: serves the page and the element file on http://localhost:5180 (PORT=… for another port). Nothing is
// built or bundled: the browser loads index.html and tandem-editor.js as they are.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { elementFile, page } from './files.mjs'

/** The port when PORT does not say. */
const DEFAULT_PORT = 5180

const files = {
  '/': { path: page, type: 'text/html; charset=utf-8' },
  '/index.html': { path: page, type: 'text/html; charset=utf-8' },
  '/tandem-editor.js': { path: elementFile(), type: 'text/javascript; charset=utf-8' },
  '/tandem-editor.js.map': { path: `${elementFile()}.map`, type: 'application/json' },
}

const port = Number(process.env.PORT ?? DEFAULT_PORT)
createServer(async (request, response) => {
  const file = files[new URL(request.url ?? '/', 'http://localhost').pathname]
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this page has index.html only.')
    return
  }
  response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' })
  response.end(await readFile(file.path))
}).listen(port, () => {
  console.log(`http://localhost:${port}/  (Tandem at ws://localhost:1234 unless ?server=… says otherwise)`)
})
