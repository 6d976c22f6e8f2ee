import { fileURLToPath } from 'node:url'

/** The editor package's directory. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url))
/** The repository's root. */
export const repoDir = fileURLToPath(new URL('../../..', import.meta.url))
/**
 * Where build.setup.ts puts what the tests serve: the harness page and the single-file custom element. Under
 * node_modules/.cache, which version control and the linter both skip.
 */
export const buildDir = `${packageDir}node_modules/.cache/test-build`
