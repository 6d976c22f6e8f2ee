import { mintToken } from '@tandem/test-utils'
import { expect, startTokenAppServer, test } from './fixtures.js'

test.describe('on a server that needs access tokens', () => {
  // The browser logs the refused connection of the person without a token as a console error.
  test.use({ consoleErrors: 'allow' })

  test('a link with a token opens the document, a read-only link shows it without typing, no token says why', {
    tag: '@slow',
  }, async ({ openPerson }) => {
    const { server, secret } = await startTokenAppServer()
    const mint = (access: 'read' | 'write') => mintToken(secret, { docs: ['team/*'], access })
    try {
      const page = `${server.httpUrl}/d/team/plan`
      const writer = await openPerson({ name: 'Ada Lovelace', path: null })
      await writer.open(`${page}#token=${await mint('write')}`)
      await expect(writer.pill).toHaveText('Connected')
      await writer.title.fill('Plan')
      await writer.typeAtEnd('Only for the team.')
      await expect(writer.pill).toHaveText('All changes saved')

      const reader = await openPerson({ name: 'Bob Kahn', path: null })
      await reader.open(`${page}#token=${await mint('read')}`)
      await expect.poll(() => reader.text()).toBe('Only for the team.')
      await expect(reader.page.locator('.badge')).toHaveText('Read only')
      await expect(reader.title).toHaveValue('Plan')
      await expect(reader.title).not.toBeEditable()
      await expect(reader.language).toBeDisabled()
      await reader.editor.click()
      await reader.page.keyboard.type('Bob tries to type.')
      await expect.poll(() => reader.text()).toBe('Only for the team.')

      const stranger = await openPerson({ name: 'Cy Twombly', path: null })
      await stranger.open(page)
      await expect(stranger.page.getByRole('alert')).toHaveText(
        'This server only opens documents through links with an access token (…#token=…). Ask for such a link.',
      )
      await expect(stranger.pill).toHaveText('Not connected')

      // The writer's recent list keeps the token, so the document opens from the home page too.
      await writer.open(`${server.httpUrl}/`)
      await writer.page.getByRole('link', { name: /Plan/ }).click()
      // (Its offline copy from the first visit makes "All changes saved" as likely as "Connected".)
      await expect(writer.pill).toHaveText(/^(Connected|All changes saved)$/)
      await expect.poll(() => writer.text()).toBe('Only for the team.')
      // The token left the address bar once read (see refusals.spec.ts).
      expect(new URL(writer.page.url()).hash).toBe('')
    } finally {
      await server.dispose()
    }
  })

  test('a person who may edit makes a view-only link that shows live edits but cannot type, and an edit link that can', {
    tag: '@slow',
  }, async ({ openPerson }) => {
    const { server, secret } = await startTokenAppServer()
    const teamToken = await mintToken(secret, { docs: ['team/*'], access: 'write' })
    try {
      const owner = await openPerson({ name: 'Ada Lovelace', path: null })
      await owner.open(`${server.httpUrl}/d/team/launch#token=${teamToken}`)
      await expect(owner.pill).toHaveText('Connected')
      await owner.typeAtEnd('Draft one.')
      // Someone holding a write token shares through links made for this document, not by copying their token.
      await expect(owner.page.getByRole('button', { name: 'Copy link' })).toBeHidden()
      const makeLink = async (kind: 'Create view-only link' | 'Create edit link') => {
        await owner.page.getByRole('button', { name: 'Share' }).click()
        const dialog = owner.page.getByRole('dialog', { name: 'Share this document' })
        await dialog.getByRole('button', { name: kind }).click()
        const field = dialog.getByRole('textbox', { name: 'Share link' })
        await expect(field).toHaveValue(/\/d\/team\/launch#token=/)
        const link = await field.inputValue()
        await dialog.getByRole('button', { name: 'Done' }).click()
        return link
      }
      const viewLink = await makeLink('Create view-only link')
      const editLink = await makeLink('Create edit link')
      expect(viewLink).not.toContain(teamToken)
      expect(editLink).not.toContain(teamToken)

      const viewer = await openPerson({ name: 'Bob Kahn', path: null })
      await viewer.open(viewLink)
      await expect.poll(() => viewer.text()).toBe('Draft one.')
      await expect(viewer.page.locator('.badge')).toHaveText('Read only')
      // Live edits from others arrive...
      await owner.typeAtEnd(' Draft two.')
      await expect.poll(() => viewer.text()).toBe('Draft one. Draft two.')
      // ...and typing does nothing, on the page or on the server.
      await viewer.editor.click()
      await viewer.page.keyboard.type('Bob was here.')
      await owner.typeAtEnd(' Draft three.')
      await expect.poll(() => viewer.text()).toBe('Draft one. Draft two. Draft three.')
      await expect.poll(() => owner.text()).toBe('Draft one. Draft two. Draft three.')
      await expect(owner.pill).toHaveText('All changes saved')

      const editor = await openPerson({ name: 'Cy Twombly', path: null })
      await editor.open(editLink)
      await expect.poll(() => editor.text()).toBe('Draft one. Draft two. Draft three.')
      await expect(editor.page.locator('.badge')).toBeHidden()
      await editor.typeAtEnd(' Cy edits too.')
      await expect.poll(() => owner.text()).toBe('Draft one. Draft two. Draft three. Cy edits too.')
      await expect.poll(() => viewer.text()).toBe('Draft one. Draft two. Draft three. Cy edits too.')
    } finally {
      await server.dispose()
    }
  })
})
