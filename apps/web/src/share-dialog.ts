/**
 * The dialog where a person who may edit a document makes links to it for others: a view-only link or an
 * edit link, for this one document, with a lifetime. The server mints the link's token
 * (`POST /api/docs/<name>/share`) only for someone whose own token lets them write to the document; the token
 * travels in the link's fragment, which browsers never send to servers.
 *
 * Below, the document's links that still work (`GET /api/docs/<name>/links`, never their tokens), each with a
 * Revoke button that asks first; revoking (`DELETE …/links/<id>`) cuts off everyone using the link at once.
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

/** A link as the server lists it. */
interface ListedLink {
  id: string
  access: 'read' | 'write'
  label: string | null
  createdAt: string
  expiresAt: string
}

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
      void loadLinks()
    } catch {
      status.textContent = 'Could not reach the server; try again.'
    }
  }

  const linksUrl = `${options.apiBase}/api/docs/${encodeURIComponent(options.name)}/links`
  const auth = { Authorization: `Bearer ${options.token}` }
  const linkList = h('ul', { class: 'share-links', 'aria-label': 'Links to this document' })
  const linksStatus = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' })

  /** Lists the links again; `news` (what just happened) is shown in place of the usual line under them. */
  const loadLinks = async (news?: string) => {
    try {
      const response = await fetch(linksUrl, { headers: auth })
      if (!response.ok) {
        linksStatus.textContent = `Could not list the links: ${(await response.text()).trim()}`
        return
      }
      const { links } = (await response.json()) as { links: ListedLink[] }
      linkList.replaceChildren(...links.map(linkItem))
      linksStatus.textContent = news ?? (links.length === 0 ? 'No links to this document work now.' : '')
    } catch {
      linksStatus.textContent = 'Could not reach the server to list the links.'
    }
  }

  const linkItem = (link: ListedLink): HTMLLIElement => {
    const until = new Date(link.expiresAt).toLocaleDateString(undefined, { dateStyle: 'medium' })
    const kind = link.access === 'read' ? 'View-only link' : 'Edit link'
    const what = `${kind}${link.label ? ` “${link.label}”` : ''}, made ${new Date(link.createdAt).toLocaleString()}, until ${until}`
    const revoke = h('button', { type: 'button', class: 'button', 'aria-label': `Revoke: ${what}` }, 'Revoke')
    const item = h('li', {}, h('span', { class: 'link-what' }, what), revoke)
    revoke.addEventListener('click', () => {
      // Asks first: everyone using the link loses access at once, and it cannot be undone.
      const question = h('span', {}, 'Everyone using this link loses access at once. Revoke it?')
      const confirm = h('button', { type: 'button', class: 'button danger' }, 'Yes, revoke')
      const keep = h('button', { type: 'button', class: 'button' }, 'Keep')
      keep.addEventListener('click', () => item.replaceWith(linkItem(link)))
      confirm.addEventListener('click', async () => {
        confirm.disabled = true
        let news: string
        try {
          const response = await fetch(`${linksUrl}/${encodeURIComponent(link.id)}`, {
            method: 'DELETE',
            headers: auth,
          })
          news = response.ok
            ? `${kind} revoked: it no longer opens this document.`
            : `The server did not revoke the link: ${(await response.text()).trim()}`
        } catch {
          news = 'Could not reach the server; the link still works.'
        }
        await loadLinks(news)
      })
      item.replaceChildren(question, confirm, keep)
      confirm.focus()
    })
    return item
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
    h('h3', { id: `${id}-links` }, 'Links that work now'),
    linkList,
    linksStatus,
    h(
      'div',
      { class: 'dialog-actions' },
      copy,
      h('button', { type: 'button', class: 'button primary', onclick: () => dialog.close() }, 'Done'),
    ),
  )
  const dialog = showModalDialog(form, `${id}-title`)
  void loadLinks()
  return dialog
}
