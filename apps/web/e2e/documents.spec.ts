import { mkdir } from 'node:fs/promises'
import { expect, type Person, serverText, startAppServer, test } from './fixtures.js'
import { imagesDir } from './paths.js'

test('the home page lists the documents on the server, searched by title or name and sorted, and says who sees it', {
  tag: '@slow',
}, async ({ openPerson }) => {
  await mkdir(imagesDir, { recursive: true })
  // A server of its own, so that the list (and its picture for the docs) holds only these documents.
  const server = await startAppServer()
  let ada: Person | undefined
  try {
    ada = await openPerson({
      name: 'Ada Lovelace',
      color: '#2f6fdd',
      viewport: { width: 900, height: 640 },
      origin: server.httpUrl,
      path: null,
    })
    for (const [name, title, text] of [
      ['team/budget-2027', 'Budget 2027', 'Draft figures.'],
      ['team/launch-plan', 'Launch plan', '# Launch plan'],
      ['team/meeting-notes', 'Meeting notes', 'Monday: who came, what was said.'],
    ] as const) {
      await ada.open(`/d/${name}`)
      await ada.title.fill(title)
      await ada.typeAtEnd(text)
      await expect(ada.pill).toHaveText('All changes saved')
    }

    await ada.open('/')
    const section = ada.page.getByRole('region', { name: 'On this server' })
    await expect(section).toContainText('Anyone who can reach this server sees this list.')
    const names = section.locator('.doc-row-name')
    // Last changed first by default.
    await expect(names).toHaveText(['team/meeting-notes', 'team/launch-plan', 'team/budget-2027'])
    await expect(section.locator('.doc-row-title')).toHaveText(['Meeting notes', 'Launch plan', 'Budget 2027'])
    await expect(section.locator('.doc-row-time').first()).toHaveText('changed just now by Ada Lovelace')
    await section.scrollIntoViewIfNeeded()
    await ada.page.mouse.move(0, 0)
    await section.screenshot({ path: `${imagesDir}/web-server-documents.png`, animations: 'disabled' })

    await section.getByRole('combobox', { name: 'Sort documents' }).selectOption('name')
    await expect(names).toHaveText(['team/budget-2027', 'team/launch-plan', 'team/meeting-notes'])
    // By name or title, in any case; a search that matches nothing says so.
    const search = section.getByRole('searchbox', { name: 'Search documents' })
    await search.fill('PLAN')
    await expect(names).toHaveText(['team/launch-plan'])
    await search.fill('notes')
    await expect(names).toHaveText(['team/meeting-notes'])
    await search.fill('minutes')
    await expect(names).toHaveCount(0)
    await expect(section).toContainText('No documents match “minutes”.')

    await search.fill('budget')
    await section.getByRole('link', { name: /Budget 2027/ }).click()
    await expect(ada.page).toHaveURL(`${server.httpUrl}/d/team/budget-2027`)
    await expect.poll(() => ada?.text()).toBe('Draft figures.')
  } finally {
    // Before the server goes, so that nothing the page still loads (its icon) logs a refused connection.
    await ada?.context.close()
    await server.dispose()
  }
})

test.describe('renaming', () => {
  // The browser logs the refused rename (409, a name that is taken) as a console error.
  test.use({ consoleErrors: 'allow' })

  test('a rename from the File menu moves everyone to the new address, and the old link still leads there', {
    tag: '@slow',
  }, async ({ openPerson, docName, tandem }) => {
    const ada = await openPerson({ name: 'Ada Lovelace' })
    await ada.typeAtEnd('Renamed, not lost.')
    await expect(ada.pill).toHaveText('All changes saved')
    const bob = await openPerson({ name: 'Bob Kahn' })
    await expect.poll(() => bob.text()).toBe('Renamed, not lost.')

    const rename = async (to: string) => {
      await ada.page.getByRole('button', { name: 'File' }).click()
      await ada.page.getByRole('menuitem', { name: 'Rename…' }).click()
      const dialog = ada.page.getByRole('dialog', { name: 'Rename the document' })
      await dialog.getByRole('textbox', { name: 'New name' }).fill(to)
      await dialog.getByRole('button', { name: 'Rename' }).click()
      return dialog
    }
    // A name the server would refuse is refused before anything is sent; so is one that is taken.
    const invalid = await rename('my notes!')
    await expect(invalid.getByRole('alert')).toHaveText(
      'The document name has a character outside A-Z a-z 0-9 - _ . ~ @ : + = and /.',
    )
    await invalid.getByRole('button', { name: 'Cancel' }).click()
    const taken = `${docName}-taken`
    const response = await fetch(`${tandem.httpUrl}/api/docs/${encodeURIComponent(taken)}/text`, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'Someone else’s document.',
    })
    expect(response.status).toBe(201)
    const conflict = await rename(taken)
    await expect(conflict.getByRole('alert')).toContainText(`"${taken}"`)
    await conflict.getByRole('button', { name: 'Cancel' }).click()
    await expect(ada.page).toHaveURL(new RegExp(`/d/${docName}$`))

    const renamed = `${docName}-renamed`
    await rename(renamed)
    await expect(ada.page).toHaveURL(new RegExp(`/d/${renamed}$`))
    await expect(ada.page.locator('.doc-name')).toHaveText(renamed)
    // Told once, though both the server's close and the rename's answer say so.
    await expect(ada.page.getByText(`This document was renamed to “${renamed}”.`)).toHaveCount(1)
    // Bob, in the document at the time, follows, is told, and goes on editing.
    await expect(bob.page).toHaveURL(new RegExp(`/d/${renamed}$`))
    await expect(bob.page.getByText(`This document was renamed to “${renamed}”.`)).toBeVisible()
    await expect(bob.pill).toHaveText('Connected')
    await bob.typeAtEnd(' Still here.')
    await expect(bob.pill).toHaveText('All changes saved')
    expect(await serverText(tandem, renamed)).toBe('Renamed, not lost. Still here.')
    await expect.poll(() => ada.text()).toBe('Renamed, not lost. Still here.')

    // A person with the old link lands on the document, at its new address.
    const carol = await openPerson({ name: 'Carol Shaw' })
    await expect(carol.page).toHaveURL(new RegExp(`/d/${renamed}$`))
    await expect.poll(() => carol.text()).toBe('Renamed, not lost. Still here.')
    // Ada's recent list has it under the new name.
    await ada.open('/')
    await expect(
      ada.page.getByRole('region', { name: 'Recent documents' }).locator('.doc-row-name').first(),
    ).toHaveText(renamed)
  })
})

test.describe('the trash', () => {
  // Editors closed by the server log their closed connection as a console error.
  test.use({ consoleErrors: 'allow' })

  test('moved to the trash, a document says so to everyone in it, and is restored from the page or the home page', {
    tag: '@slow',
  }, async ({ openPerson, docName, tandem }) => {
    const ada = await openPerson({ name: 'Ada Lovelace' })
    await ada.title.fill('Draft')
    await ada.typeAtEnd('Worth keeping.')
    await expect(ada.pill).toHaveText('All changes saved')
    const bob = await openPerson({ name: 'Bob Kahn' })
    await expect.poll(() => bob.text()).toBe('Worth keeping.')

    const trash = async () => {
      await ada.page.getByRole('button', { name: 'File' }).click()
      await ada.page.getByRole('menuitem', { name: 'Move to trash…' }).click()
      const dialog = ada.page.getByRole('dialog', { name: 'Move “Draft” to the trash?' })
      await dialog.getByRole('button', { name: 'Move to trash' }).click()
      await expect(dialog).toBeHidden()
    }
    await trash()
    // Both are told, with when and until when; neither can type into it meanwhile.
    for (const person of [ada, bob]) {
      const banner = person.page.getByRole('alert').filter({ hasText: 'in the trash' })
      await expect(banner).toContainText('This document is in the trash: it was deleted just now.')
      await expect(banner).toContainText('It will be deleted for good on')
      await expect(person.pill).toHaveText('Not connected')
    }
    // So is a person who opens its link now.
    const carol = await openPerson({ name: 'Carol Shaw' })
    await expect(carol.page.getByRole('alert').filter({ hasText: 'in the trash' })).toBeVisible()
    // Nor is its text served while it is there.
    expect(await serverText(tandem, docName)).toBeNull()

    // Bob restores it from the banner, and edits on.
    await bob.page.getByRole('button', { name: 'Restore' }).click()
    await expect(bob.pill).toHaveText('Connected')
    await expect(bob.page.getByRole('alert').filter({ hasText: 'in the trash' })).toBeHidden()
    await bob.typeAtEnd(' Restored.')
    await expect(bob.pill).toHaveText('All changes saved')

    // Ada reopens it, deletes it again and restores it from the trash on the home page.
    await ada.open(`/d/${docName}`)
    await expect.poll(() => ada.text()).toBe('Worth keeping. Restored.')
    await trash()
    await ada.open('/')
    await ada.page.getByRole('region', { name: 'On this server' }).getByRole('button', { name: 'Trash' }).click()
    const section = ada.page.getByRole('region', { name: 'Trash' })
    await expect(section.getByRole('button', { name: 'Trash', pressed: true })).toBeVisible()
    await section.getByRole('searchbox', { name: 'Search documents' }).fill(docName)
    await expect(section.locator('.doc-row-name')).toHaveText([docName])
    await expect(section.locator('.doc-row-time')).toHaveText('deleted just now')
    await section.getByRole('button', { name: 'Restore “Draft”' }).click()
    await expect(ada.page.getByText('Restored “Draft”.')).toBeVisible()
    await expect(section.locator('.doc-row-name')).toHaveCount(0)
    await ada.open(`/d/${docName}`)
    // Connected again; this browser's offline copy may send what it holds first, which the pill shows as saved.
    await expect(ada.pill).toHaveText(/^(Connected|All changes saved)$/)
    await expect.poll(() => ada.text()).toBe('Worth keeping. Restored.')
  })
})

test('Make a copy opens a new document with the text and the title', async ({ openPerson, docName, tandem }) => {
  const ada = await openPerson({ name: 'Ada Lovelace' })
  await ada.title.fill('Template')
  await ada.typeAtEnd('Fill in here.')
  await expect(ada.pill).toHaveText('All changes saved')
  await ada.page.getByRole('button', { name: 'File' }).click()
  await ada.page.getByRole('menuitem', { name: 'Make a copy…' }).click()
  const dialog = ada.page.getByRole('dialog', { name: 'Make a copy' })
  await expect(dialog.getByRole('textbox', { name: 'Name of the copy' })).toHaveValue(`${docName}-copy`)
  await expect(dialog.getByRole('textbox', { name: 'Title of the copy' })).toHaveValue('Template (copy)')
  await dialog.getByRole('button', { name: 'Make the copy' }).click()
  await expect(ada.page).toHaveURL(new RegExp(`/d/${docName}-copy$`))
  await expect(ada.title).toHaveValue('Template (copy)')
  await expect.poll(() => ada.text()).toBe('Fill in here.')
  expect(await serverText(tandem, `${docName}-copy`)).toBe('Fill in here.')
  expect(await serverText(tandem, docName)).toBe('Fill in here.')
})
