// Builds the web app once per run, before the web tests, exactly as `pnpm build` does but into its own
// directory, which the test servers serve with --web-dir.
import { rm } from 'node:fs/promises'
import { test as setup } from '@playwright/test'
import { build } from 'vite'
import { testDist, webDir } from './paths.js'

setup('build the web app', async () => {
  await rm(testDist, { recursive: true, force: true })
  await build({
    root: webDir,
    configFile: `${webDir}vite.config.ts`,
    logLevel: 'warn',
    build: { outDir: testDist, emptyOutDir: true },
  })
})
