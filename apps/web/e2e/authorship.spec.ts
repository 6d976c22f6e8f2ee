import { expect, test, textBy } from './fixtures.js'

const ALICE = { name: 'Alice', color: '#2f6fdd' }
const BOB = { name: 'Bob', color: '#d9480f' }

test('who wrote what: each person’s text in their colour, kept up as they type, remembered, and off again', {
  tag: '@slow',
}, async ({ openPerson }) => {
  const alice = await openPerson(ALICE)
  const bob = await openPerson(BOB)
  await alice.typeAtEnd('Alpha ')
  await expect.poll(() => bob.text()).toBe('Alpha ')
  await bob.typeAtEnd('Bravo ')
  await expect.poll(() => alice.text()).toBe('Alpha Bravo ')
  for (const person of [alice, bob]) await expect(person.pill).toHaveText('All changes saved')

  const toggle = alice.page.getByRole('button', { name: 'Who wrote what' })
  await toggle.press('Enter')
  await expect(toggle).toHaveAttribute('aria-pressed', 'true')
  await expect.poll(() => textBy(alice, 'Alice')).toBe('Alpha ')
  await expect.poll(() => textBy(alice, 'Bob')).toBe('Bravo ')
  // Their carets' colours, as a light tint.
  const marks = alice.page.locator('.cm-tandem-author')
  await expect(marks.filter({ hasText: 'Alpha' })).toHaveCSS('background-color', 'rgba(47, 111, 221, 0.22)')
  await expect(marks.filter({ hasText: 'Bravo' })).toHaveCSS('background-color', 'rgba(217, 72, 15, 0.22)')
  await expect(alice.page.locator('.author-legend .author-entry')).toHaveText(['Alice', 'Bob'])
  // Only in the browser that turned it on.
  await expect(bob.page.locator('.cm-tandem-author')).toHaveCount(0)

  // Written after it was turned on: by someone else, then by Alice herself.
  await bob.typeAtEnd('Charlie ')
  await expect.poll(() => alice.text()).toBe('Alpha Bravo Charlie ')
  await alice.typeAtEnd('Delta')
  await expect.poll(() => textBy(alice, 'Bob')).toBe('Bravo Charlie ')
  await expect.poll(() => textBy(alice, 'Alice')).toBe('Alpha Delta')

  // Remembered in this browser, and what the server says after a reload is the same.
  await expect(alice.pill).toHaveText('All changes saved')
  await alice.open(alice.page.url())
  await expect(toggle).toHaveAttribute('aria-pressed', 'true')
  await expect.poll(() => textBy(alice, 'Bob')).toBe('Bravo Charlie ')
  await expect.poll(() => textBy(alice, 'Alice')).toBe('Alpha Delta')

  await toggle.click()
  await expect(toggle).toHaveAttribute('aria-pressed', 'false')
  await expect(marks).toHaveCount(0)
  await expect(alice.page.locator('.author-legend')).toBeHidden()
})
