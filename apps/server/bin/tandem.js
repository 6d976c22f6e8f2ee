#!/usr/bin/env node
// Runs the built CLI (pnpm build); from a source checkout without a build, run with
// `node --conditions=source --import tsx apps/server/src/cli.ts` instead.
import '../dist/cli.js'
