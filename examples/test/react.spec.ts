/**
 * examples/react in real Chromium, built for development so that React StrictMode mounts, unmounts and mounts
 * again: two people, each in their own browser context, type and see each other's text, each sees both names,
 * each page counts everyone's words (useText()), the page says "saved" once the server's database has every
 * change, and each person opened exactly one WebSocket. One page has its token in its address; the other
 * fetches one from its app's backend before connecting, through the app's token function.
 */
import { storedText } from '@tandem/test-utils'
import { editorText, expect, openConnections, test, watchText } from './fixtures.js'

/** The token endpoint of the app's backend that the second page asks (`?token-url=`). */
const TOKEN_PATH = '/api/tandem-token'

test('two people in StrictMode type, see each other and each other’s names, see it saved, one socket each', async ({
  open,
  tandem,
  writeToken,
  docName,
}) => {
  const ada = await open({ example: 'react', name: 'Ada' })
  const tokenRequests: string[] = []
  const bob = await open({
    example: 'react',
    name: 'Bob',
    token: null,
    query: { 'token-url': TOKEN_PATH },
    prepare: (page) =>
      page.route(`**${TOKEN_PATH}`, (route) => {
        tokenRequests.push(route.request().method())
        return route.fulfill({ body: writeToken })
      }),
  })
  for (const person of [ada, bob]) {
    await expect(person.page.getByTestId('status')).toHaveText('connected')
    await expect(person.page.locator('.cm-content')).toBeVisible()
  }
  // The example runs on React 18; @tandem/react's own tests run on React 19: both majors are covered.
  await expect(ada.page.getByTestId('react-version')).toHaveText(/^React 18\./)
  await expect(ada.page.getByTestId('people').locator('li')).toHaveText(['Ada (you)', 'Bob'])
  await expect(bob.page.getByTestId('people').locator('li')).toHaveText(['Bob (you)', 'Ada'])
  const adaSaved = await watchText(ada.page, '[data-testid="saved"]')
  const bobSaved = await watchText(bob.page, '[data-testid="saved"]')

  await ada.page.locator('.cm-content').click()
  await ada.page.keyboard.type('Hello from Ada.')
  await expect.poll(() => editorText(bob.page)).toBe('Hello from Ada.')
  // useText() follows the other person's typing too.
  await expect(bob.page.getByTestId('words')).toHaveText('3 words')
  await bob.page.locator('.cm-content').click()
  await bob.page.keyboard.press('Control+End')
  await bob.page.keyboard.type(' And Bob.')
  const both = 'Hello from Ada. And Bob.'
  for (const [person, savedShown] of [
    [ada, adaSaved],
    [bob, bobSaved],
  ] as const) {
    await expect.poll(() => editorText(person.page)).toBe(both)
    await expect(person.page.getByTestId('words')).toHaveText('5 words')
    // Saved before any change, "Saving…" while their change was on its way, then saved.
    expect((await savedShown())[0]).toBe('All changes saved')
    await expect.poll(async () => (await savedShown()).at(-1)).toBe('All changes saved')
    expect(await savedShown()).toContain('Saving…')
    await expect(person.page.getByRole('alert')).toHaveCount(0)
  }
  // "saved" means the server's database has it: read from there, not from either page.
  expect(await storedText(tandem.dataDir, docName)).toBe(both)

  // A new name in the name field reaches the other person without reconnecting.
  await bob.page.getByLabel('Your name').fill('Bob B.')
  await expect(ada.page.getByTestId('people').locator('li')).toHaveText(['Ada (you)', 'Bob B.'])

  // One socket per person over the whole visit, not one left open by StrictMode's first mount; Bob's page asked
  // its backend for a token once, for its one connection.
  expect(ada.sockets.map((socket) => socket.isClosed())).toEqual([false])
  expect(bob.sockets.map((socket) => socket.isClosed())).toEqual([false])
  expect(tokenRequests).toEqual(['GET'])
  // The server agrees (polled: another test's pages may have closed a moment ago).
  await expect.poll(() => openConnections(tandem)).toBe(2)
})
