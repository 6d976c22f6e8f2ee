import { expect, type Person, test } from './fixtures.js'

const ADA = { name: 'Ada Lovelace', color: '#2f6fdd' }
const BOB = { name: 'Bob Kahn', color: '#d9480f' }
const CY = { name: 'Cy Twombly', color: '#2b8a3e' }
/** A name that would run a script if it were ever put into the page as HTML. */
const MARKUP_NAME = 'Bob <img src=x onerror=alert(1)> Kahn'

/** Whether the characters of `part` appear in `text` in the same order. */
function isSubsequence(part: string, text: string): boolean {
  let found = 0
  for (const char of text) if (char === part[found]) found++
  return found === part.length
}

/** Everyone's avatar of one person, found by the name shown on hover. */
function avatarOf(viewer: Person, name: string) {
  return viewer.page.locator(`.avatars [title="${name}"]`)
}

test('three people type at the same time and end with the same text', async ({ openPerson, tandem, docName }) => {
  const people = [await openPerson(ADA), await openPerson(BOB), await openPerson(CY)]
  for (const person of people) await expect(person.pill).toHaveText('Connected')

  const runs = ['Ada writes the intro. ', 'Bob adds the numbers. ', 'Cy draws the diagram. ']
  await Promise.all(people.map((person, i) => person.typeAtEnd(runs[i]!)))

  const [ada, bob, cy] = people as [Person, Person, Person]
  await expect.poll(() => ada.text()).toHaveLength(runs.join('').length)
  const merged = await ada.text()
  await expect.poll(() => bob.text()).toBe(merged)
  await expect.poll(() => cy.text()).toBe(merged)
  // Nothing is lost or doubled, and each person's characters keep the order they typed them in (typing at
  // the same place at the same moment may interleave them, as in any real-time editor).
  expect([...merged].sort().join('')).toBe([...runs.join('')].sort().join(''))
  for (const run of runs) expect(isSubsequence(run, merged), `"${run}" in order in "${merged}"`).toBe(true)
  for (const person of people) await expect(person.pill).toHaveText('All changes saved')
  const stored = await fetch(`${tandem.httpUrl}/api/docs/${encodeURIComponent(docName)}/text`)
  expect(await stored.text()).toBe(merged)
})

test('the presence bar shows the three people and updates when one leaves', { tag: '@slow' }, async ({
  openPerson,
}) => {
  const ada = await openPerson(ADA)
  const bob = await openPerson(BOB)
  const cy = await openPerson(CY)

  for (const person of [ada, bob, cy]) {
    await expect(person.count).toHaveText('3 people here')
    await expect(person.avatars).toHaveCount(3)
  }
  // The local person comes first; each avatar has the person's initials and colour, and their name on hover.
  await expect(ada.avatars.first()).toHaveAttribute('title', 'Ada Lovelace (you)')
  await expect(avatarOf(ada, 'Bob Kahn')).toHaveText('BK')
  await expect(avatarOf(ada, 'Bob Kahn')).toHaveCSS('background-color', 'rgb(217, 72, 15)')
  await expect(avatarOf(ada, 'Cy Twombly')).toHaveText('CT')
  await expect(avatarOf(bob, 'Ada Lovelace')).toHaveText('AL')

  await cy.context.close()
  for (const person of [ada, bob]) {
    await expect(person.count).toHaveText('2 people here')
    await expect(person.avatars).toHaveCount(2)
    await expect(avatarOf(person, 'Cy Twombly')).toHaveCount(0)
  }
})

test("a remote caret shows the other person's name, in their colour", { tag: '@slow' }, async ({ openPerson }) => {
  const ada = await openPerson(ADA)
  const bob = await openPerson(BOB)
  const cy = await openPerson(CY)
  await bob.typeAtEnd('Bob. ')
  await expect.poll(() => ada.text()).toBe('Bob. ')
  await cy.typeAtEnd('Cy.')
  await expect.poll(() => ada.text()).toBe('Bob. Cy.')

  // The caret drawn for Bob is the one whose client id is Bob's in the presence bar.
  const bobId = await avatarOf(ada, 'Bob Kahn').getAttribute('data-client-id')
  const bobsCaret = ada.page.locator(`.cm-tandem-caret[data-client-id="${bobId}"]`)
  await expect(bobsCaret.locator('.cm-tandem-caret-label')).toHaveText('Bob Kahn')
  await expect(bobsCaret).toHaveCSS('border-left-color', 'rgb(217, 72, 15)')
  const cyId = await avatarOf(ada, 'Cy Twombly').getAttribute('data-client-id')
  await expect(ada.page.locator(`.cm-tandem-caret[data-client-id="${cyId}"] .cm-tandem-caret-label`)).toHaveText(
    'Cy Twombly',
  )
  // Nobody sees a caret of their own.
  await expect(ada.page.locator('.cm-tandem-caret')).toHaveCount(2)
})

test('the title and the language change for everyone', { tag: '@slow' }, async ({ openPerson }) => {
  const ada = await openPerson(ADA)
  const bob = await openPerson(BOB)
  const cy = await openPerson(CY)

  await ada.title.fill('Sprint notes')
  for (const person of [bob, cy]) {
    await expect(person.title).toHaveValue('Sprint notes')
    await expect(person.page).toHaveTitle('Sprint notes · Tandem')
  }

  await expect(ada.language).toHaveValue('markdown')
  await bob.language.selectOption({ label: 'Python' })
  for (const person of [ada, cy]) {
    await expect(person.language).toHaveValue('python')
    await expect(person.page.locator('.cm-editor')).toHaveAttribute('data-language', 'python')
  }
})

test('clicking a person in the presence bar scrolls to their cursor', { tag: '@slow' }, async ({ openPerson }) => {
  const ada = await openPerson(ADA)
  const bob = await openPerson(BOB)
  await ada.editor.click()
  await ada.page.keyboard.insertText(Array.from({ length: 150 }, (_, i) => `Line ${i + 1}`).join('\n'))
  await expect(bob.page.locator('.cm-line').first()).toHaveText('Line 1')

  // Bob works at the very end; Ada is at the top.
  await bob.editor.click()
  await bob.page.keyboard.press('Control+End')
  await bob.page.keyboard.type(' and Bob')
  await expect(bob.pill).toHaveText('All changes saved')
  await ada.page.keyboard.press('Control+Home')
  const scroller = ada.page.locator('.cm-scroller')
  await expect.poll(() => scroller.evaluate((element) => element.scrollTop)).toBeLessThan(50)

  await ada.page.getByRole('button', { name: 'Bob Kahn: follow their cursor' }).click()
  const bobsCaret = ada.page.locator('.cm-tandem-caret').filter({ hasText: 'Bob Kahn' })
  await expect(bobsCaret).toBeInViewport()
  await expect(ada.page.locator('.cm-line').filter({ hasText: 'Line 150 and Bob' })).toBeInViewport()
  await expect.poll(() => scroller.evaluate((element) => element.scrollTop)).toBeGreaterThan(1000)
})

test('a person changes their name and colour; everyone sees it and the browser remembers it', { tag: '@slow' }, async ({
  openPerson,
}) => {
  const ada = await openPerson(ADA)
  const bob = await openPerson(BOB)
  const dialogs: string[] = []
  ada.page.on('dialog', (dialog) => dialogs.push(dialog.message()))
  await expect(avatarOf(ada, 'Bob Kahn')).toBeVisible()

  await bob.page.getByRole('button', { name: 'You are Bob Kahn: change your name or colour' }).click()
  const dialog = bob.page.getByRole('dialog', { name: 'Your name and colour' })
  await dialog.getByLabel('Name').fill(MARKUP_NAME)
  await dialog.getByLabel('Green').check()
  await dialog.getByRole('button', { name: 'Save' }).click()
  await expect(dialog).toBeHidden()

  // The name is text, never markup: it shows as typed, and no image element appears anywhere.
  const renamed = avatarOf(ada, MARKUP_NAME)
  await expect(renamed).toHaveText('BK')
  await expect(renamed).toHaveCSS('background-color', 'rgb(81, 156, 3)')
  await bob.typeAtEnd('Renamed.')
  await expect(ada.page.locator('.cm-tandem-caret-label')).toHaveText(MARKUP_NAME)
  await expect(ada.page.locator('[onerror]')).toHaveCount(0)

  expect(dialogs).toEqual([])

  await bob.page.reload()
  await expect(
    bob.page.getByRole('button', { name: `You are ${MARKUP_NAME}: change your name or colour` }),
  ).toBeVisible()
})
