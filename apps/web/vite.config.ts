import { defaultClientConditions, defineConfig } from 'vite'
import { precompress } from './scripts/precompress.ts'

// In development (`pnpm dev`) the app talks to a Tandem dev server through this Vite server: WebSocket
// connections to /_tandem/<document> are proxied to it, so the app stays same-origin as in production.
const devServer = process.env.TANDEM_DEV_SERVER ?? 'http://localhost:1235'
const devPath = '/_tandem'

export default defineConfig(({ command }) => ({
  // Brotli and gzip copies of the build, which `tandem serve` sends to browsers that accept them.
  plugins: [precompress()],
  resolve: {
    // Workspace packages straight from their sources: no build of @tandem/editor is needed to run the app.
    conditions: ['source', ...defaultClientConditions],
    // One copy of each: two copies of Yjs or of @codemirror/state in one page break it (yjs#438).
    dedupe: ['yjs', 'y-protocols', '@codemirror/state', '@codemirror/view', '@codemirror/language'],
  },
  define:
    command === 'serve' && !process.env.VITE_TANDEM_SERVER
      ? { 'import.meta.env.VITE_TANDEM_SERVER': JSON.stringify(devPath) }
      : {},
  build: {
    target: 'es2022',
    sourcemap: true,
    // The editor with its collaboration stack is one chunk of ~400 kB before compression; each language is
    // its own chunk, loaded when a document uses it.
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    strictPort: false,
    proxy: {
      [devPath]: {
        target: devServer,
        ws: true,
        rewrite: (path) => path.slice(devPath.length) || '/',
      },
    },
  },
}))
