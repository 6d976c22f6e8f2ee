// The editor against a Tandem server with access control on (--auth token): what a person sees when they may
// not open a document, may only read it, or hold a token that runs out while they work.
import { mintToken, startTandem, type TandemProcess } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'

const secret = 'tandem-test-secret-'.padEnd(64, 'x')

async function withAuthServer(run: (server: TandemProcess) => Promise<void>): Promise<void> {
  // The test pages come from another origin (the static server), which the server must allow.
  const server = await startTandem({
    args: ['--auth', 'token', '--allowed-origins', '*'],
    env: { TANDEM_SECRET: secret },
  })
  try {
    await run(server)
  } finally {
    await server.dispose()
  }
}

/** A token from the real `tandem token` command. */
function mint(doc: string, access: 'read' | 'write', ttl = '1h'): Promise<string> {
  return mintToken(secret, { docs: [doc], access, ttl })
}

test('without a token: "unauthorized", and no retrying', async ({ openPerson }) => {
  await withAuthServer(async (server) => {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url })
    await expect.poll(() => ada.events('error')).toHaveLength(1)
    const [error] = (await ada.events('error')) as { reason: string; code: number; fatal: boolean }[]
    expect(error).toMatchObject({ reason: 'unauthorized', code: 4401, fatal: true })
    await ada.waitForStatus('disconnected')
    expect(await ada.page.evaluate(() => window.harness.editor!.provider.shouldConnect)).toBe(false)
  })
})

test('a token for other documents: "forbidden"', async ({ openPerson, docName }) => {
  await withAuthServer(async (server) => {
    const token = await mint('elsewhere/*', 'write')
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url, token })
    await expect.poll(() => ada.events('error')).toHaveLength(1)
    expect((await ada.events('error'))[0]).toMatchObject({ reason: 'forbidden', code: 4403, fatal: true })
    expect(docName.startsWith('elsewhere/')).toBe(false)
  })
})

test('a read token: the editor is read-only, presence still shows, and the server keeps the text as it was', {
  tag: '@slow',
}, async ({ openPerson }) => {
  await withAuthServer(async (server) => {
    const [writeToken, readToken] = await Promise.all([mint('test/*', 'write'), mint('test/*', 'read')])
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url, token: writeToken })
    const bob = await openPerson({ name: 'Bob', serverUrl: server.url, token: readToken })
    await ada.typeAtEnd('Written by Ada.')
    await expect.poll(() => bob.text()).toBe('Written by Ada.')
    // The token says read: Bob's editor makes itself read-only, without the page asking.
    expect(await bob.page.evaluate(() => [window.harness.editor!.access, window.harness.editor!.readOnly])).toEqual([
      'read',
      true,
    ])
    await expect(bob.content).toHaveAttribute('aria-readonly', 'true')
    await bob.content.click()
    await expect(ada.page.locator('.cm-tandem-caret-label')).toHaveText('Bob')

    // Even a change made behind the view's back never reaches anyone: the server drops it.
    await bob.page.evaluate(() => window.harness.editor!.text.insert(0, 'Forged. '))
    await ada.typeAtEnd(' More.')
    await expect.poll(() => bob.text()).toBe('Forged. Written by Ada. More.')
    expect(await ada.text()).toBe('Written by Ada. More.')
    const carol = await openPerson({ name: 'Carol', serverUrl: server.url, token: writeToken })
    await expect.poll(() => carol.text()).toBe('Written by Ada. More.')
  })
})

test('a token that expires is replaced by a fresh one from the token function, without a reload', {
  tag: '@slow',
}, async ({ browser, web, docName }) => {
  await withAuthServer(async (server) => {
    const tokens = await Promise.all([mint('test/*', 'write', '5s'), mint('test/*', 'write', '1h')])
    const page = await (await browser.newContext()).newPage()
    const issued: string[] = []
    await page.exposeFunction('nextToken', () => {
      const token = tokens[Math.min(issued.length, tokens.length - 1)]!
      issued.push(token)
      return token
    })
    await page.goto(`${web.url}/harness/index.html`)
    await page.evaluate(
      ({ serverUrl, docName }) =>
        window.harness.create({
          serverUrl,
          docName,
          user: { name: 'Ada' },
          token: () => (window as unknown as { nextToken: () => Promise<string> }).nextToken(),
        }),
      { serverUrl: server.url, docName },
    )
    const statuses = () =>
      page.evaluate(() => window.harness.log.filter((e) => e.type === 'status').map((e) => e.value))
    // The server closes with 4440 when the first token runs out; the editor asks for a new one and goes on.
    await expect
      .poll(statuses, { timeout: 20_000 })
      .toEqual(['connecting', 'connected', 'disconnected', 'connecting', 'connected'])
    expect(issued).toEqual(tokens)
    expect(await page.evaluate(() => window.harness.log.filter((e) => e.type === 'error'))).toEqual([])
    await page.locator('.cm-content').click()
    await page.keyboard.type('Still editing.')
    await expect.poll(() => page.evaluate(() => window.harness.editor!.saved)).toBe(true)
    await page.context().close()
  })
})
