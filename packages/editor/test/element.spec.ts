import { connectClient, startThrottledProxy, waitFor } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'

test('<tandem-editor> works in a plain HTML page with no bundler', async ({
  browser,
  web,
  tandem,
  docName,
  openPerson,
}) => {
  // The whole page: one script tag and the element. Nothing is built for it.
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Plain page</title>
    <script type="module" src="/tandem-editor.js"></script>
  </head>
  <body>
    <h1>Meeting notes</h1>
    <tandem-editor server="${tandem.url}" doc="${docName}" name="Ada" color="#2f6fdd" style="height: 200px"></tandem-editor>
  </body>
</html>`
  web.page('/plain.html', html)
  const context = await browser.newContext()
  const page = await context.newPage()
  const loaded: string[] = []
  page.on('request', (request) => loaded.push(new URL(request.url()).pathname))
  await page.goto(`${web.url}/plain.html`)

  const element = page.locator('tandem-editor')
  const content = element.locator('.cm-content')
  await expect(content).toBeVisible()
  await expect
    .poll(() => element.evaluate((el) => (el as HTMLElementTagNameMap['tandem-editor']).editor?.status))
    .toBe('connected')
  // The page fetched itself and the one module, nothing else.
  expect(loaded).toEqual(['/plain.html', '/tandem-editor.js'])

  // Someone else, on an app built with createEditor, edits the same document with the element's user.
  const bob = await openPerson({ name: 'Bob' })
  await content.click()
  await page.keyboard.type('From the plain page.')
  await expect.poll(() => bob.text()).toBe('From the plain page.')
  await bob.typeAtEnd(' From the app.')
  await expect(content.locator('.cm-line')).toContainText('From the plain page. From the app.')
  await expect
    .poll(() => element.evaluate((el) => (el as HTMLElementTagNameMap['tandem-editor']).editor?.text.toString()))
    .toBe('From the plain page. From the app.')
  await expect(bob.page.locator('.cm-tandem-caret-label')).toHaveText('Ada')

  // DOM events: the element tells the page who is here.
  await page.evaluate(() => {
    const el = document.querySelector('tandem-editor')!
    ;(window as { lastPeers?: string[] }).lastPeers = []
    el.addEventListener('tandem-peers', (event) => {
      const { peers } = (event as CustomEvent<{ peers: { name: string }[] }>).detail
      ;(window as { lastPeers?: string[] }).lastPeers = peers.map((peer) => peer.name)
    })
  })
  // Attributes are live: a new name reaches the others without reconnecting.
  await element.evaluate((el) => el.setAttribute('name', 'Ada L.'))
  await expect
    .poll(async () => (await bob.page.evaluate(() => window.harness.editor!.peers)).map((p) => p.name))
    .toEqual(['Bob', 'Ada L.'])
  await expect
    .poll(() => page.evaluate(() => (window as { lastPeers?: string[] }).lastPeers))
    .toEqual(['Ada L.', 'Bob'])
  await element.evaluate((el) => el.setAttribute('read-only', ''))
  await expect(content).toHaveAttribute('aria-readonly', 'true')

  // Taking the element out of the page closes its editor: the others see Ada leave.
  await element.evaluate((el) => el.remove())
  await expect
    .poll(async () => (await bob.page.evaluate(() => window.harness.editor!.peers)).map((p) => p.name))
    .toEqual(['Bob'])
  await context.close()
})

test('<tandem-editor> shows a misconfiguration in place', async ({ page, web }) => {
  web.page(
    '/bad.html',
    `<!doctype html><meta charset="utf-8"><script type="module" src="/tandem-editor.js"></script>
<tandem-editor server="ftp://example.com" doc="notes"></tandem-editor>`,
  )
  await page.goto(`${web.url}/bad.html`)
  await expect(page.locator('tandem-editor [role="alert"]')).toHaveText(
    'Tandem editor: The serverUrl "ftp://example.com" is not a ws:// or wss:// URL. Pass a URL such as "wss://tandem.example.com" (or "ws://localhost:1234" in development).',
  )
})

test('<tandem-editor> tells the page how much of a big document has arrived', { tag: '@slow' }, async ({
  browser,
  web,
  tandem,
  docName,
}) => {
  // 3 MiB through a 500 KB/s link: its state comes in 13 pieces, over about 6 s.
  const part = 'A big document, arriving in pieces. '.repeat(29_128).slice(0, 1024 * 1024)
  const writer = connectClient(tandem.url, docName, { saved: true })
  const proxy = await startThrottledProxy(tandem.port, 500_000)
  try {
    await writer.synced()
    for (let i = 0; i < 3; i++) writer.text.insert(writer.text.length, part)
    await waitFor(() => writer.saves.saved, 'the document to be stored', 30_000)
    web.page(
      '/loading.html',
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loading</title>
<script>
  window.progress = []
  document.addEventListener('tandem-loading', (event) => window.progress.push(event.detail))
</script>
<script type="module" src="/tandem-editor.js"></script></head>
<body><tandem-editor server="${proxy.url}" doc="${docName}" style="height: 200px"></tandem-editor></body></html>`,
    )
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${web.url}/loading.html`)
    type Progress = { received: number; total: number } | null
    const progress = () => page.evaluate(() => (window as unknown as { progress: Progress[] }).progress)
    await expect.poll(async () => (await progress()).at(-1), { timeout: 60_000 }).toBeNull()
    const seen = await progress()
    const counts = seen.filter((entry): entry is NonNullable<Progress> => entry !== null)
    // 3,145,728 characters and a few bytes a struct, counted up from 0 after each piece.
    expect(counts.length).toBeGreaterThanOrEqual(13)
    expect(counts[0]).toEqual({ received: 0, total: counts[0]!.total })
    expect(counts[0]!.total).toBeGreaterThan(3 * part.length)
    expect(counts.at(-1)).toEqual({ received: counts[0]!.total, total: counts[0]!.total })
    for (let i = 1; i < counts.length; i++) expect(counts[i]!.received).toBeGreaterThanOrEqual(counts[i - 1]!.received)
    expect(seen.indexOf(null)).toBe(seen.length - 1)
    await expect
      .poll(() =>
        page
          .locator('tandem-editor')
          .evaluate((el) => (el as HTMLElementTagNameMap['tandem-editor']).editor?.text.length),
      )
      .toBe(3 * part.length)
    await context.close()
  } finally {
    writer.destroy()
    await proxy.close()
  }
})
