import { expect, test } from './fixtures.js'

test('a read-only editor cannot type, still shows changes, and its cursor still shows to others', async ({
  openPerson,
}) => {
  const ada = await openPerson({ name: 'Ada' })
  const bob = await openPerson({ name: 'Bob', readOnly: true })
  await ada.typeAtEnd('Only Ada writes here.')
  await expect.poll(() => bob.text()).toBe('Only Ada writes here.')
  await expect(bob.content).toHaveAttribute('aria-readonly', 'true')

  // Bob clicks into the text and tries to type, paste and delete.
  await bob.content.click()
  await bob.page.keyboard.press('Control+End')
  await bob.page.keyboard.type('Bob was here')
  await bob.page.keyboard.press('Backspace')
  await bob.page.keyboard.press('Enter')
  // Ada's next change arriving at Bob shows that Bob's keys were handled before it.
  await ada.typeAtEnd(' Still.')
  await expect.poll(() => bob.text()).toBe('Only Ada writes here. Still.')
  await expect.poll(() => bob.shownText()).toBe('Only Ada writes here. Still.')
  expect(await ada.text()).toBe('Only Ada writes here. Still.')

  // Bob's cursor, placed at the end of the text, shows in Ada's editor with his name.
  await expect(ada.page.locator('.cm-tandem-caret-label')).toHaveText('Bob')

  // Writing can be allowed later.
  await bob.page.evaluate(() => window.harness.editor!.setReadOnly(false))
  await bob.typeAtEnd(' Bob now too.')
  await expect.poll(() => ada.text()).toBe('Only Ada writes here. Still. Bob now too.')
})
