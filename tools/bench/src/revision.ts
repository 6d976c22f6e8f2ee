import { spawnSync } from 'node:child_process'
import { repoRoot } from './paths.js'

/** The code a run measured: the repository's commit, and whether the server's code differed from it. */
export interface Revision {
  commit: string | null
  /** The server's packages had uncommitted changes (the figures then belong to the work tree, not the commit). */
  serverDirty: boolean
}

const SERVER_PATHS = ['packages/protocol', 'packages/server', 'packages/store-sqlite', 'apps/server']

/** Reads the revision with git; `commit` is null outside a git checkout. */
export function readRevision(): Revision {
  const git = (args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' })
  const head = git(['rev-parse', '--short', 'HEAD'])
  if (head.status !== 0) return { commit: null, serverDirty: false }
  const status = git(['status', '--porcelain', '--', ...SERVER_PATHS])
  return { commit: head.stdout.trim(), serverDirty: status.stdout.trim() !== '' }
}
