import { expect, test } from './fixtures.js'

test('two editors converge on concurrent typing', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada' })
  const bob = await openPerson({ name: 'Bob' })
  await ada.waitForStatus('connected')
  await bob.waitForStatus('connected')

  // Both type at the same time, each at the start of an empty document.
  await Promise.all([ada.typeAtEnd('Ada was here. '), bob.typeAtEnd('Bob too. ')])

  await expect.poll(() => ada.text()).toHaveLength('Ada was here. Bob too. '.length)
  const merged = await ada.text()
  await expect.poll(() => bob.text()).toBe(merged)
  // Neither person's text is mangled: each arrives whole (Yjs keeps a run typed by one person together).
  expect(merged).toContain('Ada was here. ')
  expect(merged).toContain('Bob too. ')
  // What the view shows is the shared text.
  await expect.poll(() => ada.shownText()).toBe(merged)
  await expect.poll(() => bob.shownText()).toBe(merged)
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
