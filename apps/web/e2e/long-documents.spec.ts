import type { Locator } from '@playwright/test'
import { connectClient, storedText } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'

/**
 * Past the editor's full-parse limit (50,000 characters) a document is highlighted only around the part on
 * screen. 700 log lines of 80 characters without a blank line (one Markdown paragraph), between two headings.
 */
function longMarkdown(): string {
  const lines = Array.from({ length: 700 }, (_, i) => `line ${i} of the log`.padEnd(80, '.'))
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
  // The text comes from another person's client: typing 57 KB into a browser takes longer than the test.
  const text = longMarkdown()
  const writer = connectClient(tandem.url, docName)
  try {
    await writer.synced()
    writer.text.insert(0, text)
    const ada = await openPerson({ name: 'Ada Lovelace' })
    const note = ada.page.getByRole('status').filter({ hasText: 'Long document: highlighting what is on screen' })
    const lines = ada.page.locator('.cm-content .cm-line')
    await expect(lines.first()).toHaveText('# Log')
    await expect(note).toBeVisible()
    await expect.poll(() => isBold(lines.first())).toBe(true)
    // Each log line is 5 words ("line", its number, "of", "the", "log"), and the headings 1 and 2.
    const counts = ada.page.locator('.counts')
    await expect(counts).toHaveText('702 lines · 3,503 words')

    // The end, parsed when it comes into view: the heading is bold on its own line, the log line above is not.
    await ada.editor.click()
    await ada.page.keyboard.press('Control+End')
    await expect(lines.last()).toHaveText('# The end')
    await expect.poll(() => isBold(lines.last())).toBe(true)
    expect(await isBold(lines.nth(-2))).toBe(false)

    await ada.page.keyboard.type(' is here')
    await expect(counts).toHaveText('702 lines · 3,505 words')
    await expect(ada.pill).toHaveText('All changes saved')
    expect(await storedText(tandem.dataDir, docName)).toBe(`${text} is here`)

    // Short again: highlighted whole, and the note goes.
    await ada.page.keyboard.press('Control+a')
    await ada.page.keyboard.type('# Short')
    await expect(note).toBeHidden()
    await expect.poll(() => isBold(lines.first())).toBe(true)
  } finally {
    writer.destroy()
  }
})
