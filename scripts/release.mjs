#!/usr/bin/env node
// Publishes Tandem's public packages (every package under packages/ that is not private) to the npm registry:
// builds, checks what each package would ship (the `packaging` Vitest project, scripts/packages.test.ts), then
// runs `pnpm -r publish`, as a dry run unless --publish is given. pnpm replaces `workspace:` ranges with the
// versions of the packages they point to, and skips versions already on the registry.
import { spawnSync } from 'node:child_process'

const root = new URL('..', import.meta.url).pathname

const help = `Usage: node scripts/release.mjs [--publish]

Builds every package (pnpm build), checks what each public package would ship
(pnpm exec vitest run --project packaging), then runs
pnpm -r publish --access public --dry-run.

  --publish   publish for real instead of a dry run. Refused while the git working
              tree has uncommitted changes: what is published must be a commit.
  --help      show this text.

Bump the versions in packages/*/package.json first, and log in to the registry
(npm login) before --publish.`

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  console.log(help)
  process.exit(0)
}
const unknown = args.filter((arg) => arg !== '--publish')
if (unknown.length > 0) {
  console.error(`Unknown argument ${unknown.join(' ')}.\n\n${help}`)
  process.exit(2)
}
const publish = args.includes('--publish')

function fail(message) {
  console.error(`\n✖ ${message}`)
  process.exit(1)
}

function run(title, command, commandArgs) {
  console.log(`\n▶ ${title}: ${[command, ...commandArgs].join(' ')}`)
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' })
  return result.status ?? 1
}

if (publish) {
  const status = spawnSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' })
  if (status.status !== 0) fail('git status failed: run the release from a git checkout of Tandem.')
  if (status.stdout.trim() !== '') {
    fail(`The git working tree has uncommitted changes; commit or stash them before publishing:\n${status.stdout}`)
  }
}

if (run('Build', 'pnpm', ['build']) !== 0) fail('The build failed.')
if (run('What each package ships', 'pnpm', ['exec', 'vitest', 'run', '--project', 'packaging']) !== 0) {
  fail('The packaging check failed: a package would ship the wrong files (see above).')
}
// A dry run works on any branch and tree; a real one also passes pnpm's git checks (the main branch, in sync
// with its remote).
const publishArgs = ['-r', 'publish', '--access', 'public', ...(publish ? [] : ['--dry-run', '--no-git-checks'])]
if (run(publish ? 'Publish' : 'Publish, dry run', 'pnpm', publishArgs) !== 0) fail('pnpm publish failed.')
console.log(publish ? '\n✔ Published.' : '\n✔ Dry run done. Run with --publish to publish.')
