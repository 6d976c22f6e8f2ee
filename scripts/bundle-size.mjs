#!/usr/bin/env node
// The size of every browser entry point Tandem publishes, as an app's bundler would ship it: each entry bundled by
// Vite (Rolldown) for production, minified, then gzipped at level 9. Per entry:
//   - with its dependencies: everything a page that has nothing else loads up front (chunks fetched later, such as
//     the editor's languages, are listed on their own rows);
//   - on top of its peer dependencies (yjs, y-protocols, CodeMirror, React…), i.e. what the package itself adds to
//     an app that has those already (for @tandem/react, an app that has @tandem/editor too). The budget checks
//     this figure: it is the part the package's own code decides. The single-file element's budget is its whole.
// `pnpm build` runs it with --check, which fails when an entry passes its budget. --write-docs puts the table in
// docs/embedding.md, between the bundle-size markers; a test (scripts/packages.test.ts) checks that the table
// there is the one this measures.
//
// Usage: node scripts/bundle-size.mjs [--check] [--json] [--write-docs]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))
const KiB = 1024

/**
 * The entry points, each with its budget: the most its gzipped bundle may weigh on top of its peer dependencies.
 * Raise a budget only on purpose, with the reason in the commit.
 */
export const entries = [
  {
    id: '@tandem/protocol',
    dir: 'packages/protocol',
    entry: 'src/index.ts',
    what: 'the wire format (frames, close codes, names)',
    budget: 4 * KiB,
  },
  {
    id: '@tandem/client',
    dir: 'packages/client',
    entry: 'src/index.ts',
    what: 'a document synced with Tandem, no editor',
    budget: 12 * KiB,
  },
  {
    id: '@tandem/editor',
    dir: 'packages/editor',
    entry: 'src/index.ts',
    what: 'CodeMirror 6 on @tandem/client; languages load on first use',
    budget: 58 * KiB,
    languages: true,
  },
  {
    id: '@tandem/react',
    dir: 'packages/react',
    entry: 'src/index.ts',
    what: 'the provider, the hooks and `<TandemEditor>`; on top of @tandem/editor as well',
    budget: 4 * KiB,
    alsoOnTopOf: ['@tandem/editor', '@tandem/client', '@tandem/protocol'],
  },
  {
    id: '@tandem/editor/preview',
    dir: 'packages/editor',
    entry: 'src/preview.ts',
    what: 'the Markdown preview (markdown-it and DOMPurify), for pages that show one; load it with `import()`',
    budget: 56 * KiB,
  },
  {
    id: '@tandem/editor/element',
    dir: 'packages/editor',
    entry: 'src/element.ts',
    what: 'the `<tandem-editor>` element, for bundlers',
    budget: 58 * KiB,
  },
]

/** The element as one file (packages/editor/dist/tandem-editor.js, made by `pnpm build`): its whole gzipped size. */
export const elementFile = {
  id: '@tandem/editor/tandem-editor.js',
  file: 'packages/editor/dist/tandem-editor.js',
  what: 'the element as one file, every language inlined, no bundler needed',
  budget: 256 * KiB,
}

/** The peer dependencies of the package in `dir`, which an app provides and the second figure leaves out. */
function peersOf(dir) {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
  return Object.keys(manifest.peerDependencies ?? {})
}

async function bundle(dir, entry, external = []) {
  const result = await build({
    configFile: false,
    root: join(root, dir),
    logLevel: 'silent',
    // Workspace packages resolve to their TypeScript sources, so nothing needs building first.
    resolve: { conditions: ['source', 'module', 'browser', 'production'] },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      minify: true,
      lib: { entry, formats: ['es'] },
      rolldownOptions: {
        external: (id) => external.some((name) => id === name || id.startsWith(`${name}/`)),
        output: { minify: true },
      },
    },
  })
  return (Array.isArray(result) ? result[0] : result).output
    .filter((item) => item.type === 'chunk')
    .map((chunk) => ({
      name: chunk.fileName,
      isEntry: chunk.isEntry,
      imports: chunk.imports,
      modules: Object.keys(chunk.modules),
      min: Buffer.byteLength(chunk.code),
      gzip: gzipSync(chunk.code, { level: 9 }).length,
    }))
}

const sum = (chunks, key) => chunks.reduce((total, chunk) => total + chunk[key], 0)

/** The chunks reached from `start` through static imports, leaving out those in `except`. */
function reach(chunks, start, except = new Set()) {
  const byName = new Map(chunks.map((chunk) => [chunk.name, chunk]))
  const reached = new Set()
  const visit = (chunk) => {
    if (!chunk || reached.has(chunk) || except.has(chunk)) return
    reached.add(chunk)
    for (const name of chunk.imports) visit(byName.get(name))
  }
  for (const chunk of start) visit(chunk)
  return [...reached]
}

/** For each language chunk: what its first use fetches on top of what loaded up front. */
function languageRows(chunks, upFront) {
  const base = new Set(upFront)
  const rows = []
  for (const chunk of chunks) {
    const language = chunk.modules.map((id) => /@codemirror\/lang-([a-z]+)\/dist/.exec(id)?.[1]).find(Boolean)
    if (!language || base.has(chunk)) continue
    const fetched = reach(chunks, [chunk], base)
    rows.push({ language, min: sum(fetched, 'min'), gzip: sum(fetched, 'gzip') })
  }
  return rows.sort((a, b) => a.language.localeCompare(b.language))
}

/** Measures every entry; the single-file element is read from the build (packages/editor/dist). */
export async function measure() {
  const measured = []
  for (const spec of entries) {
    const full = await bundle(spec.dir, spec.entry)
    const upFront = reach(
      full,
      full.filter((chunk) => chunk.isEntry),
    )
    const lean = await bundle(spec.dir, spec.entry, [...peersOf(spec.dir), ...(spec.alsoOnTopOf ?? [])])
    const leanUpFront = reach(
      lean,
      lean.filter((chunk) => chunk.isEntry),
    )
    measured.push({
      id: spec.id,
      what: spec.what,
      budget: spec.budget,
      min: sum(upFront, 'min'),
      gzip: sum(upFront, 'gzip'),
      gzipWithoutPeers: sum(leanUpFront, 'gzip'),
      languages: spec.languages ? languageRows(full, upFront) : [],
    })
  }
  const element = readFileSync(join(root, elementFile.file))
  return {
    entries: measured,
    element: { min: element.byteLength, gzip: gzipSync(element, { level: 9 }).length, budget: elementFile.budget },
  }
}

const kib = (bytes) => `${(bytes / KiB).toFixed(1)} KiB`

/** The table docs/embedding.md shows, as Markdown. */
export function table(report) {
  const lines = [
    '| entry point | what it is | minified | gzip, with its dependencies | gzip, on top of its peers | budget |',
    '|---|---|---:|---:|---:|---:|',
  ]
  for (const entry of report.entries) {
    lines.push(
      `| \`${entry.id}\` | ${entry.what} | ${kib(entry.min)} | ${kib(entry.gzip)} | ${kib(entry.gzipWithoutPeers)} | ${kib(entry.budget)} |`,
    )
  }
  lines.push(
    `| \`${elementFile.id}\` | ${elementFile.what} | ${kib(report.element.min)} | ${kib(report.element.gzip)} | — | ${kib(report.element.budget)} |`,
  )
  const languages = report.entries.find((entry) => entry.id === '@tandem/editor')?.languages ?? []
  if (languages.length > 0) {
    lines.push('', '| first use of a language in `@tandem/editor` fetches | minified | gzip |', '|---|---:|---:|')
    for (const row of languages) lines.push(`| \`lang-${row.language}\` | ${kib(row.min)} | ${kib(row.gzip)} |`)
  }
  return lines.join('\n')
}

/** Where docs/embedding.md keeps the table. */
export const docsFile = join(root, 'docs/embedding.md')
export const markers = [
  '<!-- bundle-size:start (written by `node scripts/bundle-size.mjs --write-docs`) -->',
  '<!-- bundle-size:end -->',
]

/** The table between the markers of docs/embedding.md. */
export function documentedTable() {
  const text = readFileSync(docsFile, 'utf8')
  const start = text.indexOf(markers[0])
  const end = text.indexOf(markers[1])
  if (start < 0 || end < start)
    throw new Error(`docs/embedding.md has no bundle-size markers (${markers.join(' … ')}).`)
  return { text, start: start + markers[0].length, end, table: text.slice(start + markers[0].length, end).trim() }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const known = ['--check', '--json', '--write-docs']
  const unknown = args.find((arg) => !known.includes(arg))
  if (unknown || args.includes('--help')) {
    console.log('Usage: node scripts/bundle-size.mjs [--check] [--json] [--write-docs]')
    console.log('  --check       fail when an entry point passes its budget (pnpm build runs this)')
    console.log('  --json        print the measurement as JSON')
    console.log('  --write-docs  put the table in docs/embedding.md')
    process.exit(unknown ? 2 : 0)
  }
  const report = await measure()
  mkdirSync(join(root, '.tmp'), { recursive: true })
  writeFileSync(join(root, '.tmp/bundle-size.json'), `${JSON.stringify(report, null, 2)}\n`)
  if (args.includes('--json')) console.log(JSON.stringify(report, null, 2))
  else console.log(`Bundle sizes (gzip level 9):\n\n${table(report)}\n`)
  if (args.includes('--write-docs')) {
    const docs = documentedTable()
    writeFileSync(docsFile, `${docs.text.slice(0, docs.start)}\n\n${table(report)}\n\n${docs.text.slice(docs.end)}`)
    console.log('Wrote the table into docs/embedding.md.')
  }
  if (args.includes('--check')) {
    const over = [
      ...report.entries
        .filter((entry) => entry.gzipWithoutPeers > entry.budget)
        .map((entry) => `${entry.id} is ${kib(entry.gzipWithoutPeers)} gzipped on top of its peers`),
      ...(report.element.gzip > report.element.budget
        ? [`${elementFile.id} is ${kib(report.element.gzip)} gzipped`]
        : []),
    ]
    for (const line of over) {
      console.error(
        `✖ ${line}, over its budget. Find what grew, or raise the budget in scripts/bundle-size.mjs on purpose.`,
      )
    }
    if (over.length > 0) process.exit(1)
  }
}
