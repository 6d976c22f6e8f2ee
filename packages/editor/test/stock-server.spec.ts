import { expect, test } from './fixtures.js'
import { startReferenceServer } from './reference-server.js'

test('works with the reference y-websocket server, where saved never fires', async ({ openPerson }) => {
  const server = await startReferenceServer()
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url })
    const bob = await openPerson({ name: 'Bob', serverUrl: server.url })
    await ada.typeAtEnd('Any y-websocket server will do.')
    await expect.poll(() => bob.text()).toBe('Any y-websocket server will do.')
    await expect(bob.page.locator('.cm-tandem-caret-label')).toHaveText('Ada')
    // Bob has Ada's text, so the server has processed it; yet it sent no acknowledgement: it knows none.
    expect(await ada.page.evaluate(() => window.harness.editor!.saved)).toBe(false)
    expect(await ada.events('saved')).toEqual([])
    expect(await ada.events('error')).toEqual([])
    expect(await ada.page.evaluate(() => window.harness.editor!.status)).toBe('connected')
  } finally {
    await server.stop()
  }
})
