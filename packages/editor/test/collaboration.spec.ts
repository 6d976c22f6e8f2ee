import { expect, test } from './fixtures.js'

test('two editors converge on concurrent typing', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada' })
  const bob = await openPerson({ name: 'Bob' })
  await ada.typeAtEnd('First line.\nSecond line.')
  await expect.poll(() => bob.text()).toBe('First line.\nSecond line.')

  // At the same time: Ada at the end of the first line, Bob at the end of the second.
  await bob.content.click()
  await bob.page.keyboard.press('Control+End')
  await ada.page.keyboard.press('Control+Home')
  await ada.page.keyboard.press('End')
  await Promise.all([ada.page.keyboard.type(' Ada adds this.'), bob.page.keyboard.type(' Bob adds that.')])
  const expected = 'First line. Ada adds this.\nSecond line. Bob adds that.'
  await expect.poll(() => ada.text()).toBe(expected)
  await expect.poll(() => bob.text()).toBe(expected)
  // What the views show is the shared text.
  await expect.poll(() => ada.shownText()).toBe(expected)
  await expect.poll(() => bob.shownText()).toBe(expected)

  // Both at the very same place: the two runs may interleave, but both sides end with the same text, which
  // holds every character each person typed, in the order they typed them.
  await bob.page.keyboard.press('Control+Home')
  await ada.page.keyboard.press('Control+Home')
  await Promise.all([ada.page.keyboard.type('[ada]'), bob.page.keyboard.type('{bob}')])
  await expect.poll(async () => (await ada.text()).length).toBe(expected.length + 10)
  const merged = await ada.text()
  await expect.poll(() => bob.text()).toBe(merged)
  const start = merged.slice(0, 10)
  expect([...start].sort().join('')).toBe([...'[ada]{bob}'].sort().join(''))
  expect([...start].filter((c) => '[ada]'.includes(c)).join('')).toBe('[ada]')
  expect([...start].filter((c) => '{bob}'.includes(c)).join('')).toBe('{bob}')
  expect(merged.slice(10)).toBe(expected)
})

test("a remote caret with the other person's name appears and moves", async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada', color: '#2f6fdd' })
  const bob = await openPerson({ name: 'Bob', color: '#d9480f' })
  await bob.typeAtEnd('Hello')

  const caret = ada.page.locator('.cm-tandem-caret')
  await expect(caret).toHaveCount(1)
  await expect(caret.locator('.cm-tandem-caret-label')).toHaveText('Bob')
  // Bob's colour, as the caret's border and the label's background.
  await expect(caret).toHaveCSS('border-left-color', 'rgb(217, 72, 15)')
  await expect(caret.locator('.cm-tandem-caret-label')).toHaveCSS('background-color', 'rgb(217, 72, 15)')
  await expect.poll(() => ada.text()).toBe('Hello')
  const before = (await caret.boundingBox())!

  await bob.page.keyboard.type(', world')
  await expect.poll(() => ada.text()).toBe('Hello, world')
  // The caret follows Bob's typing to the right, on the same line.
  await expect.poll(async () => (await caret.boundingBox())!.x).toBeGreaterThan(before.x + 20)
  expect((await caret.boundingBox())!.y).toBeCloseTo(before.y, 0)

  // Bob selects a word: Ada sees the selection in Bob's colour.
  await bob.page.keyboard.press('Control+Shift+ArrowLeft')
  await expect(ada.page.locator('.cm-tandem-selection')).toHaveText('world')
  await expect(ada.page.locator('.cm-tandem-selection')).toHaveCSS('background-color', 'rgba(217, 72, 15, 0.25)')
})

test("a person's name shows after their line's text while they type, covering no text", { tag: '@slow' }, async ({
  openPerson,
}) => {
  const ada = await openPerson({ name: 'Ada', color: '#2f6fdd' })
  const bob = await openPerson({ name: 'Bob', color: '#d9480f' })
  await ada.typeAtEnd('First line\nSecond line, where Bob types\nThird line')
  await expect.poll(() => bob.text()).toBe('First line\nSecond line, where Bob types\nThird line')
  // Bob's caret in the middle of the second line, before "where".
  await bob.page.locator('.cm-line').nth(1).click()
  await bob.page.keyboard.press('Home')
  for (let i = 0; i < 'Second line, '.length; i++) await bob.page.keyboard.press('ArrowRight')

  const chip = ada.page.locator('.cm-tandem-line-name[data-name="Bob"]')
  await expect(chip).toHaveCount(1)
  await expect(chip).toHaveCSS('background-color', 'rgb(217, 72, 15)')
  // It sits in the second line, after its text: no word of any line is under it.
  await expect(ada.page.locator('.cm-line').nth(1).locator('.cm-tandem-line-label')).toHaveCount(1)
  const overlaps = await ada.page.evaluate(() => {
    const label = document.querySelector('.cm-tandem-line-label')!.getBoundingClientRect()
    const hits: string[] = []
    for (const line of document.querySelectorAll('.cm-content .cm-line')) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT)
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement?.closest('.cm-tandem-caret')) continue
        const range = document.createRange()
        range.selectNodeContents(node)
        for (const rect of range.getClientRects()) {
          const apart =
            rect.right <= label.left || rect.left >= label.right || rect.bottom <= label.top || rect.top >= label.bottom
          if (!apart) hits.push(node.textContent ?? '')
        }
      }
    }
    return hits
  })
  expect(overlaps).toEqual([])
  // The name is not part of the text.
  expect(await ada.text()).toBe('First line\nSecond line, where Bob types\nThird line')

  // Typing in the middle of a line leaves Bob's cursor where it was (it is anchored to the text after it), yet
  // each keystroke shows his name again: the chip's fade starts over (it ends later than it would have).
  const fadeEnd = (locator: typeof chip) =>
    locator.evaluate((element) => {
      const fade = element.getAnimations()[0]
      const end = fade?.effect?.getComputedTiming().endTime
      return fade?.startTime == null || end === undefined ? Number.NaN : Number(fade.startTime) + Number(end)
    })
  const bobsFadeEnd = () => fadeEnd(chip)
  await expect.poll(bobsFadeEnd).not.toBeNaN()
  const shownAt = await bobsFadeEnd()
  await bob.page.keyboard.type('now ')
  await expect.poll(() => ada.text()).toBe('First line\nSecond line, now where Bob types\nThird line')
  await expect(chip).toHaveCount(1)
  await expect.poll(bobsFadeEnd).toBeGreaterThan(shownAt)
  await expect(chip).toHaveCSS('opacity', '1')

  // A second person on the same line joins the same label instead of piling a second one on it.
  const cy = await openPerson({ name: 'Cy', color: '#2b8a3e' })
  await cy.page.locator('.cm-line').nth(1).click()
  await cy.page.keyboard.press('End')
  await expect(ada.page.locator('.cm-tandem-line-label')).toHaveCount(1)
  await expect(ada.page.locator('.cm-tandem-line-label .cm-tandem-line-name')).toHaveCount(2)
  // Bob types on: his name shows again, Cy's, who does nothing, keeps fading.
  const cysChip = ada.page.locator('.cm-tandem-line-name[data-name="Cy"]')
  const cysFadeEnd = () => fadeEnd(cysChip)
  await expect.poll(cysFadeEnd).not.toBeNaN()
  const cyShownAt = await cysFadeEnd()
  const bobShownAt = await bobsFadeEnd()
  await bob.page.keyboard.type('!')
  await expect.poll(() => ada.text()).toBe('First line\nSecond line, now !where Bob types\nThird line')
  await expect.poll(bobsFadeEnd).toBeGreaterThan(bobShownAt)
  expect(await cysFadeEnd()).toBe(cyShownAt)
  // Then the names fade, three seconds after each person's last move.
  await expect(chip).toHaveCSS('opacity', '0', { timeout: 10_000 })
})

test('peers lists both people, with names and colours, the local one first', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada', color: '#2f6fdd' })
  const bob = await openPerson({ name: 'Bob', color: '#2b8a3e' })
  const peersOf = (page: typeof ada.page) =>
    page.evaluate(() => window.harness.editor!.peers.map(({ name, color, isLocal }) => ({ name, color, isLocal })))

  await expect
    .poll(() => peersOf(ada.page))
    .toEqual([
      { name: 'Ada', color: '#2f6fdd', isLocal: true },
      { name: 'Bob', color: '#2b8a3e', isLocal: false },
    ])
  await expect
    .poll(() => peersOf(bob.page))
    .toEqual([
      { name: 'Bob', color: '#2b8a3e', isLocal: true },
      { name: 'Ada', color: '#2f6fdd', isLocal: false },
    ])
  // The `peers` event carried the same list, and the client ids are the editors' own.
  const lastEvent = (await ada.events('peers')).at(-1) as { name: string; clientId: number }[]
  expect(lastEvent.map((peer) => peer.name)).toEqual(['Ada', 'Bob'])
  const bobId = await bob.page.evaluate(() => window.harness.editor!.doc.clientID)
  expect(lastEvent[1]!.clientId).toBe(bobId)

  // A rename reaches the other side; a person who leaves drops out of the list.
  await bob.page.evaluate(() => window.harness.editor!.setUser({ name: 'Robert', color: '#2b8a3e' }))
  await expect.poll(async () => (await peersOf(ada.page)).map((peer) => peer.name)).toEqual(['Ada', 'Robert'])
  await bob.context.close()
  await expect.poll(async () => (await peersOf(ada.page)).map((peer) => peer.name)).toEqual(['Ada'])
})

test('undo only reverts your own text', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada' })
  const bob = await openPerson({ name: 'Bob' })
  await ada.typeAtEnd('alpha ')
  await expect.poll(() => bob.text()).toBe('alpha ')
  await bob.typeAtEnd('beta')
  await expect.poll(() => ada.text()).toBe('alpha beta')

  await ada.page.keyboard.press('Control+z')
  await expect.poll(() => ada.text()).toBe('beta')
  await expect.poll(() => bob.text()).toBe('beta')

  // Redo brings Ada's text back; Bob's undo then removes only Bob's.
  await ada.page.keyboard.press('Control+y')
  await expect.poll(() => bob.text()).toBe('alpha beta')
  await bob.page.keyboard.press('Control+z')
  await expect.poll(() => ada.text()).toBe('alpha ')
  await expect.poll(() => bob.text()).toBe('alpha ')
})
