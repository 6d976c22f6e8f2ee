import { defineConfig } from 'vitest/config'

// Each workspace package is its own project, named after the package, so `vitest run --project @tandem/server`
// runs one. Sources are resolved through the `source` export condition: no build is needed to test. The benchmark
// harness (tools/bench) is not part of `pnpm test`: its tests run from its own config, in `pnpm bench:smoke`.
const projects = {
  '@tandem/protocol': 'packages/protocol',
  '@tandem/client': 'packages/client',
  '@tandem/editor': 'packages/editor',
  '@tandem/react': 'packages/react',
  '@tandem/server': 'packages/server',
  '@tandem/server-koa': 'packages/server-koa',
  '@tandem/store-sqlite': 'packages/store-sqlite',
  '@tandem/store-postgres': 'packages/store-postgres',
  '@tandem/redis': 'packages/redis',
  '@tandem/test-utils': 'packages/test-utils',
  '@tandem/server-app': 'apps/server',
}

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      ...Object.entries(projects).map(([name, dir]) => ({
        extends: true as const,
        test: { name, include: [`${dir}/{src,test}/**/*.test.{ts,tsx}`] },
      })),
      // What every public package would publish (scripts/packages.test.ts); needs the packages built.
      { extends: true, test: { name: 'packaging', include: ['scripts/*.test.ts'] } },
    ],
  },
})
