import { fileURLToPath } from 'node:url'

/** The examples' directory, `examples/`. */
export const examplesDir = fileURLToPath(new URL('..', import.meta.url))
/** Where build.setup.ts puts the built examples, one folder each: under node_modules/.cache, which git and the linter skip. */
export const buildDir = `${examplesDir}test/node_modules/.cache/test-build`
