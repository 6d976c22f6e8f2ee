// The page's files: index.html beside this script, and the single-file <tandem-editor> element that
// `pnpm build` (at the repository's root) makes in @tandem/editor.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** index.html. */
export const page = fileURLToPath(new URL('./index.html', import.meta.url))

/** The element's file, `@tandem/editor/tandem-editor.js`; throws a sentence saying how to make it when missing. */
export function elementFile() {
  const file = fileURLToPath(import.meta.resolve('@tandem/editor/tandem-editor.js'))
  if (!existsSync(file)) {
    throw new Error(`${file} is not built yet: run \`pnpm build\` at the repository's root first.`)
  }
  return file
}
