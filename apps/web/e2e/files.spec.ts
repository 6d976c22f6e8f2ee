// Files on the document page and the home page: importing a .md or .txt file (picker or drop) as a new document
// or into the current one, refusing files too large or not text, downloading the text or a sanitised HTML page,
// and printing. The "File" menu from the keyboard and at phone width, and its picture for the docs.
import { mkdir, readFile } from 'node:fs/promises'
import type { Locator, Page } from '@playwright/test'
import { mintToken } from '@tandem/test-utils'
import { expect, type Person, serverText, startTokenAppServer, test } from './fixtures.js'
import { imagesDir } from './paths.js'
import { pdfText } from './pdf-text.js'

/** A file as Playwright's file chooser and our drop helper take it. */
interface TestFile {
  name: string
  mimeType: string
  buffer: Buffer
}

const textFile = (name: string, text: string, mimeType = 'text/markdown'): TestFile => ({
  name,
  mimeType,
  buffer: Buffer.from(text, 'utf8'),
})

// The start of a PNG: a NUL in the fourth line of bytes, and a binary type.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')

const NOTES = '# Trip notes\n\n- Train at 9:14\n- Hotel by the river\n\n```\nbook tickets\n```\n'

/** Opens the File menu and chooses "Import a file…", answering the file picker with `file`. */
async function importThroughMenu(person: Person, file: TestFile): Promise<void> {
  const [chooser] = await Promise.all([
    person.page.waitForEvent('filechooser'),
    chooseFromMenu(person.page, 'Import a file…'),
  ])
  await chooser.setFiles(file)
}

async function chooseFromMenu(page: Page, item: string): Promise<void> {
  await page.getByRole('button', { name: 'File' }).click()
  await page.getByRole('menuitem', { name: item }).click()
}

/**
 * Drops `file` on `target` as the browser does: dragenter, dragover and a real `drop` DragEvent whose
 * DataTransfer, built in the page, holds the file. At `at` (in the target's box), or its middle.
 */
async function dropFile(target: Locator, file: TestFile, at?: { x: number; y: number }): Promise<void> {
  await target.evaluate(
    (element, { name, mimeType, bytes, at }) => {
      const data = new DataTransfer()
      data.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }))
      const box = element.getBoundingClientRect()
      const point = {
        clientX: box.left + (at ? at.x : box.width / 2),
        clientY: box.top + (at ? at.y : box.height / 2),
      }
      for (const type of ['dragenter', 'dragover', 'drop']) {
        element.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true, ...point }))
      }
    },
    { name: file.name, mimeType: file.mimeType, bytes: [...file.buffer], at },
  )
}

/** The document name of the page a person is on. */
const docNameOf = (person: Person) => decodeURIComponent(new URL(person.page.url()).pathname.replace(/^\/d\//, ''))

test('a file imported with the File menu opens as a new document, with its title, that others see and the server stores', {
  tag: '@slow',
}, async ({ openPerson, tandem, docName }) => {
  const ada = await openPerson({ name: 'Ada Lovelace' })
  await ada.typeAtEnd('This document stays as it is.')
  await expect(ada.pill).toHaveText('All changes saved')
  // A byte order mark and Windows line breaks, as editors on Windows save them: imported as plain lines.
  await importThroughMenu(ada, textFile('Trip notes.md', `\ufeff${NOTES.replaceAll('\n', '\r\n')}`))
  const dialog = ada.page.getByRole('dialog', { name: 'Import “Trip notes.md”' })
  await dialog.getByRole('button', { name: 'New document' }).click()

  await expect(ada.page).not.toHaveURL(new RegExp(`/d/${docName}$`))
  await expect(ada.editor).toBeVisible()
  const name = docNameOf(ada)
  await expect.poll(() => ada.text()).toBe(NOTES)
  await expect(ada.title).toHaveValue('Trip notes')
  await expect(ada.language).toHaveValue('markdown')
  await expect(ada.pill).toHaveText('All changes saved')
  await expect.poll(() => serverText(tandem, name)).toBe(NOTES)

  const bob = await openPerson({ name: 'Bob Kahn', path: `/d/${name}` })
  await expect.poll(() => bob.text()).toBe(NOTES)
  await expect(bob.title).toHaveValue('Trip notes')
  // Imported once: a reload does not put the file in again.
  await ada.page.reload()
  await expect(ada.pill).toHaveText(/^(Connected|All changes saved)$/)
  await expect.poll(() => ada.text()).toBe(NOTES)
  expect(await serverText(tandem, docName)).toBe('This document stays as it is.')
})

test('on the home page, "Import a file" and a file dropped on the page each open a new document with it', {
  tag: '@slow',
}, async ({ openPerson, tandem }) => {
  const ada = await openPerson({ name: 'Ada Lovelace', path: '/' })
  const [chooser] = await Promise.all([
    ada.page.waitForEvent('filechooser'),
    ada.page.getByRole('button', { name: 'Import a file' }).click(),
  ])
  await chooser.setFiles(textFile('shopping.txt', 'milk\neggs\n', 'text/plain'))
  await expect(ada.editor).toBeVisible()
  const first = docNameOf(ada)
  await expect.poll(() => ada.text()).toBe('milk\neggs\n')
  await expect(ada.title).toHaveValue('shopping')
  await expect(ada.language).toHaveValue('plain')
  await expect(ada.pill).toHaveText('All changes saved')
  await expect.poll(() => serverText(tandem, first)).toBe('milk\neggs\n')

  await ada.open('/')
  await dropFile(ada.page.locator('.home-main'), textFile('Dropped plan.md', '## Plan\n\n1. Drop\n2. Edit\n'))
  await expect(ada.page).not.toHaveURL(new RegExp(`/d/${first}$`))
  await expect(ada.editor).toBeVisible()
  const second = docNameOf(ada)
  expect(second).not.toBe(first)
  await expect.poll(() => ada.text()).toBe('## Plan\n\n1. Drop\n2. Edit\n')
  await expect(ada.title).toHaveValue('Dropped plan')

  const bob = await openPerson({ name: 'Bob Kahn', path: `/d/${second}` })
  await expect.poll(() => bob.text()).toBe('## Plan\n\n1. Drop\n2. Edit\n')
  await expect(ada.pill).toHaveText('All changes saved')
  await expect.poll(() => serverText(tandem, second)).toBe('## Plan\n\n1. Drop\n2. Edit\n')
})

test('a file dropped on the text goes in where it was dropped, once; another replaces the text after a confirmation', {
  tag: '@slow',
}, async ({ openPerson, tandem, docName }) => {
  const ada = await openPerson({ name: 'Ada Lovelace' })
  const bob = await openPerson({ name: 'Bob Kahn' })
  await ada.typeAtEnd('first line\nsecond line')
  await expect.poll(() => bob.text()).toBe('first line\nsecond line')

  // Dropped on the end of the first line: "Insert at the cursor" puts it there. Cancelled, nothing changes (the
  // editor's own file drop, which inserts any file's text where it falls, does not run).
  const firstLine = ada.page.locator('.cm-line', { hasText: 'first line' })
  const lineBox = await firstLine.boundingBox()
  if (!lineBox) throw new Error('The first line is not on screen.')
  const dropMiddle = () =>
    dropFile(firstLine, textFile('middle.txt', ' and a middle', 'text/plain'), {
      x: lineBox.width - 4,
      y: lineBox.height / 2,
    })
  await dropMiddle()
  const dialog = ada.page.getByRole('dialog', { name: 'Import “middle.txt”' })
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(dialog).toBeHidden()
  expect(await ada.text()).toBe('first line\nsecond line')
  await dropMiddle()
  await dialog.getByRole('button', { name: 'Insert at the cursor' }).click()
  await expect(dialog).toBeHidden()
  await expect.poll(() => bob.text()).toBe('first line and a middle\nsecond line')
  await expect.poll(() => ada.text()).toBe('first line and a middle\nsecond line')

  // Replace asks first; keeping the text changes nothing.
  await importThroughMenu(ada, textFile('new.md', '# All new\n'))
  const replaceDialog = ada.page.getByRole('dialog', { name: 'Import “new.md”' })
  await replaceDialog.getByRole('button', { name: 'Replace the text…' }).click()
  const confirm = ada.page.getByRole('dialog', { name: 'Replace the whole text?' })
  await expect(confirm).toContainText('All 2 lines of this document are replaced by “new.md”')
  await confirm.getByRole('button', { name: 'Keep the text' }).click()
  await expect(confirm).toBeHidden()
  await importThroughMenu(ada, textFile('new.md', '# All new\n'))
  await replaceDialog.getByRole('button', { name: 'Replace the text…' }).click()
  await confirm.getByRole('button', { name: 'Replace', exact: true }).click()
  await expect.poll(() => bob.text()).toBe('# All new\n')
  await expect(ada.pill).toHaveText('All changes saved')
  await expect.poll(() => serverText(tandem, docName)).toBe('# All new\n')
  expect(new URL(ada.page.url()).pathname).toBe(`/d/${docName}`)
})

test('a file too large, or not text, is refused with a message saying why, and the document is unchanged', async ({
  openPerson,
  tandem,
  docName,
}) => {
  const ada = await openPerson({ name: 'Ada Lovelace' })
  await ada.typeAtEnd('keep me')
  await expect(ada.pill).toHaveText('All changes saved')
  const toast = ada.page.locator('.toast')
  const importDialog = ada.page.getByRole('dialog')

  await importThroughMenu(ada, textFile('big.md', 'x'.repeat(1.5 * 1024 * 1024)))
  await expect(toast).toHaveText('“big.md” is 1.5 MiB; files up to 1 MiB can be imported.')
  await expect(toast).toHaveAttribute('data-kind', 'error')

  await dropFile(ada.editor, { name: 'photo.png', mimeType: 'image/png', buffer: PNG })
  await expect(toast).toHaveText(
    '“photo.png” is not a text file; only text files such as .md and .txt can be imported.',
  )
  // Bytes that are not UTF-8, under a text name and type.
  await importThroughMenu(ada, {
    name: 'data.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from([0x66, 0xff, 0xfe, 0x00]),
  })
  await expect(toast).toHaveText('“data.txt” is not a text file; only text files such as .md and .txt can be imported.')

  await expect(importDialog).toHaveCount(0)
  expect(await ada.text()).toBe('keep me')
  expect(new URL(ada.page.url()).pathname).toBe(`/d/${docName}`)
  await expect(ada.pill).toHaveText('All changes saved')
  expect(await serverText(tandem, docName)).toBe('keep me')
})

test.describe('on a server that needs access tokens', () => {
  test('a person with a read-only link cannot import: the menu item says why, and a dropped file is refused', {
    tag: '@slow',
  }, async ({ openPerson }) => {
    const { server, secret } = await startTokenAppServer()
    const people: Person[] = []
    try {
      const writer = await openPerson({ name: 'Ada Lovelace', path: null })
      const reader = await openPerson({ name: 'Bob Kahn', path: null })
      people.push(writer, reader)
      const writeToken = await mintToken(secret, { docs: ['team/*'], access: 'write' })
      await writer.open(`${server.httpUrl}/d/team/plan#token=${writeToken}`)
      await writer.typeAtEnd('Only for the team.')
      const readToken = await mintToken(secret, { docs: ['team/*'], access: 'read' })
      await reader.open(`${server.httpUrl}/d/team/plan#token=${readToken}`)
      await expect(reader.page.locator('.badge')).toHaveText('Read only')
      await expect.poll(() => reader.text()).toBe('Only for the team.')

      const reason = 'This link gives read access only: files cannot be imported with it.'
      await reader.page.getByRole('button', { name: 'File' }).click()
      const item = reader.page.getByRole('menuitem', { name: 'Import a file…' })
      await expect(item).toHaveAttribute('aria-disabled', 'true')
      await expect(item).toHaveAccessibleDescription(reason)
      // Reached and chosen with the keyboard, it does nothing: the menu stays open on it.
      await expect(item).toBeFocused()
      await reader.page.keyboard.press('Enter')
      await expect(item).toBeFocused()
      await expect(reader.page.getByRole('menu', { name: 'File' })).toBeVisible()
      await expect(reader.page.getByRole('menuitem', { name: 'Download as text' })).not.toHaveAttribute('aria-disabled')
      await reader.page.keyboard.press('Escape')

      await dropFile(reader.editor, textFile('notes.md', 'not for this document'))
      await expect(reader.page.locator('.toast')).toHaveText(reason)
      await expect(reader.page.getByRole('dialog')).toHaveCount(0)
      expect(new URL(reader.page.url()).pathname).toBe('/d/team/plan')
      expect(await reader.text()).toBe('Only for the team.')
      expect(await writer.text()).toBe('Only for the team.')

      // The writer's menu has it.
      await writer.page.getByRole('button', { name: 'File' }).click()
      await expect(writer.page.getByRole('menuitem', { name: 'Import a file…' })).not.toHaveAttribute('aria-disabled')
    } finally {
      // Before the server goes, so that no page logs its lost connection as an error.
      for (const person of people) await person.context.close()
      await server.dispose()
    }
  })
})

const HOSTILE = `# Report

Some **bold** words and \`inline code\`.

## Steps
- first
- second

\`\`\`
const answer = 42
\`\`\`

<script>alert(1)</script>

<img src=x onerror=alert(1)>

[x](javascript:alert(1)) and [a real link](https://example.com/)
`

test('downloads: the text exactly, and a standalone HTML page of the Markdown with anything that could run removed', async ({
  openPerson,
  browser,
}) => {
  const ada = await openPerson({ name: 'Ada Lovelace' })
  await ada.title.fill('Field report')
  await ada.language.selectOption({ label: 'Markdown' })
  await ada.editor.click()
  await ada.page.keyboard.insertText(HOSTILE)
  await expect.poll(() => ada.text()).toBe(HOSTILE)

  const download = async (item: string) => {
    const [file] = await Promise.all([ada.page.waitForEvent('download'), chooseFromMenu(ada.page, item)])
    return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') }
  }
  const text = await download('Download as text')
  expect(text).toEqual({ name: 'Field report.md', text: HOSTILE })

  const html = await download('Download as HTML')
  expect(html.name).toBe('Field report.html')
  expect(html.text).toMatch(/^<!doctype html>\n<html>/)

  // Read as a browser would, with JavaScript off so that nothing in it can run while it is examined.
  const context = await browser.newContext({ javaScriptEnabled: false })
  try {
    const page = await context.newPage()
    await page.setContent(html.text)
    await expect(page).toHaveTitle('Field report')
    await expect(page.locator('h1.doc-title')).toHaveText('Field report')
    const article = page.locator('article')
    await expect(article.locator('h1')).toHaveText('Report')
    await expect(article.locator('h2')).toHaveText('Steps')
    await expect(article.locator('ul > li')).toHaveText(['first', 'second'])
    await expect(article.locator('strong')).toHaveText('bold')
    await expect(article.locator('pre > code')).toHaveText('const answer = 42\n')
    await expect(article.locator('a[href="https://example.com/"]')).toHaveText('a real link')
    // No hostile part became an element or an attribute.
    const inspected = await page.evaluate(() => {
      const elements = [...document.querySelectorAll('*')]
      return {
        scripts: document.querySelectorAll('script').length,
        images: document.querySelectorAll('img').length,
        handlers: elements.flatMap((element) =>
          [...element.attributes].filter((attribute) => attribute.name.startsWith('on')).map((a) => a.name),
        ),
        javascriptUrls: elements.flatMap((element) =>
          ['href', 'src', 'action', 'formaction']
            .map((name) => element.getAttribute(name) ?? '')
            .filter((url) => /^\s*javascript:/i.test(url)),
        ),
        styles: document.querySelectorAll('style').length,
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
      }
    })
    expect(inspected).toEqual({
      scripts: 0,
      images: 0,
      handlers: [],
      javascriptUrls: [],
      styles: 1,
      csp: "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:",
    })
    // They are shown as the text they are.
    await expect(article).toContainText('<script>alert(1)</script>')
    await expect(article).toContainText('<img src=x onerror=alert(1)>')
    await expect(article).toContainText('[x](javascript:alert(1))')
  } finally {
    await context.close()
  }
})

test('Print / Save as PDF prints the title and the rendered text, without the toolbar, the people or their cursors', {
  tag: '@slow',
}, async ({ openPerson }) => {
  const ada = await openPerson({ name: 'Ada Lovelace' })
  const bob = await openPerson({ name: 'Bob Kahn' })
  await ada.title.fill('Printed plan')
  await ada.language.selectOption({ label: 'Markdown' })
  await ada.editor.click()
  await ada.page.keyboard.insertText('# Plan\n\n- print it\n- keep it\n\n')
  await expect.poll(() => bob.text()).toBe('# Plan\n\n- print it\n- keep it\n\n')
  await bob.typeAtEnd('Signed, Bob')
  await expect(ada.page.locator('.cm-tandem-caret')).toHaveCount(1)
  // The browser's print dialog cannot be answered from a test: count the calls instead.
  await ada.page.evaluate(() => {
    const counted = window as unknown as { printed: number }
    counted.printed = 0
    window.print = () => {
      counted.printed++
    }
  })
  await chooseFromMenu(ada.page, 'Print / Save as PDF')
  await expect.poll(() => ada.page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1)

  const printView = ada.page.locator('.print-view')
  await expect(printView).toBeHidden()
  await ada.page.emulateMedia({ media: 'print' })
  for (const hidden of ['.toolbar', '.topbar', '.presence', '.statusbar', '.cm-editor', '.cm-tandem-caret']) {
    await expect(ada.page.locator(hidden).first(), `${hidden} when printing`).toBeHidden()
  }
  await expect(printView.locator('h1.doc-title')).toHaveText('Printed plan')
  await expect(printView.locator('article h1')).toHaveText('Plan')
  await expect(printView.locator('article li')).toHaveText(['print it', 'keep it'])
  await expect(printView.locator('article p')).toHaveText('Signed, Bob')
  // Everything visible on paper is the title and the document's text.
  // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered under print media is the point.
  const visibleText = await ada.page.evaluate(() => document.body.innerText.replace(/\s+/g, ' ').trim())
  expect(visibleText).toBe('Printed plan Plan print it keep it Signed, Bob')

  // The PDF Chromium makes from it: one page with that text (read roughly, without white space).
  const pdf = await ada.page.pdf()
  expect(pdf.toString('latin1').match(/\/Type\s*\/Page\b/g)).toHaveLength(1)
  expect(pdfText(pdf).replace(/\s/g, '')).toBe(visibleText.replace(/\s/g, ''))

  // Printing from the browser (Ctrl+P) shows the text as it is then.
  await bob.typeAtEnd(', later')
  await expect.poll(() => ada.text()).toContain('Signed, Bob, later')
  await ada.page.evaluate(() => window.dispatchEvent(new Event('beforeprint')))
  await expect(printView.locator('article p')).toHaveText('Signed, Bob, later')
})

test('the File menu works from the keyboard and fits on a phone', { tag: '@slow' }, async ({ openPerson }) => {
  const phone = { width: 390, height: 740 }
  const ada = await openPerson({ name: 'Ada Lovelace', viewport: phone })
  await ada.typeAtEnd('typed on a phone')
  const button = ada.page.getByRole('button', { name: 'File' })
  const menu = ada.page.getByRole('menu', { name: 'File' })
  const items = menu.getByRole('menuitem')
  const focused = () => ada.page.evaluate(() => document.activeElement?.textContent?.trim())

  await button.focus()
  await ada.page.keyboard.press('Enter')
  await expect(menu).toBeVisible()
  await expect(button).toHaveAttribute('aria-expanded', 'true')
  await expect(items).toHaveText([
    'Import a file…',
    'Download as text',
    'Download as HTML',
    'Print / Save as PDF',
    'Rename…',
    'Make a copy…',
    'Move to trash…',
  ])
  await expect(items.first()).toBeFocused()
  await expect(menu).toBeInViewport({ ratio: 1 })
  for (let i = 0; i < 7; i++) await expect(items.nth(i)).toBeInViewport({ ratio: 1 })
  expect(
    await ada.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
  ).toBe(0)

  await ada.page.keyboard.press('ArrowDown')
  expect(await focused()).toBe('Download as text')
  await ada.page.keyboard.press('ArrowUp')
  await ada.page.keyboard.press('ArrowUp')
  expect(await focused()).toBe('Move to trash…')
  await ada.page.keyboard.press('Home')
  expect(await focused()).toBe('Import a file…')
  await ada.page.keyboard.press('Escape')
  await expect(menu).toBeHidden()
  await expect(button).toBeFocused()
  await expect(button).toHaveAttribute('aria-expanded', 'false')

  // Space opens it too; Enter on an item chooses it.
  await ada.page.keyboard.press('Space')
  await expect(items.first()).toBeFocused()
  await ada.page.keyboard.press('ArrowDown')
  const [download] = await Promise.all([ada.page.waitForEvent('download'), ada.page.keyboard.press('Enter')])
  expect(await readFile(await download.path(), 'utf8')).toBe('typed on a phone')
  await expect(menu).toBeHidden()

  // On a narrower phone too, the menu stays on screen.
  await ada.page.setViewportSize({ width: 320, height: 640 })
  await button.click()
  await expect(menu).toBeVisible()
  for (let i = 0; i < 7; i++) await expect(items.nth(i)).toBeInViewport({ ratio: 1 })
  await ada.page.keyboard.press('Escape')
  await expect(menu).toBeHidden()

  // Tab leaves the menu and closes it.
  await ada.page.keyboard.press('ArrowDown')
  await expect(items.first()).toBeFocused()
  await ada.page.keyboard.press('Tab')
  await expect(menu).toBeHidden()
})

test('screenshot of the File menu for the docs', { tag: '@slow' }, async ({ openPerson }) => {
  await mkdir(imagesDir, { recursive: true })
  // A fixed name, so that the picture only changes when the app does.
  const ada = await openPerson({
    name: 'Ada Lovelace',
    color: '#2f6fdd',
    viewport: { width: 900, height: 420 },
    path: '/d/team/file-menu',
  })
  await ada.title.fill('Launch plan')
  await ada.language.selectOption({ label: 'Markdown' })
  await ada.editor.click()
  await ada.page.keyboard.insertText('# Launch plan\n\n## Goals\n- Ship the self-hosted release\n- Write the guides\n')
  await expect(ada.pill).toHaveText('All changes saved')
  await ada.page.getByRole('button', { name: 'File' }).click()
  const menu = ada.page.getByRole('menu', { name: 'File' })
  await expect(menu).toBeVisible()
  await ada.page.mouse.move(0, 0)
  await ada.page.screenshot({ path: `${imagesDir}/web-file-menu.png`, animations: 'disabled' })
})
