import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { repoRoot } from '../paths.js'
import type { Chart } from './charts.js'

const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

/**
 * Publishes a run's figures: its charts into docs/images/, and its report between the
 * `<!-- bench:results:start -->` and `<!-- bench:results:end -->` markers of docs/benchmarks.md (the prose
 * around them is left alone).
 */
export async function publish(markdown: string, charts: Chart[]): Promise<string> {
  const images = join(repoRoot, 'docs/images')
  await mkdir(images, { recursive: true })
  for (const chart of charts) await writeFile(join(images, `${chart.name}.svg`), chart.svg)
  const docPath = join(repoRoot, 'docs/benchmarks.md')
  const doc = await readFile(docPath, 'utf8')
  const start = doc.indexOf(START)
  const end = doc.indexOf(END)
  if (start === -1 || end < start) {
    throw new Error(`docs/benchmarks.md has no "${START}" ... "${END}" section to write the results into.`)
  }
  await writeFile(docPath, `${doc.slice(0, start + START.length)}\n${markdown}\n${doc.slice(end)}`)
  return docPath
}
