// Builds what the browser tests load: the harness page (createEditor, with the languages as lazy chunks, as an
// app bundles it) and the single-file <tandem-editor> element. Once per run, before the editor tests.
import { rm } from 'node:fs/promises'
import { test as setup } from '@playwright/test'
import { build } from 'vite'
import { buildElement } from '../scripts/build-element.mjs'
import { buildDir, packageDir } from './paths.js'

setup('build the harness page and the custom element', async () => {
  await rm(buildDir, { recursive: true, force: true })
  await build({
    configFile: false,
    root: `${packageDir}test/harness`,
    base: './',
    logLevel: 'warn',
    resolve: { conditions: ['source', 'module', 'browser', 'production'] },
    build: { outDir: `${buildDir}/harness`, emptyOutDir: true, sourcemap: true, minify: false },
  })
  await buildElement({ outDir: buildDir })
})
