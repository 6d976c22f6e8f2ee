// The pictures of the document page in the README: three people in one document, light and dark.
import { mkdir } from 'node:fs/promises'
import { expect, test } from './fixtures.js'
import { imagesDir } from './paths.js'

const TEXT = `# Launch plan

A short plan for the public launch. Edit anything: everyone here sees it as you type.

## Goals
- Ship the self-hosted release with the web app
- Write the install guide and the embedding guide
- Collect feedback from the first ten teams

## Timeline
1. Freeze features on Monday
2. Test on phones and slow networks
3. Publish the release notes on Thursday

## Open questions
- Which defaults should the Docker image use?
- Do we need a read-only share link on day one?
`

test('screenshots of the document page with several people, light and dark', { tag: '@slow' }, async ({
  openPerson,
}) => {
  await mkdir(imagesDir, { recursive: true })
  const viewport = { width: 1200, height: 720 }
  // A fixed name (the server's data directory is new for each run), so that the pictures only change when the
  // app does.
  const path = '/d/team/launch-plan'
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd', viewport, path })
  const grace = await openPerson({ name: 'Grace Hopper', color: '#d9480f', viewport, path })
  const alan = await openPerson({ name: 'Alan Turing', color: '#2b8a3e', viewport, path })

  await ada.title.fill('Launch plan')
  await ada.editor.click()
  await ada.page.keyboard.insertText(TEXT)
  await expect.poll(() => alan.text()).toBe(TEXT)

  // Grace is adding to the timeline; Alan has selected a word in the questions; Ada is in the goals.
  await grace.page.locator('.cm-line', { hasText: '2. Test on phones' }).click()
  await grace.page.keyboard.press('End')
  await grace.page.keyboard.type(' and tablets')
  await alan.page.locator('.cm-line', { hasText: 'Which defaults' }).click()
  await alan.page.keyboard.press('End')
  for (let i = 0; i < 4; i++) await alan.page.keyboard.press('Control+ArrowLeft')
  await alan.page.keyboard.press('Control+Shift+ArrowRight')
  await ada.page.locator('.cm-line', { hasText: 'install guide' }).click()
  await ada.page.keyboard.press('End')

  await expect(ada.count).toHaveText('3 people here')
  await expect(ada.page.locator('.cm-tandem-selection')).toHaveText('Docker')
  await expect(ada.pill).toHaveText('All changes saved')
  await expect.poll(() => ada.text()).toContain('Test on phones and slow networks and tablets')
  // Names on carets fade after a few seconds; in a picture they stay.
  await ada.page.addStyleTag({
    content: '.cm-tandem-line-name { animation: none !important; opacity: 1 !important; }',
  })

  await ada.page.screenshot({ path: `${imagesDir}/web-document-light.png`, animations: 'disabled' })
  await ada.page.emulateMedia({ colorScheme: 'dark' })
  await expect(ada.page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await expect(ada.page.locator('.cm-editor')).toHaveCSS('background-color', 'rgb(30, 34, 39)')
  await ada.page.screenshot({ path: `${imagesDir}/web-document-dark.png`, animations: 'disabled' })
})

test('screenshots of the history panel comparing a named version with the text now, wide and on a phone', {
  tag: '@slow',
}, async ({ openPerson }) => {
  await mkdir(imagesDir, { recursive: true })
  const viewport = { width: 1200, height: 720 }
  const path = '/d/team/launch-history'
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd', viewport, path })
  const grace = await openPerson({ name: 'Grace Hopper', color: '#d9480f', viewport, path })
  await ada.title.fill('Launch plan')
  await ada.editor.click()
  await ada.page.keyboard.insertText(TEXT)
  await expect.poll(() => grace.text()).toBe(TEXT)
  await expect(ada.pill).toHaveText('All changes saved')

  await ada.page.getByRole('button', { name: 'History' }).click()
  const panel = ada.page.getByRole('complementary', { name: 'History' })
  await panel.getByLabel('Name this version').fill('First draft')
  await panel.getByRole('button', { name: 'Name', exact: true }).click()
  const draft = panel.getByRole('button', { name: /First draft/ })
  await expect(draft).toBeVisible()

  // Grace moves the freeze a day and adds a goal.
  await grace.page.locator('.cm-line', { hasText: 'Freeze features' }).click()
  await grace.page.keyboard.press('End')
  for (let i = 0; i < 'Monday'.length; i++) await grace.page.keyboard.press('Backspace')
  await grace.page.keyboard.type('Tuesday')
  await grace.page.locator('.cm-line', { hasText: 'first ten teams' }).click()
  await grace.page.keyboard.press('End')
  // (Enter in a list starts the next item.)
  await grace.page.keyboard.type('\nRecord a five-minute demo')
  await expect(grace.pill).toHaveText('All changes saved')

  await draft.click()
  // The note about the naming has gone.
  await expect(ada.page.locator('.toast.is-shown')).toHaveCount(0)
  await expect(panel.locator('.history-text del')).toHaveText(['Monday'])
  await expect(panel.locator('.history-text ins')).toHaveText(['\n- Record a five-minute demo', 'Tuesday'])
  await ada.page.screenshot({ path: `${imagesDir}/web-history.png`, animations: 'disabled' })

  await ada.page.setViewportSize({ width: 375, height: 740 })
  await expect(panel.getByRole('button', { name: 'Restore this version' })).toBeInViewport()
  await ada.page.screenshot({ path: `${imagesDir}/web-history-phone.png`, animations: 'disabled' })
})
