/** The documentation shows what the program does: its help text is the real one. */
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { repoRoot, tandemCli } from '@tandem/test-utils'
import { describe, expect, it } from 'vitest'

describe('docs/self-hosting.md', () => {
  it('shows the current `tandem serve --help`', async () => {
    const doc = await readFile(join(repoRoot, 'docs/self-hosting.md'), 'utf8')
    const shown = /<!-- output: tandem serve --help -->\n```\n([\s\S]*?)```/.exec(doc)?.[1]
    const help = spawnSync(process.execPath, tandemCli('serve', '--help'), {
      cwd: repoRoot,
      encoding: 'utf8',
    })
    expect(help.status).toBe(0)
    expect(shown).toBe(help.stdout)
  })
})
