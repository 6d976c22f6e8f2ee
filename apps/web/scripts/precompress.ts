/**
 * A Vite build plugin that writes a brotli (`.br`, quality 11) and a gzip (`.gz`, level 9) copy beside every
 * compressible file of the build, so that the server answers with the smallest one a browser accepts and never
 * compresses at runtime (see apps/server/src/web-app.ts). Source maps are left alone: only developer tools fetch
 * them. A copy that would not be smaller than its file is not written.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import type { Plugin } from 'vite'

/** The extensions of the files that get compressed copies. */
export const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.webmanifest', '.wasm', '.txt'])
/** Files smaller than this are sent as they are: a compressed copy would save less than a packet. */
export const MIN_COMPRESS_BYTES = 1024

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** The plugin: runs once the whole build, public files included, is written. */
export function precompress(): Plugin {
  let outDir = ''
  return {
    name: 'tandem-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    async closeBundle() {
      await compressDirectory(outDir)
    },
  }
}

/** Writes the `.br` and `.gz` copies of every compressible file under `dir`. */
export async function compressDirectory(dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries
    .filter((entry) => entry.isFile() && COMPRESSIBLE.has(extname(entry.name).toLowerCase()))
    .map((entry) => join(entry.parentPath, entry.name))
  await Promise.all(files.map(compressFile))
}

async function compressFile(file: string): Promise<void> {
  const content = await readFile(file)
  if (content.byteLength < MIN_COMPRESS_BYTES) return
  const [br, gz] = await Promise.all([
    brotli(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.byteLength,
        [constants.BROTLI_PARAM_MODE]:
          extname(file) === '.wasm' ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    }),
    gzipAsync(content, { level: 9 }),
  ])
  if (br.byteLength < content.byteLength) await writeFile(`${file}.br`, br)
  if (gz.byteLength < content.byteLength) await writeFile(`${file}.gz`, gz)
}
