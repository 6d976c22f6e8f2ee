// `pnpm build`: copies the page and the element file into dist/, ready for any static file server.
import { copyFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { elementFile, page } from './files.mjs'

const outDir = fileURLToPath(new URL('./dist/', import.meta.url))
await mkdir(outDir, { recursive: true })
await copyFile(page, `${outDir}index.html`)
await copyFile(elementFile(), `${outDir}tandem-editor.js`)
await copyFile(`${elementFile()}.map`, `${outDir}tandem-editor.js.map`)
console.log(`built ${outDir}: index.html and tandem-editor.js`)
