/**
 * The home page (`/`): start a new document, open one by name or link, the documents on the server (and its
 * trash), and the documents this browser opened recently.
 */
import { tokenHash } from '../access-link.js'
import { brand, identityButton, themeToggle } from '../chrome.js'
import { docPath, newDocName, parseOpenInput, sentence } from '../doc-names.js'
import { apiBaseOf, documentsApi } from '../documents-api.js'
import { h, ICONS, icon } from '../dom.js'
import { carriesFiles, openAsNewDocument, pickFile, readImportFile } from '../file-import.js'
import { loadIdentity, saveIdentity, watchIdentity } from '../identity.js'
import { openIdentityDialog } from '../identity-dialog.js'
import { forgetDoc, type RecentDoc, recentDocs } from '../recent.js'
import { serverList } from '../server-list.js'
import { serverUrl } from '../server-url.js'
import type { AppTheme } from '../theme.js'
import { timeAgo } from '../time.js'
import { toast } from '../toast.js'

/** Shows the home page in `root`. */
export function homePage(root: HTMLElement, theme: AppTheme): void {
  document.title = 'Tandem'
  let identity = loadIdentity()
  const me = identityButton(identity, () =>
    openIdentityDialog(identity, (next) => {
      saveIdentity(next)
      identity = next
      me.update(next)
    }),
  )
  watchIdentity((next) => {
    identity = next
    me.update(next)
  })

  const newButton = h(
    'button',
    { type: 'button', class: 'button primary large', onclick: () => location.assign(docPath(newDocName())) },
    icon(ICONS.plus),
    h('span', {}, 'New document'),
  )

  // A file, from the picker or dropped anywhere on the page, becomes a new document.
  const importFile = async (file: File) => {
    const result = await readImportFile(file)
    if (!result.ok) toast(result.error, 'error')
    else if (!openAsNewDocument(result.file)) toast('This browser could not keep the file to open it.', 'error')
  }
  const importButton = h(
    'button',
    {
      type: 'button',
      class: 'button large',
      title: 'A .md or .txt file becomes a new document',
      onclick: () => pickFile(importFile),
    },
    icon(ICONS.upload),
    h('span', {}, 'Import a file'),
  )
  window.addEventListener('dragover', (event) => {
    if (carriesFiles(event)) event.preventDefault()
  })
  window.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return
    event.preventDefault()
    const files = event.dataTransfer?.files
    if (files?.length === 1) void importFile(files[0] as File)
    else toast('Drop one file at a time to import it.', 'error')
  })

  const openInput = h('input', {
    id: 'open-name',
    type: 'text',
    class: 'text-input',
    name: 'name',
    placeholder: 'team/notes, or a link',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'open-error',
  })
  const openError = h('p', { id: 'open-error', class: 'field-error', 'aria-live': 'polite' })
  const openForm = h(
    'form',
    { class: 'open-form', novalidate: true },
    h('label', { for: 'open-name', class: 'field-label' }, 'Open a document by name'),
    h('div', { class: 'open-row' }, openInput, h('button', { type: 'submit', class: 'button' }, 'Open')),
    openError,
  )
  openForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const result = parseOpenInput(openInput.value)
    if (!result.ok) {
      openError.textContent = sentence(result.error)
      openInput.setAttribute('aria-invalid', 'true')
      openInput.focus()
      return
    }
    location.assign(docPath(result.name))
  })
  openInput.addEventListener('input', () => {
    openError.textContent = ''
    openInput.removeAttribute('aria-invalid')
  })

  const recentSection = h('section', { class: 'doc-section', 'aria-labelledby': 'recent-heading' })
  const renderRecent = () => {
    const docs = recentDocs()
    recentSection.replaceChildren(
      h('h2', { id: 'recent-heading' }, 'Recent documents'),
      docs.length === 0
        ? h('p', { class: 'muted empty' }, 'Documents you open in this browser show up here.')
        : h('ul', { class: 'doc-list' }, ...docs.map((doc) => recentItem(doc, renderRecent))),
    )
  }
  renderRecent()

  root.replaceChildren(
    h(
      'div',
      { class: 'home-page' },
      h('header', { class: 'topbar' }, brand(), h('span', { class: 'toolbar-gap' }), me.element, themeToggle(theme)),
      h(
        'main',
        { class: 'home-main' },
        h(
          'section',
          { class: 'hero' },
          h('h1', {}, 'Write together, in real time.'),
          h(
            'p',
            { class: 'lead' },
            'Start a document and share its link: everyone who opens it edits the same text, sees who is here ' +
              'and where they are typing. Nothing is lost when the connection drops.',
          ),
          h('div', { class: 'hero-actions' }, newButton, importButton),
        ),
        openForm,
        serverList(documentsApi(apiBaseOf(serverUrl(location, import.meta.env.VITE_TANDEM_SERVER)), null)),
        recentSection,
      ),
    ),
  )
  // Coming back to this page (the back button) shows the list as it is now.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) renderRecent()
  })
}

function recentItem(doc: RecentDoc, rerender: () => void): HTMLLIElement {
  const title = doc.title.trim() || 'Untitled'
  const when = new Date(doc.openedAt)
  return h(
    'li',
    { class: 'doc-row' },
    h(
      'a',
      { class: 'doc-row-link', href: docPath(doc.name) + tokenHash(doc.token) },
      icon(ICONS.doc),
      h(
        'span',
        { class: 'doc-row-text' },
        h('span', { class: doc.title.trim() ? 'doc-row-title' : 'doc-row-title untitled' }, title),
        h('span', { class: 'doc-row-name' }, doc.name),
      ),
      h(
        'time',
        { class: 'doc-row-time', datetime: when.toISOString(), title: when.toLocaleString() },
        `opened ${timeAgo(doc.openedAt)}`,
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'icon-button subtle',
        'aria-label': `Remove “${title}” from recent documents`,
        title: 'Remove from this list (the document stays)',
        onclick: () => {
          forgetDoc(doc.name)
          rerender()
        },
      },
      icon(ICONS.close),
    ),
  )
}
