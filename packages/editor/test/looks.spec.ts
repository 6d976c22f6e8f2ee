import { expect, test } from './fixtures.js'

test('Markdown by default, other languages loaded on demand and shared through meta.language', async ({
  openPerson,
}) => {
  const ada = await openPerson({ name: 'Ada' })
  const scripts: string[] = []
  const bob = await openPerson({ name: 'Bob' })
  bob.page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname)
  })
  const editorOf = (page: typeof ada.page) => page.locator('.cm-editor')
  await expect(editorOf(ada.page)).toHaveAttribute('data-language', 'markdown')
  await ada.typeAtEnd('# Title')
  await expect(ada.page.locator('.cm-line span').first()).toHaveCSS('font-weight', '700')
  // Markdown's keys: Enter in a list item starts the next item.
  await ada.page.keyboard.type('\n- one\ntwo')
  await expect.poll(() => ada.page.evaluate(() => window.harness.editor!.text.toString())).toBe('# Title\n- one\n- two')

  // One person picks Python for the document; everyone's editor follows, fetching the parser only now.
  expect(scripts).toEqual([])
  await ada.page.evaluate(() => window.harness.editor!.meta.set('language', 'python'))
  await expect(editorOf(bob.page)).toHaveAttribute('data-language', 'python')
  await expect(editorOf(ada.page)).toHaveAttribute('data-language', 'python')
  // The Python parser, with the parts it shares with the other languages but not with Markdown (its chunks).
  expect(scripts.length).toBeGreaterThan(0)

  // A local choice wins over the document's, for that editor only.
  await bob.page.evaluate(() => window.harness.editor!.setLanguage('json'))
  await expect(editorOf(bob.page)).toHaveAttribute('data-language', 'json')
  await expect(editorOf(ada.page)).toHaveAttribute('data-language', 'python')
  // And null goes back to the document's.
  await bob.page.evaluate(() => window.harness.editor!.setLanguage(null))
  await expect(editorOf(bob.page)).toHaveAttribute('data-language', 'python')
})

test('dark theme, with other people’s carets lightened to stay readable', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada', theme: 'dark' })
  const bob = await openPerson({ name: 'Bob', color: '#000080' })
  await bob.typeAtEnd('Navy on dark')
  await expect(ada.page.locator('.cm-editor')).toHaveCSS('background-color', 'rgb(30, 34, 39)')
  const caret = ada.page.locator('.cm-tandem-caret')
  await expect(caret).toHaveCount(1)
  const border = await caret.evaluate((el) => getComputedStyle(el).borderLeftColor)
  // Not Bob's navy as it is (unreadable on dark), but navy moved towards white.
  expect(border).not.toBe('rgb(0, 0, 128)')
  const [r, g, b] = border.match(/\d+/g)!.map(Number) as [number, number, number]
  expect(b).toBeGreaterThan(128)
  expect(r).toBe(g)

  // On the light theme, the same caret keeps Bob's colour: it is readable there.
  await ada.page.evaluate(() => window.harness.editor!.setTheme('light'))
  await expect(ada.page.locator('.cm-editor')).toHaveCSS('background-color', 'rgb(255, 255, 255)')
  await expect(caret).toHaveCSS('border-left-color', 'rgb(0, 0, 128)')
})
