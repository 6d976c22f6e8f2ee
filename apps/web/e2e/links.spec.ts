import { mintToken } from '@tandem/test-utils'
import { expect, startTokenAppServer, test } from './fixtures.js'

test.describe('links that can be taken back', () => {
  // The viewer's browser logs its closed connection as a console error.
  test.use({ consoleErrors: 'allow' })

  test('a view-only person shows as such; revoking their link in the share dialog cuts them off and says why', {
    tag: '@slow',
  }, async ({ openPerson }) => {
    const { server, secret } = await startTokenAppServer()
    try {
      const ownerToken = await mintToken(secret, { docs: ['team/*'], access: 'write' })
      const owner = await openPerson({ name: 'Ada Lovelace', path: null })
      await owner.open(`${server.httpUrl}/d/team/review#token=${ownerToken}`)
      await expect(owner.pill).toHaveText('Connected')
      await owner.typeAtEnd('For review.')

      await owner.page.getByRole('button', { name: 'Share' }).click()
      const dialog = owner.page.getByRole('dialog', { name: 'Share this document' })
      await dialog.getByRole('button', { name: 'Create view-only link' }).click()
      const field = dialog.getByRole('textbox', { name: 'Share link' })
      await expect(field).toHaveValue(/\/d\/team\/review#token=/)
      const viewLink = await field.inputValue()
      const links = dialog.getByRole('list', { name: 'Links to this document' }).getByRole('listitem')
      await expect(links).toHaveCount(1)
      await expect(links.first()).toContainText('View-only link')
      await dialog.getByRole('button', { name: 'Done' }).click()

      const viewer = await openPerson({ name: 'Bob Kahn', path: null })
      await viewer.open(viewLink)
      await expect.poll(() => viewer.text()).toBe('For review.')
      // The owner sees Bob, marked view only; Bob sees Ada without the mark.
      await expect(owner.page.getByRole('button', { name: /^Bob Kahn \(view only\)/ })).toBeVisible()
      await expect(owner.page.locator('.avatar.is-view-only')).toContainText('view only')
      await expect(viewer.page.getByRole('button', { name: /^Ada Lovelace: follow their cursor/ })).toBeVisible()

      await owner.page.getByRole('button', { name: 'Share' }).click()
      const again = owner.page.getByRole('dialog', { name: 'Share this document' })
      const listed = again.getByRole('list', { name: 'Links to this document' }).getByRole('listitem')
      await expect(listed).toHaveCount(1)
      await listed
        .first()
        .getByRole('button', { name: /^Revoke/ })
        .click()
      // It asks first; keeping the link changes nothing.
      await listed.first().getByRole('button', { name: 'Keep' }).click()
      await expect(viewer.pill).not.toHaveText('Not connected')
      await listed
        .first()
        .getByRole('button', { name: /^Revoke/ })
        .click()
      const revokedAt = Date.now()
      await listed.first().getByRole('button', { name: 'Yes, revoke' }).click()

      await expect(viewer.page.getByRole('alert')).toHaveText('This link was revoked. Ask for a new one.', {
        timeout: 5000,
      })
      expect(Date.now() - revokedAt).toBeLessThan(5000)
      await expect(viewer.pill).toHaveText('Not connected')
      await expect(again.getByText('View-only link revoked: it no longer opens this document.')).toBeVisible()
      await expect(listed).toHaveCount(0)
      await again.getByRole('button', { name: 'Done' }).click()
      // Bob is gone from Ada's presence bar, and Ada still edits.
      await expect(owner.page.getByRole('button', { name: /^Bob Kahn/ })).toHaveCount(0)
      await owner.typeAtEnd(' Still editing.')
      await expect(owner.pill).toHaveText('All changes saved')
      // Reopening the revoked link says the same, and does not keep trying.
      await viewer.open(viewLink)
      await expect(viewer.page.getByRole('alert')).toHaveText('This link was revoked. Ask for a new one.')
      await expect(viewer.pill).toHaveText('Not connected')
    } finally {
      await server.dispose()
    }
  })

  test('a link keeps working when its document is renamed: the person in it moves to the new address, and so does the old link', {
    tag: '@slow',
  }, async ({ openPerson }) => {
    const { server, secret } = await startTokenAppServer()
    try {
      const ownerToken = await mintToken(secret, { docs: ['team/*'], access: 'write' })
      // A link for this one document, as the share dialog makes.
      const linkToken = await mintToken(secret, { docs: ['team/draft'], access: 'write' })
      const owner = await openPerson({ name: 'Ada Lovelace', path: null })
      await owner.open(`${server.httpUrl}/d/team/draft#token=${ownerToken}`)
      await owner.typeAtEnd('Shared before the rename.')
      await expect(owner.pill).toHaveText('All changes saved')
      const bob = await openPerson({ name: 'Bob Kahn', path: null })
      const oldLink = `${server.httpUrl}/d/team/draft#token=${linkToken}`
      await bob.open(oldLink)
      await expect.poll(() => bob.text()).toBe('Shared before the rename.')

      await owner.page.getByRole('button', { name: 'File' }).click()
      await owner.page.getByRole('menuitem', { name: 'Rename…' }).click()
      const dialog = owner.page.getByRole('dialog', { name: 'Rename the document' })
      await dialog.getByRole('textbox', { name: 'New name' }).fill('team/final')
      await dialog.getByRole('button', { name: 'Rename' }).click()

      // Bob's link names the old name only, yet he follows the document to its new address and edits on (the
      // token left the address bar when the page read it).
      await expect(bob.page).toHaveURL(`${server.httpUrl}/d/team/final`)
      await expect(bob.pill).toHaveText('Connected')
      await bob.typeAtEnd(' Edited after it.')
      await expect(bob.pill).toHaveText('All changes saved')
      await expect.poll(() => owner.text()).toBe('Shared before the rename. Edited after it.')
      // Reloaded at the new address, and opened by the old link, it is the same document.
      await bob.page.reload()
      await expect.poll(() => bob.text()).toBe('Shared before the rename. Edited after it.')
      await expect(bob.pill).toHaveText('Connected')
      const carol = await openPerson({ name: 'Carol Shaw', path: null })
      await carol.open(oldLink)
      await expect(carol.page).toHaveURL(`${server.httpUrl}/d/team/final`)
      await expect.poll(() => carol.text()).toBe('Shared before the rename. Edited after it.')
      await expect(carol.pill).toHaveText('Connected')
    } finally {
      await server.dispose()
    }
  })
})
