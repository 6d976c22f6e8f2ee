import { startTandem } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'

test('edits made offline merge with everyone else’s when the connection returns', async ({ openPerson }) => {
  // A backoff of a minute: reconnecting within the test's wait can only come from the browser's 'online' event.
  const ada = await openPerson({ name: 'Ada', reconnect: { minDelay: 60_000, maxDelay: 60_000 } })
  const bob = await openPerson({ name: 'Bob' })
  await ada.typeAtEnd('Shared start.')
  await expect.poll(() => bob.text()).toBe('Shared start.')

  await ada.context.setOffline(true)
  // The browser says it is offline: the editor drops the socket at once instead of waiting for a timeout.
  await ada.waitForStatus('disconnected')
  await ada.typeAtEnd(' Ada offline.')
  await bob.content.click()
  await bob.page.keyboard.press('Control+Home')
  await bob.page.keyboard.type('Bob online. ')
  await expect.poll(() => ada.text()).toBe('Shared start. Ada offline.')
  await expect.poll(() => bob.text()).toBe('Bob online. Shared start.')

  await ada.context.setOffline(false)
  // Back online: reconnects at once (the 'online' event), not after the backoff.
  await ada.waitForStatus('connected')
  await expect.poll(() => ada.text()).toBe('Bob online. Shared start. Ada offline.')
  await expect.poll(() => bob.text()).toBe('Bob online. Shared start. Ada offline.')
})

test('with offline on, a reload while the server is down shows the last content, and edits made then reach the server', {
  tag: '@slow',
}, async ({ openPerson }) => {
  const server = await startTandem()
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url, offline: true })
    await ada.typeAtEnd('Kept in this browser.')
    await expect.poll(() => ada.page.evaluate(() => window.harness.editor!.saved)).toBe(true)
    // Wait until the offline copy holds the text: IndexedDB writes are asynchronous.
    await expect.poll(() => storedUpdates(ada.page, server.url)).toBeGreaterThan(0)

    await server.stop()
    await ada.waitForStatus('disconnected')
    await ada.page.reload()
    await expect.poll(() => ada.shownText()).toBe('Kept in this browser.')
    expect(await ada.page.evaluate(() => window.harness.editor!.status)).not.toBe('connected')
    await ada.typeAtEnd(' Written while the server was down.')
    await expect.poll(() => storedUpdates(ada.page, server.url)).toBeGreaterThan(1)
    // Even another reload keeps the offline edit.
    await ada.page.reload()
    await expect.poll(() => ada.shownText()).toBe('Kept in this browser. Written while the server was down.')

    await server.restart()
    await ada.waitForStatus('connected')
    await expect.poll(() => ada.page.evaluate(() => window.harness.editor!.saved)).toBe(true)
    const bob = await openPerson({ name: 'Bob', serverUrl: server.url })
    await expect.poll(() => bob.text()).toBe('Kept in this browser. Written while the server was down.')
  } finally {
    await server.dispose()
  }
})

/** How many updates y-indexeddb holds for the page's document. */
function storedUpdates(page: import('@playwright/test').Page, serverUrl: string): Promise<number> {
  return page.evaluate(
    ({ serverUrl }) =>
      new Promise<number>((resolve, reject) => {
        const name = `tandem:${serverUrl}/${window.harness.editor!.provider.roomname}`
        const request = indexedDB.open(name)
        request.onerror = () => reject(request.error)
        request.onsuccess = () => {
          const db = request.result
          if (!db.objectStoreNames.contains('updates')) {
            db.close()
            resolve(0)
            return
          }
          const count = db.transaction('updates').objectStore('updates').count()
          count.onsuccess = () => {
            db.close()
            resolve(count.result)
          }
          count.onerror = () => reject(count.error)
        }
      }),
    { serverUrl },
  )
}
