import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  resolve: {
    // In this repository the Tandem packages come straight from their TypeScript sources, so that `pnpm dev`
    // needs no build first. An app with the packages from npm drops this line.
    conditions: ['source', ...defaultClientConditions],
    // One React for the app and @tandem/react, as an installed app has: in this repository the package's own
    // development copy (React 19, which its tests use) sits beside it, and this example runs on React 18.
    dedupe: ['react', 'react-dom'],
  },
  build: {
    // React, the editor and its collaboration stack make one chunk of ~690 kB before compression (~220 kB gzip);
    // each language of the editor is its own chunk, loaded when a document uses it.
    chunkSizeWarningLimit: 800,
  },
})
