import { startTandem } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'
import { testDist } from './paths.js'

test.describe('a document at the server size limit', () => {
  // The refused connection is logged by the browser as a console error.
  test.use({ consoleErrors: 'allow' })

  test('a person whose paste takes the document past the limit is told it was not saved', async ({
    openPerson,
    docName,
  }) => {
    const server = await startTandem({ args: ['--web-dir', testDist, '--max-document-size', '4KiB'] })
    try {
      const ada = await openPerson({ name: 'Ada Lovelace', path: null })
      await ada.open(`${server.httpUrl}/d/${docName}`)
      await ada.typeAtEnd('Short. ')
      await expect(ada.pill).toHaveText('All changes saved')
      await ada.page.keyboard.insertText('x'.repeat(5000))
      await expect(ada.page.getByRole('alert')).toHaveText(
        "This document has reached the server's size limit (4 KB); your last change was not saved.",
      )
      const response = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(docName)}/text`)
      expect(await response.text()).toBe('Short. ')
    } finally {
      await server.dispose()
    }
  })
})

/** The most JavaScript a cold load of a document page may transfer, compressed. */
const COLD_LOAD_JS_BUDGET = 250 * 1024

test('a cold load of a document page gets its JavaScript brotli-compressed, within the budget', async ({
  openPerson,
  docName,
}, testInfo) => {
  const ada = await openPerson({ name: 'Ada Lovelace', path: null })
  const measured: Promise<{ url: string; encoding: string | undefined; bytes: number }>[] = []
  ada.page.on('requestfinished', (request) => {
    if (request.resourceType() !== 'script') return
    measured.push(
      (async () => ({
        url: request.url(),
        encoding: (await request.response())?.headers()['content-encoding'],
        bytes: (await request.sizes()).responseBodySize,
      }))(),
    )
  })
  await ada.open(`/d/${docName}`)
  await expect(ada.pill).toHaveText('Connected')
  // The page keeps its WebSocket open, which networkidle ignores: this waits for every script it loads.
  await ada.page.waitForLoadState('networkidle')
  const scripts = await Promise.all(measured)
  const total = scripts.reduce((sum, script) => sum + script.bytes, 0)
  testInfo.annotations.push({ type: 'cold-load-js', description: `${scripts.length} scripts, ${total} bytes` })
  // Files under 1 KiB (the build's MIN_COMPRESS_BYTES) have no compressed copy: compressing them saves nothing.
  for (const script of scripts) if (script.bytes >= 1024) expect(script.encoding, script.url).toBe('br')
  expect(scripts.filter((script) => script.encoding === 'br').length).toBeGreaterThan(0)
  expect(total).toBeLessThanOrEqual(COLD_LOAD_JS_BUDGET)
})
