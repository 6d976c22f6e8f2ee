import { expect, type Person, serverText, startAppServer, test } from './fixtures.js'

test.describe('when the server goes away', () => {
  // Browsers log every refused WebSocket connection as a console error while the server is down.
  test.use({ consoleErrors: 'allow' })

  test('the server stops and restarts mid-session, and nothing typed meanwhile is lost', { tag: '@slow' }, async ({
    openPerson,
    docName,
  }) => {
    const server = await startAppServer()
    try {
      const open = async (identity: { name: string; color: string }) => {
        const person = await openPerson({ ...identity, path: null })
        await person.open(`${server.httpUrl}/d/${docName}`)
        return person
      }
      const ada = await open({ name: 'Ada Lovelace', color: '#2f6fdd' })
      const bob = await open({ name: 'Bob Kahn', color: '#d9480f' })
      await ada.typeAtEnd('Before the restart. ')
      await expect.poll(() => bob.text()).toBe('Before the restart. ')
      await expect(ada.pill).toHaveText('All changes saved')

      await server.stop()
      for (const person of [ada, bob]) await expect(person.pill).toHaveText('Reconnecting…')
      await ada.typeAtEnd('Ada typed while it was down. ')
      await bob.typeAtEnd('So did Bob.')
      // Each still has their own text on screen, and says it is not saved yet.
      await expect.poll(() => ada.text()).toContain('Ada typed while it was down. ')
      for (const person of [ada, bob]) await expect(person.pill).not.toHaveText('All changes saved')

      await server.restart()
      for (const person of [ada, bob]) await expect(person.pill).toHaveText('All changes saved', { timeout: 30_000 })
      const final = await ada.text()
      for (const part of ['Before the restart. ', 'Ada typed while it was down. ', 'So did Bob.']) {
        expect(final).toContain(part)
      }
      await expect.poll(() => bob.text()).toBe(final)
      await expect.poll(() => serverText(server, docName)).toBe(final)

      // Someone who opens the link now, with nothing in their browser, gets all of it from the server.
      const cy = await open({ name: 'Cy Twombly', color: '#2b8a3e' })
      await expect.poll(() => cy.text()).toBe(final)
    } finally {
      await server.dispose()
    }
  })

  test('offline, the pill says changes are kept on this device, and they arrive when back online', async ({
    openPerson,
  }) => {
    const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd' })
    const bob = await openPerson({ name: 'Bob Kahn', color: '#d9480f' })
    await ada.typeAtEnd('Online. ')
    await expect(ada.pill).toHaveText('All changes saved')

    await ada.context.setOffline(true)
    await expect(ada.pill).toHaveText('Offline — changes kept on this device')
    await ada.typeAtEnd('Written offline.')
    await expect(ada.pill).toHaveText('Offline — changes kept on this device')
    await expect.poll(() => bob.text()).toBe('Online. ')

    await ada.context.setOffline(false)
    await expect(ada.pill).toHaveText('All changes saved', { timeout: 30_000 })
    await expect.poll(() => bob.text()).toBe('Online. Written offline.')
  })
})

test('reloading the page shows the content from the server', { tag: '@slow' }, async ({
  openPerson,
  tandem,
  docName,
}) => {
  const ada = await openPerson({ name: 'Ada Lovelace', color: '#2f6fdd' })
  const bob = await openPerson({ name: 'Bob Kahn', color: '#d9480f' })
  await ada.typeAtEnd('Written by Ada.')
  await expect(ada.pill).toHaveText('All changes saved')

  await ada.page.reload()
  await expect(ada.editor).toBeVisible()
  await expect.poll(() => ada.text()).toBe('Written by Ada.')

  // Ada leaves; Bob keeps writing; when Ada comes back she has his text too, which only the server had.
  await ada.open('/')
  await bob.typeAtEnd(' Bob added this while Ada was away.')
  await expect(bob.pill).toHaveText('All changes saved')
  await ada.open(`/d/${docName}`)
  const expected = 'Written by Ada. Bob added this while Ada was away.'
  await expect.poll(() => ada.text()).toBe(expected)
  expect(await serverText(tandem, docName)).toBe(expected)

  // A person with nothing stored in their browser sees the same.
  const cy: Person = await openPerson({ name: 'Cy Twombly', color: '#2b8a3e' })
  await expect.poll(() => cy.text()).toBe(expected)
})
