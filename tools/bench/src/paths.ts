import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The bench package's directory (this file sits one level below it, in src/ or dist/). */
export const packageDir = fileURLToPath(new URL('../', import.meta.url))

/** The repository's root. */
export const repoRoot = resolve(packageDir, '../..')

/** Whether this module runs from TypeScript sources (tests, tsx) rather than the build in dist/. */
export const fromSource = import.meta.url.endsWith('.ts')

/** Where each run writes its results unless told otherwise (ignored by git). */
export const defaultResultsDir = join(packageDir, 'results')

/**
 * The editing traces: `TANDEM_TRACES` when set, else `shared/traces` beside the repository. `null` when
 * neither exists (a fresh clone elsewhere has no shared folder).
 */
export function findTracesDir(explicit?: string): string | null {
  const candidates = [explicit, process.env.TANDEM_TRACES, resolve(repoRoot, '../shared/traces')]
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'friendsforever.json.gz'))) return resolve(dir)
  }
  return null
}

/** A module of this package, as a path Node can run: the `.ts` source under tests, the build otherwise. */
export function modulePath(relative: string): string {
  const base = fromSource ? join(packageDir, 'src', relative) : join(packageDir, 'dist', relative)
  return fromSource ? `${base}.ts` : `${base}.js`
}
