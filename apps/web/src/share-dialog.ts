/**
 * The dialog where a person who may edit a document makes links to it for others: a view-only link or an
 * edit link, for this one document, with a lifetime. The server mints the link's token
 * (`POST /api/docs/<name>/share`) only for someone whose own token lets them write to the document; the token
 * travels in the link's fragment, which browsers never send to servers.
 */
import { tokenHash } from './access-link.js'
import { copyText } from './clipboard.js'
import { docPath } from './doc-names.js'
import { h } from './dom.js'
import { showModalDialog } from './modal-dialog.js'

/** What the dialog needs. */
export interface ShareOptions {
  /** The document. */
  name: string
  /** The person's own token (it must allow writing to the document). */
  token: string
  /** The server's HTTP base URL, e.g. `https://tandem.example.com`. */
  apiBase: string
}

const lifetimes = [
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
] as const

let serial = 0

/** Opens the share dialog. */
export function openShareDialog(options: ShareOptions): HTMLDialogElement {
  const id = `share-${++serial}`
  const lifetime = h(
    'select',
    { id: `${id}-ttl`, class: 'select' },
    ...lifetimes.map(([value, label]) => h('option', { value }, label)),
  )
  lifetime.value = '7d'
  const result = h('input', {
    id: `${id}-link`,
    type: 'text',
    readonly: true,
    'aria-label': 'Share link',
    class: 'share-link',
    hidden: true,
  })
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' })
  const copy = h('button', { type: 'button', class: 'button', hidden: true }, 'Copy')

  const create = async (access: 'read' | 'write') => {
    status.textContent = 'Creating the link…'
    result.hidden = true
    copy.hidden = true
    try {
      const response = await fetch(`${options.apiBase}/api/docs/${encodeURIComponent(options.name)}/share`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ access, ttl: lifetime.value }),
      })
      if (!response.ok) {
        status.textContent = `The server did not make a link: ${(await response.text()).trim()}`
        return
      }
      const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: string }
      result.value = new URL(docPath(options.name) + tokenHash(token), location.href).href
      result.hidden = false
      copy.hidden = false
      const until = new Date(expiresAt).toLocaleDateString(undefined, { dateStyle: 'medium' })
      status.textContent =
        access === 'read'
          ? `View-only link, until ${until}: anyone with it can read and see who is here, but not type.`
          : `Edit link, until ${until}: anyone with it can edit this document.`
      result.select()
    } catch {
      status.textContent = 'Could not reach the server; try again.'
    }
  }

  copy.addEventListener('click', async () => {
    status.textContent = (await copyText(result.value)) ? 'Link copied.' : 'Copy the link from the field above.'
  })

  const form = h(
    'form',
    { class: 'dialog-form', method: 'dialog' },
    h('h2', { id: `${id}-title` }, 'Share this document'),
    h('p', { class: 'muted' }, 'Make a link to this document for someone else. It works until it expires.'),
    h('label', { for: `${id}-ttl`, class: 'field-label' }, 'Link works for'),
    lifetime,
    h(
      'div',
      { class: 'dialog-actions share-actions' },
      h('button', { type: 'button', class: 'button', onclick: () => create('read') }, 'Create view-only link'),
      h('button', { type: 'button', class: 'button', onclick: () => create('write') }, 'Create edit link'),
    ),
    result,
    status,
    h(
      'div',
      { class: 'dialog-actions' },
      copy,
      h('button', { type: 'button', class: 'button primary', onclick: () => dialog.close() }, 'Done'),
    ),
  )
  const dialog = showModalDialog(form, `${id}-title`)
  return dialog
}
