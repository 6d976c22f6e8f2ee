import { storedText, type TandemProcess } from '@tandem/test-utils'
import { expect, type Person, startAppServer, test } from './fixtures.js'

// One server, stopped and started again by the tests of this file.
let server: TandemProcess
test.beforeAll(async () => {
  server = await startAppServer()
})
test.afterAll(async () => {
  await server?.dispose()
})
// Browsers log every failed WebSocket connection as a console error while the server is down.
test.use({ consoleErrors: 'allow' })

/** Whether a service worker controls the page and keeps every file of the app the page loaded. */
function appKept(person: Person): Promise<boolean> {
  return person.page.evaluate(async () => {
    if (!navigator.serviceWorker.controller) return false
    const assets = performance
      .getEntriesByType('resource')
      .map((entry) => entry.name)
      .filter((url) => new URL(url).pathname.startsWith('/assets/'))
    for (const url of assets) if (!(await caches.match(url))) return false
    return assets.length > 0
  })
}

test('the page asks before closing with edits the server has not stored, and not once they are', {
  tag: '@slow',
}, async ({ openPerson, docName }) => {
  const person = await openPerson({ name: 'Ada Lovelace', path: null })
  await person.open(`${server.httpUrl}/d/${docName}`)
  await person.typeAtEnd('Stored.')
  await expect(person.pill).toHaveText('All changes saved')
  const dialogs: string[] = []
  person.page.on('dialog', (dialog) => {
    dialogs.push(dialog.type())
    // Stay on the page.
    void dialog.dismiss()
  })

  await server.stop()
  await person.typeAtEnd(' Not sent.')
  await expect(person.pill).not.toHaveText('All changes saved')
  await person.page.close({ runBeforeUnload: true })
  await expect.poll(() => dialogs).toEqual(['beforeunload'])
  expect(person.page.isClosed()).toBe(false)

  await server.restart()
  await expect(person.pill).toHaveText('All changes saved', { timeout: 30_000 })
  await person.page.close({ runBeforeUnload: true })
  await expect.poll(() => person.page.isClosed()).toBe(true)
  expect(dialogs).toEqual(['beforeunload'])
  expect(await storedText(server.dataDir, docName)).toBe('Stored. Not sent.')
})

test('a reload while the server is down opens the page and the text kept in the browser', { tag: '@slow' }, async ({
  openPerson,
  docName,
}) => {
  const person = await openPerson({ name: 'Ada Lovelace', path: null })
  await person.open(`${server.httpUrl}/d/${docName}`)
  await person.typeAtEnd('Kept here.')
  await expect(person.pill).toHaveText('All changes saved')
  await expect.poll(() => appKept(person)).toBe(true)

  await server.stop()
  await person.page.reload()
  await expect(person.editor).toBeVisible()
  await expect.poll(() => person.text()).toBe('Kept here.')
  await expect(person.pill).toHaveText('Offline — changes kept on this device')
  // A document this browser could write to before takes typing offline, and sends it once the server is back.
  await person.typeAtEnd(' Written offline.')

  await server.restart()
  await expect(person.pill).toHaveText('All changes saved', { timeout: 30_000 })
  expect(await storedText(server.dataDir, docName)).toBe('Kept here. Written offline.')
})
