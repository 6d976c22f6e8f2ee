import { startTandem, storedText } from '@tandem/test-utils'
import { startFreezingProxy, startScriptedServer } from './fake-servers.js'
import { expect, test } from './fixtures.js'

test('status goes connecting, connected, disconnected, connected across a server restart, with no text lost', async ({
  openPerson,
}) => {
  const server = await startTandem()
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url })
    await ada.waitForStatus('connected')
    await ada.typeAtEnd('Before the restart. ')
    await expect.poll(() => ada.page.evaluate(() => window.harness.editor!.saved)).toBe(true)

    await server.stop()
    await ada.waitForStatus('disconnected')
    // Typing goes on while the server is down.
    await ada.page.keyboard.type('During the outage.')
    await expect(ada.page.locator('#status')).toHaveText('disconnected')

    await server.restart()
    await ada.waitForStatus('connected')
    const statuses = ((await ada.events('status')) as string[]).join(' > ')
    // Attempts while the server was down each go connecting > disconnected; the pattern around them is fixed.
    expect(statuses).toMatch(
      /^connecting > connected > disconnected( > connecting > disconnected)* > connecting > connected$/,
    )

    // A person who opens the document now gets all of it from the restarted server.
    const bob = await openPerson({ name: 'Bob', serverUrl: server.url })
    await expect.poll(() => bob.text()).toBe('Before the restart. During the outage.')
    await expect.poll(() => ada.text()).toBe('Before the restart. During the outage.')
  } finally {
    await server.dispose()
  }
})

test("saved fires after the server's commit, and what was saved survives kill -9", { tag: '@slow' }, async ({
  openPerson,
  docName,
}) => {
  const server = await startTandem()
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url })
    await ada.waitForStatus('connected')
    await expect.poll(() => ada.events('synced')).toHaveLength(1)

    // The change is local at once, so right after it nothing is saved yet.
    const savedRightAfter = await ada.page.evaluate(() => {
      const editor = window.harness.editor!
      editor.view.dispatch({ changes: { from: 0, insert: 'Durable text.' } })
      return editor.saved
    })
    expect(savedRightAfter).toBe(false)
    await expect.poll(() => ada.events('saved')).toHaveLength(1)
    // "unsaved" came first, at the change; then "saved", at the acknowledgement.
    const order = await ada.page.evaluate(() =>
      window.harness.log.filter((e) => e.type === 'saved' || e.type === 'unsaved').map((e) => e.type),
    )
    expect(order).toEqual(['unsaved', 'saved'])
    expect(await ada.page.evaluate(() => window.harness.editor!.saved)).toBe(true)
    await expect(ada.page.locator('#saved')).toHaveText('All changes saved')

    // No graceful shutdown: only what the server committed is left. It is read from the database file while the
    // server is down, so Ada's editor, which still holds the text, cannot hand it back first.
    await server.kill()
    expect(await storedText(server.dataDir, docName)).toBe('Durable text.')
    await server.restart()
    const bob = await openPerson({ name: 'Bob', serverUrl: server.url })
    await expect.poll(() => bob.text()).toBe('Durable text.')

    // Each later change is acknowledged in turn.
    await ada.waitForStatus('connected')
    // One transaction, so exactly one more acknowledgement completes it (typing key by key may see several).
    await ada.page.evaluate(() => {
      const { view } = window.harness.editor!
      view.dispatch({ changes: { from: view.state.doc.length, insert: ' More.' } })
    })
    await expect.poll(() => ada.events('saved')).toHaveLength(2)
    expect(await storedText(server.dataDir, docName)).toBe('Durable text. More.')
    await expect.poll(() => bob.text()).toBe('Durable text. More.')
  } finally {
    await server.dispose()
  }
})

test('a connection that dies without closing is noticed by the heartbeat, and replaced', { tag: '@slow' }, async ({
  openPerson,
}) => {
  // The server only lets a client id speak through one connection, and keeps the dead one until its own ping
  // drops it: a short server ping interval lets the replacement in quickly. Both intervals leave a healthy
  // connection a second to answer, so a machine busy with other work does not look like a dead network.
  const server = await startTandem({ args: ['--ping-interval', '1000'] })
  const proxy = await startFreezingProxy(server.port)
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: proxy.url, heartbeatInterval: 1000 })
    await ada.waitForStatus('connected')
    // Idle but healthy: the heartbeat's probes are answered, so the connection stays.
    const chunks = proxy.chunksToClient
    await expect.poll(() => proxy.chunksToClient).toBeGreaterThan(chunks + 2)
    expect(proxy.connections).toBe(1)
    expect(await ada.events('status')).toEqual(['connecting', 'connected'])

    proxy.freeze()
    // Noticed after 2.5 intervals of silence (2.5 s here; 25 s by default), then replaced by a new connection.
    await expect
      .poll(async () => (await ada.events('status')).slice(0, 3))
      .toEqual(['connecting', 'connected', 'disconnected'])
    await ada.waitForStatus('connected')
    expect(proxy.connections).toBeGreaterThanOrEqual(2)
    await ada.typeAtEnd('Still here.')
    const bob = await openPerson({ name: 'Bob', serverUrl: server.url })
    await expect.poll(() => bob.text()).toBe('Still here.')
  } finally {
    await proxy.close()
    await server.dispose()
  }
})

for (const [code, reason] of [
  [4401, 'unauthorized'],
  [4403, 'forbidden'],
] as const) {
  test(`close code ${code} raises a "${reason}" error and stops retrying`, async ({ openPerson }) => {
    const server = await startScriptedServer(() => ({ close: code, reason: 'no entry' }))
    try {
      const ada = await openPerson({ name: 'Ada', serverUrl: server.url, reconnect: { minDelay: 10, maxDelay: 20 } })
      await expect.poll(() => ada.events('error')).toHaveLength(1)
      const [error] = (await ada.events('error')) as { reason: string; code: number; fatal: boolean; message: string }[]
      expect(error).toMatchObject({ reason, code, fatal: true })
      expect(error!.message).toContain('Access denied')
      expect(error!.message).toContain('no entry')
      // Stopped for good: no socket, no pending attempt, one request at the server.
      const state = await ada.page.evaluate(() => {
        const { provider, status } = window.harness.editor!
        return { status, shouldConnect: provider.shouldConnect, ws: provider.ws === null ? null : 'open' }
      })
      expect(state).toEqual({ status: 'disconnected', shouldConnect: false, ws: null })
      expect(server.requests).toHaveLength(1)

      // connect() tries again, on purpose (say, after signing in).
      await ada.page.evaluate(() => window.harness.editor!.connect())
      await expect.poll(() => server.requests.length).toBe(2)
      await expect.poll(() => ada.events('error')).toHaveLength(2)
    } finally {
      await server.close()
    }
  })
}

test('an upgrade refused with HTTP 403 raises a "forbidden" error and stops retrying', async ({ openPerson }) => {
  const server = await startScriptedServer(() => ({ refuse: 403 }))
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url, reconnect: { minDelay: 200, maxDelay: 400 } })
    await expect
      .poll(() => ada.events('error'))
      .toEqual([
        {
          reason: 'forbidden',
          code: 403,
          fatal: true,
          message: 'Access denied: you may not open this document.',
          cause: '',
        },
      ])
    await ada.waitForStatus('disconnected')
    expect(await ada.page.evaluate(() => window.harness.editor!.provider.shouldConnect)).toBe(false)
    const attempts = server.requests.length
    expect(attempts).toBeLessThanOrEqual(2)
  } finally {
    await server.close()
  }
})

test('the token goes in the URL, and a token function is asked again before each attempt', async ({
  openPerson,
  page,
}) => {
  // The server drops the first two connections as if it restarted, then refuses the third for good.
  const server = await startScriptedServer((n) => (n < 2 ? { close: 1012 } : { close: 4401 }))
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url, token: 'secret-1' })
    await expect.poll(() => ada.events('error')).toHaveLength(1)
    expect(server.requests.map((url) => new URL(url, 'http://x').searchParams.get('token'))).toEqual([
      'secret-1',
      'secret-1',
      'secret-1',
    ])
    expect(new URL(server.requests[0]!, 'http://x').searchParams.get('tandem')).toBe('saved,moved,loading')
    await ada.context.close()

    // A function: called before every attempt, so each one carries a fresh token.
    server.requests.length = 0
    await page.goto('about:blank')
    const web = new URL(ada.page.url()).origin
    await page.goto(`${web}/harness/index.html`)
    await page.evaluate((serverUrl) => {
      let issued = 0
      window.harness.create({
        serverUrl,
        docName: 'token-test',
        user: { name: 'Ada' },
        token: async () => `fresh-${++issued}`,
      })
    }, server.url)
    await expect.poll(() => page.evaluate(() => window.harness.log.filter((e) => e.type === 'error').length)).toBe(1)
    expect(server.requests.map((url) => new URL(url, 'http://x').searchParams.get('token'))).toEqual([
      'fresh-1',
      'fresh-2',
      'fresh-3',
    ])
  } finally {
    await server.close()
  }
})

test('close code 4440 (token expired): a fixed token ends in "token-expired"; a token function is asked again', async ({
  openPerson,
  page,
  web,
}) => {
  const server = await startScriptedServer((n) => (n < 2 ? { close: 4440 } : { close: 4401 }))
  try {
    const ada = await openPerson({ name: 'Ada', serverUrl: server.url, token: 'fixed' })
    await expect.poll(() => ada.events('error')).toHaveLength(1)
    expect((await ada.events('error'))[0]).toMatchObject({ reason: 'token-expired', code: 4440, fatal: true })
    expect(server.requests).toHaveLength(1)
    await ada.context.close()

    server.requests.length = 0
    await page.goto(`${web.url}/harness/index.html`)
    await page.evaluate((serverUrl) => {
      let issued = 0
      window.harness.create({ serverUrl, docName: 'expiry', user: { name: 'Bob' }, token: () => `fresh-${++issued}` })
    }, server.url)
    await expect.poll(() => page.evaluate(() => window.harness.log.filter((e) => e.type === 'error').length)).toBe(1)
    expect(server.requests.map((url) => new URL(url, 'http://x').searchParams.get('token'))).toEqual([
      'fresh-1',
      'fresh-2',
      'fresh-3',
    ])
    expect(await page.evaluate(() => window.harness.log.find((e) => e.type === 'error')?.value)).toMatchObject({
      reason: 'unauthorized',
    })
  } finally {
    await server.close()
  }
})

test('reconnect delays grow exponentially to the cap, with jitter between half and all of each step', async ({
  page,
  web,
}) => {
  await page.goto(`${web.url}/harness/index.html`)
  const bounds = await page.evaluate(() => {
    const { reconnectDelay } = window.harness
    const options = { minDelay: 250, maxDelay: 10_000 }
    return [0, 1, 2, 3, 5, 6, 20].map((attempt) => [
      reconnectDelay(attempt, options, () => 0),
      reconnectDelay(attempt, options, () => 1),
    ])
  })
  expect(bounds).toEqual([
    [125, 250],
    [250, 500],
    [500, 1000],
    [1000, 2000],
    [4000, 8000],
    [5000, 10_000],
    [5000, 10_000],
  ])
})
