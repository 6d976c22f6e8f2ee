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
