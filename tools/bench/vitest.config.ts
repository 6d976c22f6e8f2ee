import { defineConfig } from 'vitest/config'

// The bench's own tests (`pnpm --filter @tandem/bench test`, and `pnpm bench:smoke` at the root), kept out of
// the product's `pnpm test`. As there, workspace packages resolve to their sources through the `source` export
// condition: no build is needed to test.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: '@tandem/bench',
    include: ['{src,test}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
