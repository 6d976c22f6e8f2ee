/**
 * The home page's list of the documents on the server (`GET /api/docs`): the ones this person may open, with
 * title, name and who changed them last, searched by title or name and sorted by last change or name; and the
 * trash, where a document can be restored until it is purged. A server that does not list documents (turned
 * off, or only for people with credentials) shows nothing here.
 */
import { docPath } from './doc-names.js'
import { byAuthor, type DocList, type DocRow, type DocumentsApi, DocumentsApiError } from './documents-api.js'
import { h, ICONS, icon } from './dom.js'
import { timeAgo } from './time.js'
import { toast } from './toast.js'

/** How long typing in the search field pauses before the list is asked for. */
const SEARCH_DELAY_MS = 200

/** The section, hidden until the server answered with a list. */
export function serverList(api: DocumentsApi): HTMLElement {
  let trash = false
  let shown: DocRow[] = []
  let latest = 0

  const heading = h('h2', { id: 'server-heading' }, 'On this server')
  const search = h('input', {
    type: 'search',
    class: 'text-input',
    placeholder: 'Search by title or name',
    'aria-label': 'Search documents',
    autocomplete: 'off',
    spellcheck: 'false',
  })
  const sort = h(
    'select',
    { class: 'select', 'aria-label': 'Sort documents' },
    h('option', { value: 'updated' }, 'Last changed'),
    h('option', { value: 'name' }, 'Name'),
  )
  const trashButton = h(
    'button',
    { type: 'button', class: 'button', 'aria-pressed': 'false', title: 'Deleted documents, which can be restored' },
    icon(ICONS.trash),
    h('span', {}, 'Trash'),
  )
  const note = h('p', { class: 'muted list-note' })
  const list = h('ul', { class: 'doc-list' })
  const empty = h('p', { class: 'muted empty', hidden: true })
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Show more')
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' })
  const section = h(
    'section',
    { class: 'doc-section server-docs', 'aria-labelledby': 'server-heading', hidden: true },
    h('div', { class: 'section-head' }, heading, trashButton),
    h('div', { class: 'list-controls' }, search, sort),
    note,
    list,
    empty,
    more,
    status,
  )

  /** Asks for the list from `offset`; a later request makes the answer of an earlier one be dropped. */
  const load = async (offset = 0) => {
    const request = ++latest
    let page: DocList
    try {
      page = await api.list({ q: search.value.trim(), sort: sort.value as 'updated' | 'name', trash, offset })
    } catch (error) {
      if (request !== latest) return
      // Not served to this person at all: nothing to show, and nothing wrong.
      if (error instanceof DocumentsApiError && [401, 403, 404].includes(error.status) && section.hidden) return
      status.textContent = error instanceof Error ? error.message : String(error)
      return
    }
    if (request !== latest) return
    section.hidden = false
    status.textContent = ''
    shown = offset === 0 ? page.documents : [...shown, ...page.documents]
    list.replaceChildren(...shown.map((doc) => (trash ? trashRow(doc) : docRow(doc))))
    list.hidden = shown.length === 0
    empty.hidden = shown.length > 0
    const query = search.value.trim()
    empty.textContent = query
      ? `No ${trash ? 'deleted ' : ''}documents match “${query}”.`
      : trash
        ? 'The trash is empty.'
        : 'No documents on this server yet.'
    more.hidden = page.nextOffset === null
    more.onclick = () => void load(page.nextOffset ?? 0)
    note.textContent = [
      page.public ? 'Anyone who can reach this server sees this list.' : '',
      trash ? 'Deleted documents are purged for good at the time shown.' : '',
      page.total > shown.length ? `Showing ${shown.length} of ${page.total}.` : '',
    ]
      .filter(Boolean)
      .join(' ')
  }

  const trashRow = (doc: DocRow): HTMLLIElement => {
    const title = doc.title?.trim() || 'Untitled'
    const restore = h(
      'button',
      {
        type: 'button',
        class: 'button',
        'aria-label': `Restore “${title}”`,
        onclick: async () => {
          restore.disabled = true
          try {
            await api.restore(doc.name)
          } catch (error) {
            restore.disabled = false
            toast(error instanceof Error ? error.message : String(error), 'error')
            return
          }
          toast(`Restored “${title}”.`)
          void load()
        },
      },
      'Restore',
    )
    const deletedAt = Date.parse(doc.deletedAt ?? '')
    const purgeAt = new Date(doc.purgeAt ?? '')
    return h(
      'li',
      { class: 'doc-row' },
      h(
        'span',
        { class: 'doc-row-link' },
        icon(ICONS.trash),
        rowText(doc, title),
        h(
          'span',
          { class: 'doc-row-time', title: `Purged for good on ${purgeAt.toLocaleString()}` },
          `deleted ${timeAgo(deletedAt)}${byAuthor(doc.deletedBy)}`,
        ),
      ),
      restore,
    )
  }

  let searchTimer: ReturnType<typeof setTimeout> | undefined
  search.addEventListener('input', () => {
    clearTimeout(searchTimer)
    searchTimer = setTimeout(() => void load(), SEARCH_DELAY_MS)
  })
  sort.addEventListener('change', () => void load())
  trashButton.addEventListener('click', () => {
    trash = !trash
    trashButton.setAttribute('aria-pressed', String(trash))
    heading.textContent = trash ? 'Trash' : 'On this server'
    void load()
  })
  void load()
  return section
}

function docRow(doc: DocRow): HTMLLIElement {
  const title = doc.title?.trim() || 'Untitled'
  const when = new Date(doc.updatedAt)
  return h(
    'li',
    { class: 'doc-row' },
    h(
      'a',
      { class: 'doc-row-link', href: docPath(doc.name) },
      icon(ICONS.doc),
      rowText(doc, title),
      h(
        'time',
        { class: 'doc-row-time', datetime: when.toISOString(), title: when.toLocaleString() },
        `changed ${timeAgo(when.getTime())}${byAuthor(doc.updatedBy)}`,
      ),
    ),
  )
}

function rowText(doc: DocRow, title: string): HTMLElement {
  return h(
    'span',
    { class: 'doc-row-text' },
    h('span', { class: doc.title?.trim() ? 'doc-row-title' : 'doc-row-title untitled' }, title),
    h('span', { class: 'doc-row-name' }, doc.name),
  )
}
