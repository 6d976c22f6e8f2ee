// Builds the three examples the tests load, once per run, before the examples' tests: the React and Tiptap apps
// with Vite as their `build` scripts do, and the plain page beside a freshly built <tandem-editor> file.
import { copyFile, rm } from 'node:fs/promises'
import { test as setup } from '@playwright/test'
import { build } from 'vite'
// The script `pnpm build` runs to make @tandem/editor's single-file element (the package does not export it).
import { buildElement } from '../../packages/editor/scripts/build-element.mjs'
import { buildDir, examplesDir } from './paths.js'

/**
 * Builds the Vite app in `examples/<name>` with its own vite.config.ts (which takes the workspace packages from
 * their sources, so that no package needs building first) into the build directory's `<name>/`.
 */
async function buildApp(name: string, mode: 'development' | 'production'): Promise<void> {
  await build({
    root: `${examplesDir}${name}`,
    base: './',
    logLevel: 'warn',
    mode,
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    build: { outDir: `${buildDir}/${name}`, emptyOutDir: true, sourcemap: false, minify: false },
  })
}

setup('build the examples', async () => {
  await rm(buildDir, { recursive: true, force: true })
  await Promise.all([
    // Development React, so that StrictMode mounts, unmounts and mounts again, as in a developer's `pnpm dev`.
    buildApp('react', 'development'),
    buildApp('tiptap', 'production'),
    (async () => {
      await buildElement({ outDir: `${buildDir}/plain-html` })
      await copyFile(`${examplesDir}plain-html/index.html`, `${buildDir}/plain-html/index.html`)
    })(),
  ])
})
