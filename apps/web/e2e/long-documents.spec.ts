import type { Locator } from '@playwright/test'
import { storedText } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'

/**
 * Past the editor's full-parse limit (100,000 characters) a document is highlighted only around the part on
 * screen. 1,500 log lines of 80 characters without a blank line (one Markdown paragraph), between two headings.
 */
function longMarkdown(): string {
  const lines = Array.from({ length: 1_500 }, (_, i) => `line ${i} of the log`.padEnd(80, '.'))
  return ['# Log', ...lines, '# The end'].join('\n')
}

/** Whether a line of the editor shows a Markdown heading: bold, as the light theme draws one. */
function isBold(line: Locator): Promise<boolean> {
  return line.evaluate((element) =>
    [...element.querySelectorAll('span')].some((span) => Number(getComputedStyle(span).fontWeight) >= 700),
  )
}

test('a long document says its highlighting covers what is on screen, highlights it there, and saves typing', async ({
  openPerson,
  docName,
  tandem,
}) => {
  const ada = await openPerson({ name: 'Ada Lovelace' })
  const note = ada.page.getByRole('status').filter({ hasText: 'Long document: highlighting what is on screen' })
  await ada.editor.click()
  const text = longMarkdown()
  await ada.page.keyboard.insertText(text)
  await expect(note).toBeVisible()

  // The end, parsed when it came into view: the heading is bold on its own line, the log line above it is not.
  const lines = ada.page.locator('.cm-content .cm-line')
  await expect(lines.last()).toHaveText('# The end')
  await expect.poll(() => isBold(lines.last())).toBe(true)
  expect(await isBold(lines.nth(-2))).toBe(false)

  await ada.page.keyboard.type(' is here')
  await expect(ada.pill).toHaveText('All changes saved')
  expect(await storedText(tandem.dataDir, docName)).toBe(`${text} is here`)

  // The top, parsed again when the person scrolls back to it.
  await ada.page.keyboard.press('Control+Home')
  await expect(lines.first()).toHaveText('# Log')
  await expect.poll(() => isBold(lines.first())).toBe(true)

  // Short again: highlighted whole, and the note goes.
  await ada.page.keyboard.press('Control+a')
  await ada.page.keyboard.type('# Short')
  await expect(note).toBeHidden()
  await expect.poll(() => isBold(lines.first())).toBe(true)
})
