/**
 * examples/tiptap in real Chromium: two people edit rich text on @tandem/client. Ada makes a bold heading and
 * types a paragraph; Bob sees the same structure; each sees the other's caret with their name; each page says
 * "saved" once the server stored their change; the server's database holds the rich text as Yjs XML in the
 * `prosemirror` fragment (and nothing in the plain `content` text). Undo takes back only one's own change.
 */
import { storedDoc } from '@tandem/test-utils'
import { expect, type Person, test, watchText } from './fixtures.js'

/** What the stored fragment holds once both have typed. */
const BOTH_XML = '<heading level="1"><bold>Plan</bold></heading><paragraph>Ship on Friday. Agreed.</paragraph>'

/**
 * The editor's blocks as `tag: text`, e.g. `['H1: Plan', 'P: Ship on Friday.']`, without other people's carets and
 * their name labels (which sit inside the text).
 */
function blocks(person: Person): Promise<string[]> {
  return person.page.evaluate(() =>
    [...document.querySelectorAll('.tiptap > *')].map((block) => {
      const copy = block.cloneNode(true) as HTMLElement
      for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
      return `${block.tagName}: ${copy.textContent}`
    }),
  )
}

/** A toolbar button of the person's page, by its accessible name. */
function button(person: Person, name: 'Bold' | 'Heading' | 'Undo'): ReturnType<Person['page']['getByRole']> {
  return person.page.getByRole('button', { name, exact: true })
}

test('two people edit rich text: the same structure, each other’s carets, saved once stored', async ({
  open,
  tandem,
  docName,
}) => {
  const ada = await open({ example: 'tiptap', name: 'Ada' })
  const bob = await open({ example: 'tiptap', name: 'Bob' })
  for (const person of [ada, bob]) await expect(person.page.locator('#status')).toHaveText('connected')
  await expect(ada.page.locator('#people li')).toHaveText(['Ada (you)', 'Bob'])
  await expect(bob.page.locator('#people li')).toHaveText(['Bob (you)', 'Ada'])
  const adaSaved = await watchText(ada.page, '#saved')
  const bobSaved = await watchText(bob.page, '#saved')

  // Ada: a level-1 heading in bold, then a plain paragraph.
  await ada.page.locator('.tiptap').click()
  await button(ada, 'Heading').click()
  await button(ada, 'Bold').click()
  await ada.page.keyboard.type('Plan')
  await ada.page.keyboard.press('Enter')
  await button(ada, 'Bold').click()
  await expect(button(ada, 'Bold')).toHaveAttribute('aria-pressed', 'false')
  await ada.page.keyboard.type('Ship on Friday.')

  // Bob's editor has the same structure, element for element.
  await expect.poll(() => blocks(bob)).toEqual(['H1: Plan', 'P: Ship on Friday.'])
  await expect(bob.page.locator('.tiptap h1 > strong')).toHaveText('Plan')

  // Bob types at the end of the paragraph; Ada sees it, and each sees the other's named caret.
  await bob.page.locator('.tiptap > p').click()
  await bob.page.keyboard.press('End')
  await bob.page.keyboard.type(' Agreed.')
  await expect.poll(() => blocks(ada)).toEqual(['H1: Plan', 'P: Ship on Friday. Agreed.'])
  await expect(ada.page.locator('.collaboration-carets__label')).toHaveText('Bob')
  await expect(bob.page.locator('.collaboration-carets__label')).toHaveText('Ada')

  // Each saw "Saving…" while their change was on its way, then saved; then the server's database has it all.
  for (const savedShown of [adaSaved, bobSaved]) {
    await expect.poll(async () => (await savedShown()).at(-1)).toBe('All changes saved')
    expect(await savedShown()).toContain('Saving…')
  }
  const stored = await storedDoc(tandem.dataDir, docName)
  expect(stored.getXmlFragment('prosemirror').toString()).toBe(BOTH_XML)
  expect(stored.getText('content').toString()).toBe('')
  stored.destroy()

  // Undo takes back Bob's own typing only; Ada sees it go.
  await button(bob, 'Undo').click()
  for (const person of [ada, bob]) await expect.poll(() => blocks(person)).toEqual(['H1: Plan', 'P: Ship on Friday.'])
  for (const person of [ada, bob]) await expect(person.page.locator('#problem')).toBeHidden()
})
