import { fileURLToPath } from 'node:url'

/** The web app's directory. */
export const webDir = fileURLToPath(new URL('..', import.meta.url))
/** The repository's root. */
export const repoDir = fileURLToPath(new URL('../../..', import.meta.url))
/** Where build.setup.ts builds the app for the tests (apart from dist, so that `pnpm build` cannot race them). */
export const testDist = `${webDir}.tmp/e2e/dist`
/** Where the screenshots for the README go. */
export const imagesDir = `${repoDir}docs/images`
