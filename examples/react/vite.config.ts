import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  resolve: {
    // In this repository the Tandem packages come straight from their TypeScript sources, so that `pnpm dev`
    // needs no build first. An app with the packages from npm drops this line.
    conditions: ['source', ...defaultClientConditions],
  },
})
