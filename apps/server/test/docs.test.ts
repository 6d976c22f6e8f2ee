/**
 * The documentation shows what the program does: its help texts are the real ones, and the walkthrough from a fresh
 * Debian server marks the blocks `pnpm test:newcomer` runs, in the order it runs them.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { repoRoot } from '@tandem/test-utils'
import { describe, it } from 'vitest'
import { commandLines, documentedNewcomerActions, NEWCOMER_ORDER } from './support/newcomer-path.js'

const run = promisify(execFile)

describe('docs/self-hosting.md', () => {
  // Concurrent: each starts the CLI from source, which takes a second or two.
  it.concurrent.for(['serve', 'backup', 'restore'])(
    'shows the current `tandem %s --help`',
    async (command, { expect }) => {
      const doc = await readFile(join(repoRoot, 'docs/self-hosting.md'), 'utf8')
      const shown = new RegExp(`<!-- output: tandem ${command} --help -->\\n\`\`\`\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1]
      const help = await run(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', 'apps/server/src/cli.ts', command, '--help'],
        { cwd: repoRoot, encoding: 'utf8' },
      )
      expect(shown).toBe(help.stdout)
    },
  )

  it('marks the blocks of the newcomer walkthrough that pnpm test:newcomer runs, in its order, none empty', async ({
    expect,
  }) => {
    const actions = await documentedNewcomerActions()
    expect(actions.map((action) => action.id)).toEqual(NEWCOMER_ORDER)
    for (const action of actions) {
      if (action.kind === 'step') expect(commandLines(action.script), action.id).not.toEqual([])
      else expect(action.content.split('\n').length, action.id).toBeGreaterThan(3)
    }
  })
})
