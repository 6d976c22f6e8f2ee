// Every TypeScript example in the docs and the package READMEs compiles against the packages as they are: each
// ```ts or ```tsx block is type-checked on its own, strictly, so that an API change that leaves a document behind
// fails here instead of in a reader's editor. Browser examples are checked with the DOM's types from a package
// that has the browser packages as dependencies (packages/react), server examples with Node's from apps/server.
// A block that is only a fragment says so in a comment on the line before it: <!-- fragment -->.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

/** The Markdown files whose examples are checked. */
function documents(): string[] {
  const inDir = (dir: string, depth = 1): string[] =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
          const path = join(dir, entry.name)
          if (entry.isDirectory()) return depth > 0 && entry.name !== 'node_modules' ? inDir(path, depth - 1) : []
          return entry.name.endsWith('.md') ? [path] : []
        })
      : []
  return ['README.md', ...inDir('docs', 0), ...inDir('packages'), ...inDir('examples')]
}

interface Snippet {
  /** The document it is in, from the repository's root. */
  readonly file: string
  /** The line of its opening fence. */
  readonly line: number
  readonly code: string
  readonly tsx: boolean
}

function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const found: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(ts|tsx)$/.exec(lines[i] ?? '')
    if (!fence) continue
    const end = lines.indexOf('```', i + 1)
    if (end < 0) throw new Error(`${file}:${i + 1}: a code block that never ends.`)
    if (!/<!-- fragment -->/.test(lines[i - 1] ?? '')) {
      found.push({ file, line: i + 1, code: lines.slice(i + 1, end).join('\n'), tsx: fence[1] === 'tsx' })
    }
    i = end
  }
  return found
}

const serverPackages = /from '(node:|koa|ws'|@tandem\/(server|store-|redis|protocol))/

const hosts = {
  browser: { dir: 'packages/react', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [] as string[] },
  server: { dir: 'apps/server', lib: ['ES2023'], types: ['node'] },
}
const made: string[] = []

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

it('every TypeScript example in the docs and READMEs compiles', async () => {
  const snippets = documents().flatMap(snippetsOf)
  expect(snippets.length).toBeGreaterThan(10)
  const byHost = new Map<keyof typeof hosts, Map<string, Snippet>>()
  for (const [n, snippet] of snippets.entries()) {
    const host = serverPackages.test(snippet.code) ? 'server' : 'browser'
    const files = byHost.get(host) ?? new Map<string, Snippet>()
    byHost.set(host, files)
    // `export {}` makes every block a module of its own, so that two blocks may declare the same names.
    files.set(`snippet-${n}.${snippet.tsx ? 'tsx' : 'ts'}`, snippet)
  }
  const failures: string[] = []
  for (const [host, files] of byHost) {
    const { dir, lib, types } = hosts[host]
    const out = join(root, dir, '.doc-snippets')
    rmSync(out, { recursive: true, force: true })
    mkdirSync(out, { recursive: true })
    made.push(out)
    for (const [name, snippet] of files) writeFileSync(join(out, name), `${snippet.code}\nexport {}\n`)
    const config = {
      extends: relative(out, join(root, 'tsconfig.base.json')),
      compilerOptions: {
        noEmit: true,
        composite: false,
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        incremental: false,
        customConditions: ['source'],
        jsx: 'react-jsx',
        lib,
        types,
      },
      include: ['*.ts', '*.tsx'],
    }
    writeFileSync(join(out, 'tsconfig.json'), JSON.stringify(config, null, 2))
    const output = await run('pnpm', ['exec', 'tsc', '-p', join(out, 'tsconfig.json')], { cwd: root }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    )
    // Each error line names its snippet file: report it by the document and line it came from.
    for (const line of output.split('\n').filter(Boolean)) {
      const where = /(snippet-\d+\.tsx?)\((\d+),/.exec(line)
      const snippet = where ? files.get(where[1] as string) : undefined
      failures.push(
        snippet ? `${snippet.file}:${snippet.line + Number(where?.[2])}: ${line.replace(/^.*?: /, '')}` : line,
      )
    }
  }
  expect(failures, 'examples that do not compile').toEqual([])
})
