import { fileURLToPath } from 'node:url'

/** The react package's directory. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url))
/** Where build.setup.ts puts the harness page: under node_modules/.cache, which git and the linter skip. */
export const buildDir = `${packageDir}node_modules/.cache/test-build`
