// The history panel: versions, a preview compared with the text now, naming and restoring, by keyboard, on a
// phone and for a person with a read-only link.
import { mintToken, storedText } from '@tandem/test-utils'
import { expect, type Person, startTokenAppServer, test, textBy } from './fixtures.js'

const ALICE = { name: 'Alice Ames', color: '#2f6fdd' }
const BOB = { name: 'Bob Kahn', color: '#d9480f' }
const CAROL = { name: 'Carol Shaw', color: '#2b8a3e' }

/** The history panel of a person's page. */
function panelOf(person: Person) {
  return person.page.getByRole('complementary', { name: 'History' })
}

/** The version buttons of the timeline, newest first. */
function versionsOf(person: Person) {
  return panelOf(person).getByRole('list', { name: 'Versions, newest first' }).getByRole('button')
}

/** The text of the version shown in the preview: kept and deleted text, without what was added since. */
function previewedVersionText(person: Person): Promise<string> {
  return panelOf(person)
    .locator('.history-text')
    .evaluate((pre) => {
      const copy = pre.cloneNode(true) as HTMLElement
      for (const added of copy.querySelectorAll('ins')) added.remove()
      return copy.textContent ?? ''
    })
}

/** Names the document as it is now through the panel (opening it first). */
async function nameVersion(person: Person, label: string): Promise<void> {
  const panel = panelOf(person)
  if (!(await panel.isVisible())) await person.page.getByRole('button', { name: 'History' }).click()
  await panel.getByLabel('Name this version').fill(label)
  await panel.getByRole('button', { name: 'Name', exact: true }).click()
  await expect(versionsOf(person).first()).toContainText(label)
}

test('Bob deletes everything; Alice previews the version before and restores it for all three', async ({
  openPerson,
  tandem,
  docName,
}) => {
  const alice = await openPerson(ALICE)
  const bob = await openPerson(BOB)
  const carol = await openPerson(CAROL)
  const written = 'Alice writes the plan.\nCarol adds the budget.'
  await alice.typeAtEnd('Alice writes the plan.\n')
  await expect.poll(() => carol.text()).toBe('Alice writes the plan.\n')
  await carol.typeAtEnd('Carol adds the budget.')
  for (const person of [alice, bob, carol]) await expect.poll(() => person.text()).toBe(written)
  await expect(carol.pill).toHaveText('All changes saved')
  await nameVersion(alice, 'Plan and budget')

  await bob.editor.click()
  await bob.page.keyboard.press('Control+A')
  await bob.page.keyboard.press('Delete')
  for (const person of [alice, bob, carol]) await expect.poll(() => person.text()).toBe('')
  await expect(bob.pill).toHaveText('All changes saved')

  // The named version, with its authors and how much it added.
  const version = versionsOf(alice).filter({ hasText: 'Plan and budget' })
  await expect(version).toContainText(`+${written.length} −0`)
  await expect(version).toContainText('just now')
  await version.click()
  await expect(version).toHaveAttribute('aria-pressed', 'true')
  const panel = panelOf(alice)
  await expect(panel.locator('.history-text')).toHaveText(written)
  expect(await previewedVersionText(alice)).toBe(written)
  // Everything was deleted since, by Bob: struck through, with his name on hover.
  await expect(panel.locator('.history-text del')).toHaveText([written])
  await expect(panel.locator('.history-text del')).toHaveAttribute('title', 'Deleted since by Bob Kahn')
  await expect(panel.locator('.history-text ins')).toHaveCount(0)
  // Previewing leaves the editor alone.
  expect(await alice.text()).toBe('')

  await panel.getByRole('button', { name: 'Restore this version' }).click()
  const dialog = alice.page.getByRole('dialog', { name: /^Restore version \d+\?$/ })
  await expect(dialog).toBeVisible()
  // Nothing happens before the person confirms.
  expect(await alice.text()).toBe('')
  await dialog.getByRole('button', { name: 'Restore', exact: true }).click()
  await expect(dialog).toBeHidden()

  for (const person of [alice, bob, carol]) {
    await expect.poll(() => person.text()).toBe(written)
    await expect(person.pill).toHaveText('All changes saved')
  }
  const restoredId = (await version.getAttribute('data-id')) as string
  await expect(versionsOf(alice).first()).toContainText(`Restored version ${restoredId}`)
  await expect(versionsOf(alice).first()).toHaveAttribute('aria-pressed', 'true')
  expect(await storedText(tandem.dataDir, docName)).toBe(written)

  // The restore put back each person's words as theirs: Alice restored them, but Carol's stay Carol's.
  for (const person of [alice, bob, carol]) {
    const toggle = person.page.getByRole('button', { name: 'Who wrote what' })
    await toggle.click()
    await expect(toggle).toHaveAttribute('aria-pressed', 'true')
    await expect.poll(() => textBy(person, ALICE.name)).toBe('Alice writes the plan.')
    await expect.poll(() => textBy(person, CAROL.name)).toBe('Carol adds the budget.')
    // Bob only deleted: he wrote none of the text.
    await expect(person.page.locator('.author-legend .author-entry')).toHaveText([ALICE.name, CAROL.name])
  }
  const marks = bob.page.locator('.cm-tandem-author')
  await expect(marks.filter({ hasText: 'Carol adds' })).toHaveCSS('background-color', 'rgba(43, 138, 62, 0.22)')
})

test('the panel works with the keyboard alone and fits a phone', { tag: '@slow' }, async ({ openPerson }) => {
  const alice = await openPerson({ ...ALICE, viewport: { width: 375, height: 740 } })
  await alice.typeAtEnd('First.')
  await nameVersion(alice, 'One')
  // On a phone the sheet covers the editor: close it to write more.
  const panel = panelOf(alice)
  await panel.getByRole('button', { name: 'Close history' }).click()
  await expect(panel).toBeHidden()
  await alice.typeAtEnd(' Second.')
  await expect(alice.pill).toHaveText('All changes saved')
  await nameVersion(alice, 'Two')
  await panel.getByRole('button', { name: 'Close history' }).click()
  await expect(panel).toBeHidden()

  await alice.editor.click()
  await alice.page.keyboard.press('Alt+Shift+H')
  await expect(panel).toBeVisible()
  // Focus goes into the timeline, on the newest version; the arrow keys move through the others.
  const versions = versionsOf(alice)
  await expect(versions.first()).toBeFocused()
  await expect(versions.first()).toContainText('Two')
  await alice.page.keyboard.press('ArrowDown')
  await expect(versions.nth(1)).toBeFocused()
  await expect(versions.nth(1)).toHaveAttribute('aria-pressed', 'true')
  // "One" had "First."; " Second." was added since.
  await expect(panel.locator('.history-text ins')).toHaveText([' Second.'])
  expect(await previewedVersionText(alice)).toBe('First.')
  await alice.page.keyboard.press('ArrowUp')
  await expect(versions.first()).toBeFocused()
  await expect(panel.locator('.history-text')).toHaveText('First. Second.')
  await expect(panel.locator('.history-text ins')).toHaveCount(0)

  // The sheet fills the phone's width without scrolling sideways, and the restore button is in reach.
  const box = await panel.boundingBox()
  expect(box?.width).toBe(375)
  expect(await alice.page.evaluate(() => document.documentElement.scrollWidth)).toBe(375)
  expect(await panel.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true)
  await expect(panel.getByRole('button', { name: 'Restore this version' })).toBeInViewport()

  await alice.page.keyboard.press('Escape')
  await expect(panel).toBeHidden()
  await expect(alice.editor).toBeFocused()
  await expect(alice.page.getByRole('button', { name: 'History' })).toHaveAttribute('aria-expanded', 'false')
})

test.describe('with access tokens', () => {
  test('a person with a read-only link sees versions and previews but cannot name or restore', {
    tag: '@slow',
  }, async ({ openPerson }) => {
    const { server, secret } = await startTokenAppServer()
    try {
      const page = `${server.httpUrl}/d/team/history`
      const writer = await openPerson({ ...ALICE, path: null })
      await writer.open(`${page}#token=${await mintToken(secret, { docs: ['team/*'], access: 'write' })}`)
      await writer.typeAtEnd('Only the team may restore.')
      await expect(writer.pill).toHaveText('All changes saved')
      await nameVersion(writer, 'Draft')

      const reader = await openPerson({ ...BOB, path: null })
      await reader.open(`${page}#token=${await mintToken(secret, { docs: ['team/*'], access: 'read' })}`)
      await expect(reader.page.locator('.badge')).toHaveText('Read only')
      await reader.page.getByRole('button', { name: 'History' }).click()
      const panel = panelOf(reader)
      await versionsOf(reader).filter({ hasText: 'Draft' }).click()
      await expect(panel.locator('.history-text')).toHaveText('Only the team may restore.')
      await expect(panel).toContainText('This link gives read access only')
      await expect(panel.getByRole('button', { name: 'Restore this version' })).toBeHidden()
      await expect(panel.getByLabel('Name this version')).toBeHidden()
    } finally {
      await server.dispose()
    }
  })
})
