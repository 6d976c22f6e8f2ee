// Measures what the editor adds to a page, minified and gzipped (level 9):
//   - the base entry (`@tandem/editor`, everything createEditor needs, Yjs and CodeMirror included), which
//     loads up front; each language is fetched on its first use, and what that adds is listed on its own;
//   - the same without the peer dependencies (yjs, y-protocols, @codemirror/state, @codemirror/view), i.e. on
//     top of an app that already has them;
//   - the single-file <tandem-editor> element (everything inlined, languages included).
// Usage: node scripts/size.mjs [--json]
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const peers = ['yjs', 'y-protocols', '@codemirror/state', '@codemirror/view']

async function bundle(entry, { external = [], split = true } = {}) {
  const result = await build({
    configFile: false,
    root: packageDir,
    logLevel: 'silent',
    resolve: { conditions: ['source', 'module', 'browser', 'production'] },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      minify: true,
      lib: { entry, formats: ['es'] },
      rolldownOptions: {
        external: (id) => external.some((name) => id === name || id.startsWith(`${name}/`)),
        output: { codeSplitting: split, minify: true },
      },
    },
  })
  const chunks = (Array.isArray(result) ? result[0] : result).output.filter((item) => item.type === 'chunk')
  return chunks.map((chunk) => ({
    name: chunk.fileName,
    isEntry: chunk.isEntry,
    imports: chunk.imports,
    modules: Object.keys(chunk.modules),
    min: Buffer.byteLength(chunk.code),
    gzip: gzipSync(chunk.code, { level: 9 }).length,
  }))
}

const sum = (chunks, key) => chunks.reduce((total, chunk) => total + chunk[key], 0)

/** The chunks loaded up front: the entry and, transitively, what it imports statically. */
function initial(chunks) {
  const byName = new Map(chunks.map((chunk) => [chunk.name, chunk]))
  const loaded = new Set()
  const visit = (chunk) => {
    if (!chunk || loaded.has(chunk)) return
    loaded.add(chunk)
    for (const name of chunk.imports) visit(byName.get(name))
  }
  for (const chunk of chunks) if (chunk.isEntry) visit(chunk)
  return [...loaded]
}

/** For each language: what its first use fetches on top of the base entry (its chunk and the chunks it imports). */
function languages(chunks) {
  const byName = new Map(chunks.map((chunk) => [chunk.name, chunk]))
  const base = new Set(initial(chunks))
  const result = []
  for (const chunk of chunks) {
    const language = chunk.modules.map((id) => /@codemirror\/lang-([a-z]+)\/dist/.exec(id)?.[1]).find(Boolean)
    if (!language || base.has(chunk)) continue
    const fetched = new Set()
    const visit = (current) => {
      if (!current || base.has(current) || fetched.has(current)) return
      fetched.add(current)
      for (const name of current.imports) visit(byName.get(name))
    }
    visit(chunk)
    result.push({ language, min: sum([...fetched], 'min'), gzip: sum([...fetched], 'gzip') })
  }
  return result.sort((a, b) => a.language.localeCompare(b.language))
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`

const full = await bundle('src/index.ts')
const withoutPeers = await bundle('src/index.ts', { external: peers })
const element = await bundle('src/element.ts', { split: false })

const report = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`,
  base: { min: sum(initial(full), 'min'), gzip: sum(initial(full), 'gzip'), chunks: initial(full).length },
  baseWithoutPeers: { min: sum(initial(withoutPeers), 'min'), gzip: sum(initial(withoutPeers), 'gzip') },
  languages: languages(full),
  element: { min: sum(element, 'min'), gzip: sum(element, 'gzip') },
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(report, null, 2))
} else {
  console.log(`Measured ${report.date} on ${report.machine}\n`)
  console.log('| what | minified | minified + gzip |')
  console.log('|---|---:|---:|')
  console.log(
    `| base entry (\`@tandem/editor\`), Yjs and CodeMirror included | ${kb(report.base.min)} | ${kb(report.base.gzip)} |`,
  )
  console.log(
    `| base entry without the peer dependencies | ${kb(report.baseWithoutPeers.min)} | ${kb(report.baseWithoutPeers.gzip)} |`,
  )
  for (const { language, min, gzip } of report.languages) {
    console.log(`| + first use of lang-${language} (fetched then, on top of the base) | ${kb(min)} | ${kb(gzip)} |`)
  }
  console.log(
    `| \`tandem-editor.js\` (element, one file, all languages) | ${kb(report.element.min)} | ${kb(report.element.gzip)} |`,
  )
}
