import { join } from 'node:path'
import { packageDir } from '../paths.js'

/** Where the benchmark page is built (under node_modules/.cache, which git and the linter skip). */
const pageBuildDir = join(packageDir, 'node_modules/.cache/bench-page')

/**
 * Builds the browser scenario's page (page/ in this package) with Vite, as an app would ship the editor:
 * minified, production mode, the editor from its TypeScript sources. Returns the output directory.
 */
export async function buildPage(): Promise<string> {
  const { build } = await import('vite')
  await build({
    configFile: false,
    root: join(packageDir, 'page'),
    base: './',
    logLevel: 'warn',
    resolve: {
      conditions: ['source', 'module', 'browser', 'production'],
      dedupe: ['yjs', '@codemirror/state', '@codemirror/view'],
    },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: { outDir: pageBuildDir, emptyOutDir: true, minify: true },
  })
  return pageBuildDir
}
