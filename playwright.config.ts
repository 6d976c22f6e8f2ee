import { availableParallelism } from 'node:os'
import { defineConfig, type Project } from '@playwright/test'

// Debian's Chromium by default; elsewhere point CHROMIUM_PATH at any Chromium, or set it to '' to use
// Playwright's own downloaded browser.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    ...(executablePath ? { executablePath } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  },
}

/** Each project: its tests, plus a setup project that builds what they load. Add a project per package or app. */
const projects: Project[] = [
  { name: 'editor-build', testDir: 'packages/editor/test', testMatch: /build\.setup\.ts$/ },
  { name: 'editor', testDir: 'packages/editor/test', testMatch: /\.spec\.ts$/, dependencies: ['editor-build'] },
  { name: 'react-build', testDir: 'packages/react/test', testMatch: /build\.setup\.ts$/ },
  { name: 'react', testDir: 'packages/react/test', testMatch: /\.spec\.ts$/, dependencies: ['react-build'] },
  { name: 'examples-build', testDir: 'examples/test', testMatch: /build\.setup\.ts$/ },
  {
    name: 'examples',
    testDir: 'examples/test',
    testMatch: /\.spec\.ts$/,
    dependencies: ['examples-build'],
  },
  // The web app's tests keep their output apart, so that a run of other projects does not clear it mid-run.
  { name: 'web-build', testDir: 'apps/web/e2e', testMatch: /build\.setup\.ts$/, outputDir: 'apps/web/test-results' },
  {
    name: 'web',
    testDir: 'apps/web/e2e',
    testMatch: /\.spec\.ts$/,
    dependencies: ['web-build'],
    outputDir: 'apps/web/test-results',
  },
]

export default defineConfig({
  timeout: 60_000,
  expect: { timeout: 15_000 },
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // At least two: a browser test mostly waits on servers, sockets and timers, and one worker kept a 2-core machine
  // only 0.6 cores busy (two took the browser tests from about 3 minutes to about 2.4 with other work running).
  workers: Math.max(2, Math.floor(availableParallelism() / 2)),
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  // No trace by default: recording one for every test (to keep those of failures) took a sixth of the browser
  // tests' time on two cores. A failure still leaves its screenshot; rerun it with `--trace on` for a trace.
  use: { ...chromium, trace: 'off', screenshot: 'only-on-failure' },
  projects,
})
