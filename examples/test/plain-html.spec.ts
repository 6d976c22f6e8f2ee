/**
 * examples/plain-html in real Chromium: the page with no bundler and the single-file <tandem-editor>, pointed at
 * a Tandem server by its address, shows the connection and "saved", and what a person types is stored.
 */
import { storedText } from '@tandem/test-utils'
import { expect, test, watchText } from './fixtures.js'

test('a person types in the plain page, sees it saved, and the server stored it', async ({ open, tandem, docName }) => {
  const { page } = await open({ example: 'plain-html', name: 'Ada' })
  await expect(page.locator('#status')).toHaveText('connected')
  await expect(page.locator('#people')).toHaveText('Ada (you)')
  const saved = page.locator('#saved')
  await expect(saved).toHaveText('All changes saved')

  const savedShown = await watchText(page, '#saved')

  await page.locator('tandem-editor .cm-content').click()
  await page.keyboard.type('Typed on a plain page.')
  // "Saving…" while the change was on its way, then saved: and then the server's database has it all.
  await expect.poll(async () => (await savedShown()).at(-1)).toBe('All changes saved')
  expect(await savedShown()).toContain('Saving…')
  expect(await storedText(tandem.dataDir, docName)).toBe('Typed on a plain page.')
  await expect(page.locator('#problem')).toBeHidden()
})
