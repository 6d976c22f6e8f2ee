// What each public package would publish, read from `pnpm pack`, the command `pnpm publish` packs with: every
// package under packages/ that is not private, so a package added later is checked without a line here. The
// packages must be built (`pnpm test` and scripts/release.mjs build first): the `dist` targets of `exports` are
// checked in the pack.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

interface PackageJson {
  name: string
  version: string
  private?: boolean
  main?: string
  types?: string
  module?: string
  exports?: unknown
  sideEffects?: boolean | string[]
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

interface WorkspacePackage {
  dir: string
  manifest: PackageJson
}

function readManifest(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson
}

const workspace: WorkspacePackage[] = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'packages', entry.name, 'package.json')))
  .map((entry) => {
    const dir = join(root, 'packages', entry.name)
    return { dir, manifest: readManifest(join(dir, 'package.json')) }
  })
const published = workspace.filter(({ manifest }) => !manifest.private)
const manifestOf = new Map(workspace.map(({ manifest }) => [manifest.name, manifest]))

/** The files `pnpm pack` puts in the tarball of the package in `dir`, as paths relative to the package. */
async function packedFiles(dir: string): Promise<string[]> {
  const { stdout } = await run('pnpm', ['pack', '--dry-run', '--json'], { cwd: dir })
  const pack = JSON.parse(stdout) as { files: { path: string }[] }
  return pack.files.map((file) => file.path).sort()
}

/** Every file path in an `exports` map, under every condition and subpath. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports]
  if (Array.isArray(exports)) return exports.flatMap(exportTargets)
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets)
  return []
}

// semver.org's regular expression for a version.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/
// One comparator of a range (`^1.2.3`, `>=8`, `1.x`); a range is comparators joined by spaces, `||` or ` - `.
const COMPARATOR = /^(\^|~|>=|<=|>|<|=)?v?\d+(\.(\d+|x|\*)){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/

function isRange(spec: string): boolean {
  const parts = spec.split(/\s*\|\|\s*|\s+-\s+|\s+/).filter(Boolean)
  return parts.length > 0 && parts.every((part) => COMPARATOR.test(part))
}

// Paths that are for developing the package, never for its users.
const DEVELOPMENT_ONLY = [
  { what: 'a test', pattern: /\.test\.|(^|\/)(test|tests|__tests__)\// },
  { what: 'a tsconfig', pattern: /(^|\/)tsconfig[^/]*$/ },
  { what: 'TypeScript build info', pattern: /\.tsbuildinfo$/ },
  { what: 'a script', pattern: /(^|\/)scripts\// },
  { what: 'a fixture', pattern: /(^|\/)(fixtures|__fixtures__)\// },
]
// Everything a package may ship: its manifest, README and licence, its build and its sources.
const SHIPPED = /^(package\.json|README\.md|LICENSE(\.md|\.txt)?|dist\/.+|src\/.+)$/

/** `text` as a regular expression that matches it literally. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const packs = new Map<string, string[]>()
const cleanups: (() => void)[] = []

beforeAll(async () => {
  const unbuilt = published.filter(({ dir }) => !existsSync(join(dir, 'dist')))
  if (unbuilt.length > 0) {
    const dirs = unbuilt.map(({ dir }) => `${dir.slice(root.length)}/dist`).join(', ')
    throw new Error(`${dirs} missing: run \`pnpm build\` first; the pack check looks for the built files.`)
  }
  await Promise.all(
    published.map(async ({ dir, manifest }) => {
      packs.set(manifest.name, await packedFiles(dir))
    }),
  )
})

it('finds the public packages', () => {
  expect(published.map(({ manifest }) => manifest.name)).toEqual(expect.arrayContaining(['@tandem/server']))
  expect(published.map(({ manifest }) => manifest.name)).not.toContain('@tandem/test-utils')
})

describe.each(published.map(({ manifest }) => ({ name: manifest.name, manifest })))('$name', ({ name, manifest }) => {
  const files = () => packs.get(name) ?? []

  it('ships its package.json, README.md, dist and src', () => {
    expect(files()).toContain('package.json')
    expect(files()).toContain('README.md')
    expect(files().some((file) => file.startsWith('dist/'))).toBe(true)
    expect(files().some((file) => file.startsWith('src/'))).toBe(true)
    if (existsSync(join(root, 'LICENSE'))) expect(files()).toContain('LICENSE')
  })

  it('ships nothing that is only for developing it', () => {
    for (const { what, pattern } of DEVELOPMENT_ONLY) {
      expect(
        files().filter((file) => pattern.test(file)),
        `${name} ships ${what}`,
      ).toEqual([])
    }
    expect(files().filter((file) => !SHIPPED.test(file))).toEqual([])
  })

  it('ships every file its exports, main and types point to', () => {
    const targets = [...exportTargets(manifest.exports), manifest.main, manifest.types, manifest.module]
      .filter((target): target is string => typeof target === 'string')
      .map((target) => target.replace(/^\.\//, ''))
    expect(targets.length).toBeGreaterThan(0)
    for (const target of targets) {
      if (target.includes('*')) {
        const pattern = new RegExp(`^${target.split('*').map(escapeRegExp).join('.+')}$`)
        expect(
          files().some((file) => pattern.test(file)),
          `${name}: nothing matches ${target}`,
        ).toBe(true)
      } else {
        expect(
          files(),
          `${name}: ${target} is not in the pack (if it is a built file: run \`pnpm build\` first)`,
        ).toContain(target)
      }
    }
  })

  it('declares sideEffects and a semver version', () => {
    expect(manifest.sideEffects, `${name} declares no sideEffects`).toBeDefined()
    expect(manifest.version).toMatch(SEMVER)
  })

  it('depends on registry packages by range and on public workspace packages only', () => {
    const specs = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies }
    for (const [dependency, spec] of Object.entries(specs)) {
      if (spec.startsWith('workspace:')) {
        const target = manifestOf.get(dependency)
        expect(target, `${name} depends on ${dependency}, which is not in the workspace`).toBeDefined()
        expect(target?.private, `${name} depends on ${dependency}, which is private`).toBeFalsy()
      } else {
        expect(isRange(spec), `${name} depends on ${dependency} by "${spec}", not a version range`).toBe(true)
      }
    }
  })
})

// The editor depends on @tandem/client by `workspace:*`, which only means something in this repository.
it('publishes @tandem/editor with versions in place of its workspace: ranges', async () => {
  const dir = join(root, 'packages/editor')
  const destination = mkdtempSync(join(tmpdir(), 'tandem-pack-'))
  cleanups.push(() => rmSync(destination, { recursive: true, force: true }))
  const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: dir })
  const { filename } = JSON.parse(stdout) as { filename: string }
  const tarball = filename.startsWith('/') ? filename : join(destination, filename)
  await run('tar', ['-xzf', tarball, '-C', destination, 'package/package.json'])
  const packed = readFileSync(join(destination, 'package/package.json'), 'utf8')
  expect(packed).not.toContain('workspace:')
  const dependencies = (JSON.parse(packed) as PackageJson).dependencies ?? {}
  expect(dependencies['@tandem/client']).toBe(manifestOf.get('@tandem/client')?.version)
})

afterAll(() => {
  for (const cleanup of cleanups) cleanup()
})
