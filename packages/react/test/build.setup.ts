// Builds the harness page the browser tests load (React, @tandem/react and the editor, bundled as an app would),
// once per run, before the react tests.
import { rm } from 'node:fs/promises'
import { test as setup } from '@playwright/test'
import { build } from 'vite'
import { buildDir, packageDir } from './paths.js'

setup('build the React harness page', async () => {
  await rm(buildDir, { recursive: true, force: true })
  await build({
    configFile: false,
    root: `${packageDir}test/harness`,
    base: './',
    logLevel: 'warn',
    resolve: { conditions: ['source', 'module', 'browser', 'development'] },
    // Development React, so that StrictMode mounts, unmounts and mounts again, as it does in a developer's app.
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    mode: 'development',
    build: { outDir: `${buildDir}/harness`, emptyOutDir: true, sourcemap: false, minify: false },
  })
})
