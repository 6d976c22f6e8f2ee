// Produces docs/images/editor-two-people.png, the picture in docs/embedding.md: two people in one document,
// each in their own browser, each seeing the other's caret and name.
import { mkdir, readFile } from 'node:fs/promises'
import { startTandem } from '@tandem/test-utils'
import { expect, test } from './fixtures.js'
import { repoDir } from './paths.js'

const output = `${repoDir}docs/images/editor-two-people.png`
// Keeps the name labels up for the picture; normally they fade a few seconds after a person stops moving.
const showLabels = '.cm-tandem-line-name { animation: none !important; opacity: 1 !important; }'

test('screenshot of two people editing', { tag: '@slow' }, async ({ openPerson, browser }) => {
  // A server of its own, so that the document can have a plain name in the picture.
  const server = await startTandem()
  const docName = 'team/launch-checklist'
  const ada = await openPerson({ name: 'Ada', color: '#2f6fdd', serverUrl: server.url, docName })
  const bob = await openPerson({ name: 'Bob', color: '#d9480f', serverUrl: server.url, docName })
  // Ada pastes a start (typed Enter would continue the Markdown list on its own), then both type.
  await ada.page.evaluate(() =>
    window.harness.editor!.view.dispatch({
      changes: {
        from: 0,
        insert: '# Launch checklist\n\n- [x] Write the announcement\n- [ ] Update the docs\n- [ ] \n\n',
      },
    }),
  )
  await expect.poll(() => bob.text()).toContain('- [ ] \n\n')
  await bob.content.click()
  await bob.page.keyboard.press('Control+End')
  await bob.page.keyboard.type('Ship it on Thursday, once the docs are in.')
  await ada.content.click()
  await ada.page.keyboard.press('Control+End')
  await ada.page.keyboard.press('ArrowUp')
  await ada.page.keyboard.press('ArrowUp')
  await ada.page.keyboard.press('End')
  await ada.page.keyboard.type('Tell the beta testers')
  const expected =
    '# Launch checklist\n\n- [x] Write the announcement\n- [ ] Update the docs\n- [ ] Tell the beta testers\n\nShip it on Thursday, once the docs are in.'
  await expect.poll(() => ada.text()).toBe(expected)
  await expect.poll(() => bob.text()).toBe(expected)
  // Bob selects "Thursday"; Ada sees the selection in Bob's colour.
  await bob.page.evaluate(() => {
    const { view } = window.harness.editor!
    const from = view.state.doc.toString().indexOf('Thursday')
    view.dispatch({ selection: { anchor: from, head: from + 'Thursday'.length } })
  })
  await expect(ada.page.locator('.cm-tandem-selection')).toHaveText('Thursday')

  const shots: Buffer[] = []
  for (const [viewer, other] of [
    [ada, 'Bob'],
    [bob, 'Ada'],
  ] as const) {
    await viewer.page.addStyleTag({ content: showLabels })
    await expect(viewer.page.locator('.cm-tandem-line-name')).toHaveAttribute('data-name', other)
    await expect(viewer.page.locator('.cm-tandem-line-name')).toHaveCSS('opacity', '1')
    await expect(viewer.page.locator('#peers li')).toHaveCount(2)
    // Animations stopped (the blinking cursor among them), so that the same picture comes out every run.
    shots.push(await viewer.page.locator('body').screenshot({ animations: 'disabled' }))
  }

  const page = await browser.newPage({ viewport: { width: 1480, height: 380 } })
  const image = (shot: Buffer, caption: string) =>
    `<figure><img src="data:image/png;base64,${shot.toString('base64')}"><figcaption>${caption}</figcaption></figure>`
  await page.setContent(`<!doctype html>
<style>
  body { margin: 0; padding: 12px; display: flex; gap: 16px; background: #d0d7de; font: 13px system-ui, sans-serif; }
  figure { margin: 0; } img { display: block; border-radius: 6px; box-shadow: 0 1px 4px #0003; }
  figcaption { margin-top: 6px; color: #24292f; text-align: center; }
</style>
${image(shots[0]!, 'Ada’s browser')}${image(shots[1]!, 'Bob’s browser')}`)
  await mkdir(`${repoDir}docs/images`, { recursive: true })
  await page.screenshot({ path: output })
  await page.close()

  // A PNG of the composed size: width and height are big-endian at bytes 16 and 20.
  const png = await readFile(output)
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1480, 380])
  await server.dispose()
})
