import { connectClient, startTandem, startThrottledProxy } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'
import { testDist } from './paths.js'

/** About 1 MB/s: a slow office or home link. */
const LINK_BYTES_PER_SECOND = 1_000_000
/** 50 MiB: 524,288 lines of 100 bytes. */
const LINES = 524_288

function bigLog(): string {
  const lines = Array.from({ length: LINES }, (_, i) => `line ${i} of a big log `.padEnd(99, '.'))
  lines[LINES - 1] = 'The end of the log.'.padEnd(99, '.')
  return lines.join('\n')
}

/** The megabytes a "Loading 12 of 52 MB" pill says have arrived, or -1 for any other text. */
function loadedMb(text: string | null): number {
  const match = /^Loading (\d+(?:\.\d)?) of 52 MB$/.exec(text ?? '')
  return match ? Number(match[1]) : -1
}

test('a 50 MiB document loads over a 1 MB/s link with progress, on one connection', { tag: '@slow' }, async ({
  openPerson,
  docName,
}) => {
  test.setTimeout(300_000)
  const text = bigLog()
  // Its own server, whose write budget lets one client send 50 MiB at once (the default allows 4 MiB/s).
  const tandem = await startTandem({
    args: ['--web-dir', testDist, '--max-connections-per-minute', '100000', '--max-bytes-per-second', '64MiB'],
  })
  // The document comes from another person's client on the server's own machine, 1 MiB per update.
  const writer = connectClient(tandem.url, docName, { saved: true })
  const proxy = await startThrottledProxy(tandem.port, LINK_BYTES_PER_SECOND)
  try {
    await writer.synced()
    for (let at = 0; at < text.length; at += 1024 * 1024) {
      writer.text.insert(at, text.slice(at, at + 1024 * 1024))
    }
    await expect.poll(() => writer.saves.saved, { timeout: 60_000 }).toBe(true)

    // A person opens it through the slow link: the app and the document both come through it.
    const ada = await openPerson({ name: 'Ada Lovelace', origin: `http://127.0.0.1:${proxy.port}`, path: null })
    const sockets: string[] = []
    ada.page.on('websocket', (socket) => sockets.push(socket.url()))
    await ada.page.goto(`/d/${docName}`)

    // The pill counts the megabytes up while the pieces arrive, and the text shows as it comes.
    await expect.poll(async () => loadedMb(await ada.pill.textContent()), { timeout: 60_000 }).toBeGreaterThan(0)
    const first = loadedMb(await ada.pill.textContent())
    await expect.poll(async () => loadedMb(await ada.pill.textContent()), { timeout: 60_000 }).toBeGreaterThan(first)
    await expect(ada.page.locator('.cm-content .cm-line').first()).toHaveText(/^line 0 of a big log \.+$/)

    await expect(ada.pill).toHaveText('Connected', { timeout: 180_000 })
    await expect(ada.page.locator('.counts')).toHaveText(/^524,288 lines · /)
    await ada.editor.click()
    await ada.page.keyboard.press('Control+End')
    await expect(ada.page.locator('.cm-content .cm-line').last()).toHaveText(/^The end of the log\.+$/)
    expect(sockets.filter((url) => url.includes(encodeURIComponent(docName).replace(/%2F/g, '/')))).toHaveLength(1)
  } finally {
    writer.destroy()
    await proxy.close()
    await tandem.dispose()
  }
})
