import type { Page } from '@playwright/test'
import { mintToken, startTandem, storedText, type TandemProcess } from '@tandem/test-utils'
import { expect, startTokenAppServer, test } from './fixtures.js'
import { testDist } from './paths.js'

// One server that opens documents only through links with a token, shared by the tests of this file.
let server: TandemProcess
let secret: string
test.beforeAll(async () => {
  ;({ server, secret } = await startTokenAppServer())
})
test.afterAll(async () => {
  await server?.dispose()
})
// The browser logs every refused WebSocket connection as a console error.
test.use({ consoleErrors: 'allow' })

const NO_TOKEN = 'This server only opens documents through links with an access token (…#token=…). Ask for such a link.'
const writeToken = () => mintToken(secret, { docs: ['e2e/*'], access: 'write' })

test('nothing typed without access is taken, kept in the browser or sent once a link gives access', async ({
  openPerson,
  docName,
}) => {
  const person = await openPerson({ name: 'Ada Lovelace', path: null })
  // Before the server answers (here it never does: the socket opens, and nothing ever comes through it), a
  // document this browser never wrote to takes no typing.
  const waiting = await person.context.newPage()
  await waiting.routeWebSocket(/./, () => {})
  await waiting.goto(`${server.httpUrl}/d/${docName}`)
  const waitingText = waiting.getByRole('textbox', { name: 'Document text' })
  await expect(waitingText).toBeVisible()
  await waitingText.click()
  await waiting.keyboard.type('Typed before any answer.')
  await expect(waitingText).not.toBeEditable()
  expect(await waiting.locator('.cm-line').allInnerTexts()).not.toContain('Typed before any answer.')
  await waiting.close()

  await person.open(`${server.httpUrl}/d/${docName}`)
  await expect(person.page.getByRole('alert')).toHaveText(NO_TOKEN)
  await expect(person.pill).toHaveText('Not connected')
  await expect(person.editor).not.toBeEditable()
  await expect(person.title).not.toBeEditable()
  await person.editor.click()
  await person.page.keyboard.type('Typed without access.')
  expect(await person.text()).toBe('')

  // The same browser (and its offline copy) opens the document with a valid link: only what is typed now arrives.
  await person.page.goto('about:blank')
  await person.open(`${server.httpUrl}/d/${docName}#token=${await writeToken()}`)
  await expect(person.pill).toHaveText('Connected')
  await person.typeAtEnd('With the link.')
  await expect(person.pill).toHaveText('All changes saved')
  expect(await storedText(server.dataDir, docName)).toBe('With the link.')
  expect(await person.text()).toBe('With the link.')
})

test('the token leaves the address bar once read, and a reload still opens the document', { tag: '@slow' }, async ({
  openPerson,
  docName,
}) => {
  const token = await writeToken()
  const person = await openPerson({ name: 'Ada Lovelace', path: null })
  await person.open(`${server.httpUrl}/d/${docName}#token=${token}`)
  await expect(person.pill).toHaveText('Connected')
  const address = `${server.httpUrl}/d/${docName}`
  expect(person.page.url()).toBe(address)
  expect(await person.page.evaluate(() => location.href)).toBe(address)
  // Kept for this tab only, where a reload finds it.
  expect(await person.page.evaluate((name) => sessionStorage.getItem(`tandem:token:${name}`), docName)).toBe(token)
  await person.page.reload()
  await expect(person.pill).toHaveText('Connected')
  expect(person.page.url()).toBe(address)
})

test('a link pasted over a refused page opens the document', { tag: '@slow' }, async ({ openPerson, docName }) => {
  const person = await openPerson({ name: 'Ada Lovelace', path: null })
  await person.open(`${server.httpUrl}/d/${docName}`)
  await expect(person.pill).toHaveText('Not connected')
  // Only the fragment changes: the browser does not load the page again by itself.
  await person.page.goto(`${server.httpUrl}/d/${docName}#token=${await writeToken()}`)
  await expect(person.pill).toHaveText('Connected')
  await expect(person.page.getByRole('alert')).toBeHidden()
  await expect(person.editor).toBeEditable()
  expect(person.page.url()).toBe(`${server.httpUrl}/d/${docName}`)
})

test('a person over the open-documents limit is told so, not that they are offline', { tag: '@slow' }, async ({
  openPerson,
}) => {
  const limited = await startTandem({ args: ['--web-dir', testDist, '--max-docs-per-ip', '1'] })
  try {
    const person = await openPerson({ name: 'Ada Lovelace', path: null })
    await person.open(`${limited.httpUrl}/d/e2e/first`)
    await expect(person.pill).toHaveText('Connected')
    const second: Page = await person.context.newPage()
    await second.goto(`${limited.httpUrl}/d/e2e/second`)
    await expect(second.getByRole('alert')).toHaveText(
      'The server is turning away connections from this address for now; trying again shortly. The server said: ' +
        'Too many documents open from one address (at most 1). Try again in 60 s.',
    )
    await expect(second.locator('.pill')).toHaveText('Too many connections')
  } finally {
    await limited.dispose()
  }
})
