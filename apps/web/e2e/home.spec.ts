import { expect, test } from './fixtures.js'

test('a new document from the home page appears in the recent list', { tag: '@slow' }, async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd', path: '/' })
  const page = ada.page
  await expect(page.getByText('Documents you open in this browser show up here.')).toBeVisible()

  await page.getByRole('button', { name: 'New document' }).click()
  await expect(page).toHaveURL(/\/d\/[0-9a-z]{20}$/)
  const name = new URL(page.url()).pathname.slice('/d/'.length)
  await expect(ada.editor).toBeVisible()
  await ada.title.fill('Shopping list')
  await ada.typeAtEnd('Milk, bread, apples')
  await expect(ada.pill).toHaveText('All changes saved')

  await page.getByRole('link', { name: 'Tandem home' }).click()
  await expect(page).toHaveURL(/\/$/)
  const recent = page.getByRole('region', { name: 'Recent documents' })
  const first = recent.locator('.doc-row').first()
  await expect(first.locator('.doc-row-title')).toHaveText('Shopping list')
  await expect(first.locator('.doc-row-name')).toHaveText(name)
  await expect(first.locator('.doc-row-time')).toHaveText('opened just now')
  await expect(first.getByRole('link')).toHaveAttribute('href', `/d/${name}`)

  // A second new document, untitled, goes on top; both stay after a reload, newest first.
  await page.getByRole('button', { name: 'New document' }).click()
  await expect(ada.editor).toBeVisible()
  const second = new URL(page.url()).pathname.slice('/d/'.length)
  expect(second).not.toBe(name)
  await page.goBack()
  await page.reload()
  await expect(recent.locator('.doc-row-name')).toHaveText([second, name])
  await expect(recent.locator('.doc-row-title')).toHaveText(['Untitled', 'Shopping list'])

  // Back to the first through the list.
  await recent.getByRole('link', { name: /Shopping list/ }).click()
  await expect(ada.title).toHaveValue('Shopping list')
  await expect.poll(() => ada.text()).toBe('Milk, bread, apples')

  // Removing an entry takes it off the list only.
  await ada.open('/')
  await page.getByRole('button', { name: 'Remove “Untitled” from recent documents' }).click()
  await expect(recent.locator('.doc-row-name')).toHaveText([name])
})

test('opening a document by name says what is wrong with a name the server would refuse', async ({ openPerson }) => {
  const ada = await openPerson({ path: '/' })
  const page = ada.page
  const field = page.getByLabel('Open a document by name')
  const open = page.getByRole('button', { name: 'Open', exact: true })

  await field.fill('my notes!')
  await open.click()
  await expect(page.locator('#open-error')).toHaveText(
    'The document name has a character outside A-Z a-z 0-9 - _ . ~ @ : + = and /.',
  )
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await expect(page).toHaveURL(/\/$/)

  await field.fill('team/../secrets')
  await field.press('Enter')
  await expect(page.locator('#open-error')).toHaveText('The document name has a "." or ".." segment.')

  await field.fill('team/notes')
  await field.press('Enter')
  await expect(page).toHaveURL(/\/d\/team\/notes$/)
  await expect(page.locator('.doc-name')).toHaveText('team/notes')

  // A pasted link works too.
  await ada.open('/')
  await field.fill(`${new URL(page.url()).origin}/d/team/plans`)
  await field.press('Enter')
  await expect(page).toHaveURL(/\/d\/team\/plans$/)
})

test.describe('addresses that lead nowhere', () => {
  // The browser itself logs the 400 and 404 of these addresses as console errors.
  test.use({ consoleErrors: 'allow' })

  test('a link with an invalid document name, and an unknown page, say so', async ({ openPerson, tandem }) => {
    const ada = await openPerson({ path: null })
    const bad = await ada.page.goto(`${tandem.httpUrl}/d/a%20b`)
    expect(bad?.status()).toBe(400)
    await expect(ada.page.getByRole('heading', { name: 'This link does not open a document' })).toBeVisible()
    await expect(ada.page.getByText('The document name has a character outside')).toBeVisible()
    await ada.page.getByRole('link', { name: 'Go to the home page' }).click()
    await expect(ada.page.getByRole('button', { name: 'New document' })).toBeVisible()

    const response = await ada.page.goto(`${tandem.httpUrl}/no/such/page`)
    expect(response?.status()).toBe(404)
    await expect(ada.page.getByRole('heading', { name: 'Page not found' })).toBeVisible()
    await expect(ada.page.getByRole('link', { name: 'Go to the home page' })).toHaveAttribute('href', '/')
    for (const error of ada.errors) expect(error).toMatch(/status of (400|404)/)
    // A program (not a browser) gets the server's plain 404.
    const plain = await ada.page.request.get(`${tandem.httpUrl}/no/such/page`, { headers: { accept: '*/*' } })
    expect(plain.status()).toBe(404)
    expect(await plain.text()).toContain('Not found.')
  })
})

test('a person who never chose a name gets a friendly one, remembered across visits', async ({ openPerson }) => {
  const ada = await openPerson({ path: '/' })
  const me = ada.page.getByRole('button', { name: /^You are (.+): change your name or colour$/ })
  const label = await me.getAttribute('aria-label')
  const name = /^You are (.+): change/.exec(label ?? '')?.[1]
  expect(name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/)
  await ada.page.reload()
  await expect(me).toHaveAttribute('aria-label', `You are ${name}: change your name or colour`)
})
