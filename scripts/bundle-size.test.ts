// The bundle-size table in docs/embedding.md is the one the build measured: `pnpm build` runs
// scripts/bundle-size.mjs, which writes its measurement to .tmp/bundle-size.json (and fails over a budget).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

interface Measured {
  entries: {
    id: string
    budget: number
    min: number
    gzip: number
    gzipWithoutPeers: number
    languages: { language: string; min: number; gzip: number }[]
  }[]
  element: { min: number; gzip: number; budget: number }
}

/** Every table row between the bundle-size markers of docs/embedding.md, as its first cell and its KiB figures. */
function documentedRows(): Map<string, number[]> {
  const docs = readFileSync(join(root, 'docs/embedding.md'), 'utf8')
  const block = /<!-- bundle-size:start[^>]*-->([\s\S]*?)<!-- bundle-size:end -->/.exec(docs)?.[1]
  if (!block) throw new Error('docs/embedding.md has no bundle-size markers.')
  const rows = new Map<string, number[]>()
  for (const line of block.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    const first = /^`(.+)`$/.exec(cells[1] ?? '')?.[1]
    if (!first) continue
    rows.set(
      first,
      cells.flatMap((cell) => {
        const figure = /^([\d.]+) KiB$/.exec(cell)?.[1]
        return figure ? [Number(figure) * 1024] : []
      }),
    )
  }
  return rows
}

it("docs/embedding.md's bundle-size table shows what the build measured", () => {
  const file = join(root, '.tmp/bundle-size.json')
  if (!existsSync(file)) throw new Error('No .tmp/bundle-size.json: run `pnpm build` first, which measures.')
  const measured = JSON.parse(readFileSync(file, 'utf8')) as Measured
  const expected = new Map<string, number[]>()
  for (const entry of measured.entries) {
    expected.set(entry.id, [entry.min, entry.gzip, entry.gzipWithoutPeers, entry.budget])
    if (entry.id === '@tandem/editor') {
      for (const row of entry.languages) expected.set(`lang-${row.language}`, [row.min, row.gzip])
    }
  }
  expected.set('@tandem/editor/tandem-editor.js', [
    measured.element.min,
    measured.element.gzip,
    measured.element.budget,
  ])

  const documented = documentedRows()
  const fix = 'The bundle sizes moved: run `node scripts/bundle-size.mjs --write-docs` and commit docs/embedding.md.'
  expect([...documented.keys()].sort(), fix).toEqual([...expected.keys()].sort())
  for (const [id, figures] of expected) {
    const shown = documented.get(id) ?? []
    expect(shown.length, `${id}: ${fix}`).toBe(figures.length)
    // Within 1% (or the table's 0.1 KiB rounding): another Node.js's zlib may gzip a few bytes differently.
    figures.forEach((figure, i) => {
      expect(Math.abs((shown[i] ?? 0) - figure), `${id}, figure ${i + 1}: ${fix}`).toBeLessThanOrEqual(
        Math.max(figure * 0.01, 0.1 * 1024),
      )
    })
  }
})
