/**
 * The walkthrough of docs/self-hosting.md, "From a fresh Debian server to https://", as its source marks it: each
 * `<!-- newcomer step: NAME -->` comes right before the ```sh block a person runs at that step, and each
 * `<!-- newcomer file: PATH -->` names a file the person saves from a block elsewhere in the page, the one whose
 * first line is a comment naming PATH (`# /etc/nginx/sites-available/tandem`). `pnpm test:newcomer`
 * (apps/server/test/newcomer.ts) runs them in this order; the docs test checks that the page still marks exactly
 * these, in this order, so that the page cannot change without the test that runs it.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { repoRoot } from '@tandem/test-utils'

/** What the walkthrough does, in order: `step NAME` runs a shell block, `file PATH` saves a documented file. */
export const NEWCOMER_ORDER = [
  'step packages',
  'step user',
  'step build',
  'file /opt/tandem/ecosystem.config.cjs',
  'step start',
  'step certificate',
  'file /etc/nginx/sites-available/tandem',
  'step nginx',
  'step check',
  'step backups',
  'step upgrade',
] as const

export type NewcomerAction =
  | { readonly kind: 'step'; readonly id: string; readonly name: string; readonly script: string }
  | { readonly kind: 'file'; readonly id: string; readonly path: string; readonly content: string }

/** A fenced block's text, with the indentation of its fence (a block inside a list item) taken off every line. */
function unindent(body: string, indent: string): string {
  return body
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
    .join('\n')
}

/** The marked actions of `doc` (the text of docs/self-hosting.md), in page order. Throws on a malformed marker. */
export function newcomerActions(doc: string): NewcomerAction[] {
  const actions: NewcomerAction[] = []
  const marker = /^([ \t]*)<!-- newcomer (step|file): (.+?) -->\n/gm
  for (let match = marker.exec(doc); match; match = marker.exec(doc)) {
    const [, , kind, value] = match as unknown as [string, string, 'step' | 'file', string]
    if (kind === 'step') {
      // The next non-marker line must open a ```sh block.
      const rest = doc.slice(match.index + match[0].length)
      const fence = /^([ \t]*)```sh\n([\s\S]*?)^\1```[ \t]*$/m.exec(rest)
      if (!fence || rest.slice(0, fence.index).trim() !== '') {
        throw new Error(
          `docs/self-hosting.md: the marker of newcomer step "${value}" is not right before a \`\`\`sh block.`,
        )
      }
      const [, indent = '', body = ''] = fence
      actions.push({ kind, id: `step ${value}`, name: value, script: unindent(body, indent) })
    } else {
      const block = new RegExp(
        `^([ \\t]*)\`\`\`\\w+\\n\\1(?:#|//) ${escapeRegExp(value)}\\n([\\s\\S]*?)^\\1\`\`\`[ \\t]*$`,
        'm',
      ).exec(doc)
      if (!block) {
        throw new Error(
          `docs/self-hosting.md: no fenced block starts with a comment naming ${value}, the newcomer file to save.`,
        )
      }
      const [whole, indent = ''] = block
      const content = unindent(whole.slice(whole.indexOf('\n') + 1, whole.lastIndexOf('```')), indent)
      actions.push({ kind, id: `file ${value}`, path: value, content })
    }
  }
  return actions
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** The marked actions of docs/self-hosting.md as it is in this checkout now. */
export async function documentedNewcomerActions(): Promise<NewcomerAction[]> {
  return newcomerActions(await readFile(join(repoRoot, 'docs/self-hosting.md'), 'utf8'))
}

/** The commands of a shell block: its lines other than blank ones and comments. */
export function commandLines(script: string): string[] {
  return script.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
}
