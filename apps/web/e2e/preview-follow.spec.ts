import { expect, type Person, test } from './fixtures.js'

const ADA = { name: 'Ada Lovelace', color: '#2f6fdd' }
const BOB = { name: 'Bob Kahn', color: '#d9480f' }

/** Puts `text` into a person's editor at its end, in one go, as a paste would. */
async function insertAtEnd(person: Person, text: string): Promise<void> {
  await person.editor.click()
  await person.page.keyboard.press('Control+End')
  await person.page.keyboard.insertText(text)
}

test('the Markdown preview renders what a person types and follows the other person live', async ({ openPerson }) => {
  const ada = await openPerson(ADA)
  const bob = await openPerson(BOB)
  await insertAtEnd(
    ada,
    '# Errands\n\n- post office\n- bakery\n\nSee [the map](https://example.com/map).\n\n`open 9-5`',
  )
  const toggle = ada.page.getByRole('group', { name: 'View' })
  await expect(toggle).toBeVisible()
  await toggle.getByRole('button', { name: 'Side by side' }).click()

  const preview = ada.page.getByRole('article', { name: 'Preview' })
  await expect(preview.getByRole('heading', { level: 1 })).toHaveText('Errands')
  await expect(preview.getByRole('listitem')).toHaveText(['post office', 'bakery'])
  const link = preview.getByRole('link', { name: 'the map' })
  await expect(link).toHaveAttribute('href', 'https://example.com/map')
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer')
  await expect(link).toHaveAttribute('target', '_blank')
  await expect(preview.locator('code')).toHaveText('open 9-5')
  await expect(ada.editor).toBeVisible()

  // Bob types; Ada's preview shows it without her doing anything.
  await insertAtEnd(bob, '\n\n## From Bob\n')
  await expect(preview.getByRole('heading', { level: 2 })).toHaveText('From Bob')

  // From the keyboard: the preview alone, then the editor alone.
  await toggle.getByRole('button', { name: 'Preview' }).focus()
  await ada.page.keyboard.press('Enter')
  await expect(toggle.getByRole('button', { name: 'Preview' })).toHaveAttribute('aria-pressed', 'true')
  await expect(ada.editor).toBeHidden()
  await expect(preview).toBeVisible()
  await ada.page.keyboard.press('Shift+Tab')
  await ada.page.keyboard.press('Shift+Tab')
  await ada.page.keyboard.press('Enter')
  await expect(toggle.getByRole('button', { name: 'Editor' })).toHaveAttribute('aria-pressed', 'true')
  await expect(preview).toBeHidden()
  await expect(ada.editor).toBeVisible()

  // Not Markdown: no toggle, no preview.
  await toggle.getByRole('button', { name: 'Preview' }).click()
  await bob.language.selectOption({ label: 'Plain text' })
  await expect(toggle).toBeHidden()
  await expect(preview).toBeHidden()
  await expect(ada.editor).toBeVisible()
})

test('a hostile document renders in the preview without running anything', async ({ openPerson }) => {
  const ada = await openPerson(ADA)
  await insertAtEnd(
    ada,
    [
      '<script>window.hostileRan = "script"</script>',
      '<img src=x onerror="window.hostileRan = \'onerror\'">',
      '<iframe srcdoc="<script>parent.hostileRan = \'iframe\'</script>"></iframe>',
      '<style>body { display: none }</style>',
      "[click me](javascript:window.hostileRan='link')",
      '[data page](data:text/html,<script>alert(1)</script>)',
      '<a href="javascript:alert(1)" onclick="window.hostileRan = \'click\'">raw link</a>',
      // A picture in a data: URL stays: it cannot run code.
      '![a dot](data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7)',
      '',
      '# The end',
    ].join('\n\n'),
  )
  await ada.page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Preview' }).click()
  const preview = ada.page.getByRole('article', { name: 'Preview' })
  await expect(preview.getByRole('heading', { name: 'The end' })).toBeVisible()
  // Every image has loaded or failed (and any error handler has had its turn).
  await expect
    .poll(() => preview.evaluate((element) => [...element.querySelectorAll('img')].every((img) => img.complete)))
    .toBe(true)
  await ada.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)))

  expect(await ada.page.evaluate(() => (window as { hostileRan?: unknown }).hostileRan)).toBeUndefined()
  const dangerous = await preview.evaluate((element) => ({
    elements: element.querySelectorAll('script, iframe, style, form').length,
    handlers: [...element.querySelectorAll('*')].flatMap((node) =>
      [...node.attributes].map((attribute) => attribute.name).filter((name) => name.startsWith('on')),
    ),
    hrefs: [...element.querySelectorAll('a')].map((a) => a.getAttribute('href')),
  }))
  expect(dangerous).toEqual({ elements: 0, handlers: [], hrefs: [] })
  await expect(preview.getByRole('img', { name: 'a dot' })).toHaveJSProperty('naturalWidth', 1)
  // What was refused shows as the text it was, for a person to see.
  await expect(preview).toContainText('[click me](javascript:')
  await expect(preview).toContainText('<script>window.hostileRan')
  await expect(ada.page.locator('body')).toBeVisible()
  await preview.getByText('raw link').click()
  expect(await ada.page.evaluate(() => (window as { hostileRan?: unknown }).hostileRan)).toBeUndefined()
})

test('following a person keeps their cursor in view until one scrolls', { tag: '@slow' }, async ({ openPerson }) => {
  const ada = await openPerson(ADA)
  const bob = await openPerson(BOB)
  await insertAtEnd(ada, Array.from({ length: 120 }, (_, i) => `Line ${i + 1}`).join('\n'))
  await expect(bob.page.locator('.counts')).toHaveText(/^120 lines/)

  const follow = bob.page.getByRole('button', { name: 'Ada Lovelace: follow their cursor' })
  await follow.click()
  await expect(bob.page.locator('.follow-status')).toHaveText(/Following Ada Lovelace/)
  await expect(bob.page.getByRole('button', { name: 'Ada Lovelace: stop following' })).toHaveAttribute(
    'aria-pressed',
    'true',
  )
  // A line by its text (Ada's caret, with her name in it, may sit inside it).
  const line = (text: string) => bob.page.locator('.cm-line').filter({ hasText: text })
  await expect(line('Line 120')).toBeInViewport()

  // Ada jumps to the top and types: Bob's view goes with her. Then to the end, and back to the middle.
  await ada.page.keyboard.press('Control+Home')
  await ada.page.keyboard.type('Ada at the top. ')
  await expect(line('Ada at the top.')).toBeInViewport()
  await ada.page.keyboard.press('Control+End')
  await ada.page.keyboard.type(' and Ada at the end')
  await expect(line('and Ada at the end')).toBeInViewport()

  // Bob scrolls: following stops, and the page says so.
  const scroller = bob.page.locator('.cm-scroller')
  await scroller.hover()
  await bob.page.mouse.wheel(0, -600)
  await expect(bob.page.getByRole('status').filter({ hasText: 'Stopped following' })).toHaveText(
    'Stopped following Ada Lovelace: you scrolled.',
  )
  await expect(bob.page.locator('.follow-status')).toBeHidden()
  await expect(bob.page.getByRole('button', { name: 'Ada Lovelace: follow their cursor' })).toHaveAttribute(
    'aria-pressed',
    'false',
  )
  await expect.poll(() => scroller.evaluate((element) => element.scrollTop)).toBeGreaterThan(1000)
  const scrolled = await scroller.evaluate((element) => element.scrollTop)

  // Ada moves on to the top; Bob's view stays where he put it.
  await ada.page.keyboard.press('Control+Home')
  await ada.page.keyboard.type('Back up. ')
  await expect(bob.page.locator('.counts')).toHaveText(/ 251 words$/)
  expect(await scroller.evaluate((element) => element.scrollTop)).toBe(scrolled)

  // Following again, and Escape ends it.
  await follow.click()
  await expect(line('Back up.')).toBeInViewport()
  await bob.page.keyboard.press('Escape')
  await expect(bob.page.getByRole('status').filter({ hasText: 'Stopped following' })).toHaveText(
    'Stopped following Ada Lovelace: you stopped it.',
  )
})
