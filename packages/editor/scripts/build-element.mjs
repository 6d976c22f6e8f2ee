// Builds dist/tandem-editor.js: the <tandem-editor> custom element with everything it needs (Yjs, CodeMirror,
// every language) in one ES module, for pages without a bundler. Bundlers use the package's ./element entry.
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** Builds the single-file custom element into `outDir` (default: the package's dist/). */
export async function buildElement({ outDir = `${packageDir}dist`, logLevel = 'warn' } = {}) {
  await build({
    configFile: false,
    root: packageDir,
    logLevel,
    // Workspace packages resolve to their TypeScript sources, so no other package needs building first.
    resolve: { conditions: ['source', 'module', 'browser', 'production'] },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      outDir,
      emptyOutDir: false,
      sourcemap: true,
      minify: true,
      lib: { entry: 'src/element.ts', formats: ['es'], fileName: () => 'tandem-editor.js' },
      // One file: the languages are inlined instead of being separate chunks.
      rolldownOptions: { output: { codeSplitting: false, minify: true } },
    },
  })
  return `${outDir}/tandem-editor.js`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = await buildElement({ logLevel: 'info' })
  console.log(`built ${file}`)
}
