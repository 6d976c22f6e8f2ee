import { DEFAULT_COLORS } from '@tandem/client'
import { expect, test } from './fixtures.js'

test('names and colours from other people are rendered inert', async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada' })
  const requests: string[] = []
  ada.page.on('request', (request) => requests.push(request.url()))
  const mallory = await openPerson({ name: 'Mallory' })
  await mallory.typeAtEnd('Hi')

  // Mallory's client is hostile: it skips the editor's checks and writes its awareness state directly.
  const hostileName = '<img src=x onerror="window.pwned = 1">'
  const malloryId = await mallory.page.evaluate((name) => {
    const { awareness } = window.harness.editor!
    awareness.setLocalStateField('user', {
      name,
      color: 'red; background-image: url(http://127.0.0.1:9/track)',
      colorLight: 'red; position: fixed; inset: 0',
    })
    return awareness.clientID
  }, hostileName)

  const label = ada.page.locator('.cm-tandem-caret-label')
  await expect(label).toHaveText(hostileName)
  // (CodeMirror's own cursor helpers around widgets are <img class="cm-widgetBuffer">; nothing else.)
  expect(await ada.page.locator('img:not(.cm-widgetBuffer)').count()).toBe(0)
  expect(await ada.page.locator('img[src], [onerror]').count()).toBe(0)
  expect(await ada.page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined()
  // The colour is replaced by the default one for Mallory's client id, written as plain rgb by the browser.
  const expected = DEFAULT_COLORS[malloryId % DEFAULT_COLORS.length]
  const peers = await ada.page.evaluate(() => window.harness.editor!.peers.map(({ name, color }) => ({ name, color })))
  expect(peers).toEqual([
    { name: 'Ada', color: expect.any(String) },
    { name: hostileName, color: expected },
  ])
  const style = await ada.page.locator('.cm-tandem-caret').getAttribute('style')
  expect(style).not.toContain('url(')
  expect(style).not.toContain('red')
  // The harness shows the list of people with textContent too: no element sneaks in there either.
  await expect(ada.page.locator('#peers li').nth(1)).toHaveText(hostileName)
  expect(requests.filter((url) => url.includes('/track'))).toEqual([])

  // Characters that disguise or reorder a name are dropped; a name is cut at 40 characters; a name that is not
  // text is "Anonymous".
  await mallory.page.evaluate(() =>
    window.harness.editor!.awareness.setLocalStateField('user', { name: 'Eve\u202Egnp.exe\u0000', color: '#5f3dc4' }),
  )
  await expect(label).toHaveText('Evegnp.exe')
  await mallory.page.evaluate(() =>
    window.harness.editor!.awareness.setLocalStateField('user', { name: 'x'.repeat(500), color: '#5f3dc4' }),
  )
  await expect(label).toHaveText(`${'x'.repeat(39)}…`)
  await mallory.page.evaluate(() =>
    window.harness.editor!.awareness.setLocalStateField('user', { name: { toString: 1 }, color: 12 }),
  )
  await expect(label).toHaveText('Anonymous')

  // A malformed cursor from one peer does not break the editor for anyone else.
  await mallory.page.evaluate(() =>
    window.harness.editor!.awareness.setLocalStateField('cursor', { anchor: 'garbage', head: { type: 7 } }),
  )
  await ada.typeAtEnd(' there')
  await expect.poll(() => mallory.text()).toBe('Hi there')
})

test('colours are parsed, not pasted: only real CSS colours pass', async ({ page, web }) => {
  await page.goto(`${web.url}/harness/index.html`)
  const parsed = await page.evaluate(() =>
    [
      '#2f6fdd',
      '#abc',
      'rebeccapurple',
      'hsl(0 100% 50%)',
      'rgb(1, 2, 3)',
      'red; background: url(x)',
      'url(http://x)',
      'expression(alert(1))',
      'transparent',
      '#00000000',
      'var(--x)',
      '',
      42,
      null,
    ].map((value) => window.harness.parseColor(value)),
  )
  expect(parsed).toEqual([
    { r: 47, g: 111, b: 221 },
    { r: 170, g: 187, b: 204 },
    { r: 102, g: 51, b: 153 },
    { r: 255, g: 0, b: 0 },
    { r: 1, g: 2, b: 3 },
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
  ])
})
