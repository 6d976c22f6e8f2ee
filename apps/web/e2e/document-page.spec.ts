import { readFile } from 'node:fs/promises'
import { expect, test } from './fixtures.js'

test('Copy link, File › Download as text with the extension of the language, and the line and word count', async ({
  openPerson,
  tandem,
  docName,
}) => {
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd' })
  await ada.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tandem.httpUrl })
  const counts = ada.page.locator('.counts')
  await expect(counts).toHaveText('1 line · 0 words')

  await ada.title.fill('Sprint notes')
  await ada.language.selectOption({ label: 'Python' })
  await ada.typeAtEnd('print("hello brave new world")\n# done')
  await expect(counts).toHaveText('2 lines · 6 words')

  await ada.page.getByRole('button', { name: 'Copy link' }).click()
  await expect(ada.page.locator('.toast')).toHaveText('Link copied. Anyone with it can edit.')
  expect(await ada.page.evaluate(() => navigator.clipboard.readText())).toBe(`${tandem.httpUrl}/d/${docName}`)

  const download = async () => {
    await ada.page.getByRole('button', { name: 'File' }).click()
    const [file] = await Promise.all([
      ada.page.waitForEvent('download'),
      ada.page.getByRole('menuitem', { name: 'Download as text' }).click(),
    ])
    return file
  }
  const python = await download()
  expect(python.suggestedFilename()).toBe('Sprint notes.py')
  expect(await readFile(await python.path(), 'utf8')).toBe('print("hello brave new world")\n# done')

  await ada.language.selectOption({ label: 'Markdown' })
  expect((await download()).suggestedFilename()).toBe('Sprint notes.md')
})

test('light and dark follow the system, and the toggle overrides it and is remembered', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada Lovelace', colorScheme: 'dark' })
  const html = ada.page.locator('html')
  const editor = ada.page.locator('.cm-editor')
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await expect(editor).toHaveCSS('background-color', 'rgb(30, 34, 39)')

  await ada.page.getByRole('button', { name: 'Switch to light theme' }).click()
  await expect(html).toHaveAttribute('data-theme', 'light')
  await expect(editor).toHaveCSS('background-color', 'rgb(255, 255, 255)')
  await ada.page.reload()
  await expect(html).toHaveAttribute('data-theme', 'light')

  // Toggling back to what the system shows follows the system again.
  await ada.page.getByRole('button', { name: 'Switch to dark theme' }).click()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await ada.page.emulateMedia({ colorScheme: 'light' })
  await expect(html).toHaveAttribute('data-theme', 'light')
  await expect(editor).toHaveCSS('background-color', 'rgb(255, 255, 255)')
})

test('every control is reachable with the keyboard and has a name', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd' })
  const bob = await openPerson({ name: 'Bob Kahn', color: '#d9480f' })
  await expect(ada.count).toHaveText('2 people here')
  await ada.page.locator('body').focus()
  await ada.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())

  const reached: string[] = []
  for (let i = 0; i < 16; i++) {
    await ada.page.keyboard.press('Tab')
    reached.push(
      await ada.page.evaluate(() => {
        const element = document.activeElement as HTMLElement
        const labelled = element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : null
        return element.getAttribute('aria-label') ?? labelled ?? element.textContent?.trim() ?? element.tagName
      }),
    )
  }
  expect(reached).toEqual(
    expect.arrayContaining([
      'Tandem home',
      'Document title',
      'Ada Lovelace (you): change your name and colour',
      'Bob Kahn: follow their cursor',
      'Language',
      'Copy link',
      'File',
      'You are Ada Lovelace: change your name or colour',
      'Switch to dark theme',
      'Document text',
    ]),
  )

  // The name dialog works from the keyboard too, and Escape leaves it unchanged.
  await ada.page.getByRole('button', { name: 'You are Ada Lovelace: change your name or colour' }).focus()
  await ada.page.keyboard.press('Enter')
  const dialog = ada.page.getByRole('dialog', { name: 'Your name and colour' })
  await expect(dialog.getByLabel('Name')).toBeFocused()
  await ada.page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(bob.page.locator('.avatars [title="Ada Lovelace"]')).toBeVisible()
})

test('at phone width nothing overflows sideways and every control is on screen', { tag: '@slow' }, async ({
  openPerson,
}) => {
  const phone = { width: 375, height: 740 }
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd', viewport: phone })
  await openPerson({ name: 'Bob Kahn', color: '#d9480f' })
  await openPerson({ name: 'Cy Twombly', color: '#2b8a3e' })
  await expect(ada.count).toHaveText('3 people here')
  await ada.title.fill('A long title that does not fit on the screen of a phone at all')
  await ada.editor.click()
  await ada.page.keyboard.insertText(
    `${'A long line that has to wrap on a narrow screen. '.repeat(6)}\nhttps://example.com/${'x'.repeat(80)}`,
  )
  await expect(ada.pill).toHaveText('All changes saved')

  const overflow = () =>
    ada.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  expect(await overflow()).toBe(0)
  for (const control of [
    ada.title,
    ada.pill,
    ada.language,
    ada.page.getByRole('button', { name: 'Copy link' }),
    ada.page.getByRole('button', { name: 'File' }),
    ada.page.getByRole('button', { name: /^You are Ada Lovelace/ }),
    ada.page.getByRole('button', { name: 'Switch to dark theme' }),
    ada.avatars.last(),
  ]) {
    await expect(control).toBeInViewport({ ratio: 1 })
  }

  await ada.open('/')
  expect(await overflow()).toBe(0)
  await expect(ada.page.getByRole('button', { name: 'New document' })).toBeInViewport({ ratio: 1 })
})

test('a normal session logs no console errors', { tag: '@slow' }, async ({ openPerson, tandem }) => {
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd', path: '/' })
  await ada.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tandem.httpUrl })
  await ada.page.getByRole('button', { name: 'New document' }).click()
  await expect(ada.editor).toBeVisible()
  const bob = await openPerson({ name: 'Bob Kahn', color: '#d9480f', path: new URL(ada.page.url()).pathname })
  await ada.title.fill('Errands')
  await ada.typeAtEnd('# Errands\nPost office\n')
  await expect.poll(() => bob.text()).toBe('# Errands\nPost office\n')
  await bob.typeAtEnd('Bakery\n')
  for (const language of ['JavaScript', 'Python', 'JSON', 'HTML', 'CSS', 'TypeScript', 'Plain text', 'Markdown']) {
    await bob.language.selectOption({ label: language })
  }
  await ada.page.getByRole('button', { name: 'Bob Kahn: follow their cursor' }).click()
  await ada.page.getByRole('button', { name: 'Copy link' }).click()
  await ada.page.getByRole('button', { name: 'File' }).click()
  await Promise.all([
    ada.page.waitForEvent('download'),
    ada.page.getByRole('menuitem', { name: 'Download as text' }).click(),
  ])
  await ada.page.getByRole('button', { name: 'Switch to dark theme' }).click()
  await bob.page.getByRole('button', { name: /^You are Bob Kahn/ }).click()
  await bob.page.getByRole('textbox', { name: 'Name', exact: true }).fill('Robert')
  await bob.page.getByRole('button', { name: 'Save' }).click()
  await expect(ada.page.locator('.avatars [title="Robert"]')).toBeVisible()
  await expect(ada.pill).toHaveText('All changes saved')
  await ada.page.getByRole('link', { name: 'Tandem home' }).click()
  await expect(ada.page.getByRole('region', { name: 'Recent documents' }).locator('.doc-row-title').first()).toHaveText(
    'Errands',
  )
  await bob.page.reload()
  await expect.poll(() => bob.text()).toBe('# Errands\nPost office\nBakery\n')

  expect(ada.errors).toEqual([])
  expect(bob.errors).toEqual([])
})
