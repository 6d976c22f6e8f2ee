/**
 * The document as a whole, from the document page's File menu: rename it (its name is its address; old links
 * still lead to it), make a copy, move it to the trash. And the banner of a document in the trash, with the
 * button that restores it. Everything goes through the server's document API with the page's token.
 */
import type { Editor } from '@tandem/editor'
import { docNameError } from '@tandem/protocol'
import { tokenHash } from './access-link.js'
import { docPath, sentence } from './doc-names.js'
import { byAuthor, type DocumentsApi } from './documents-api.js'
import { h, ICONS } from './dom.js'
import type { MenuItem } from './menu-button.js'
import { showModalDialog } from './modal-dialog.js'
import { timeAgo } from './time.js'
import { toast } from './toast.js'

/** What the actions need from the page. */
export interface DocumentActionsOptions {
  api: DocumentsApi
  editor: Editor
  /** The document's name now (it changes with a rename). */
  name: () => string
  title: () => string
  /** The page's access token: the copy opens with it. */
  token: string | null
  /** The document was renamed by this person to `to`: the page follows at once (the editor also tells it). */
  onRenamed: (to: string) => void
}

/** The File menu's items for the document as a whole. */
export function documentActions(options: DocumentActionsOptions): MenuItem[] {
  const { api, editor } = options
  const readOnly = () => (editor.access === 'read' ? 'This link gives read access only.' : null)
  return [
    {
      label: 'Rename…',
      icon: ICONS.pencil,
      title: 'Change the name in its address; links with the old name still lead here',
      disabled: readOnly,
      onSelect: () =>
        openFormDialog({
          heading: 'Rename the document',
          text: 'The name is the last part of its address. Links with the old name go on working.',
          fields: [{ label: 'New name', value: options.name() }],
          submit: 'Rename',
          onSubmit: async ([to]) => {
            if (to === options.name()) return 'That is the name it has now.'
            await api.rename(options.name(), to as string)
            options.onRenamed(to as string)
            return null
          },
        }),
    },
    {
      label: 'Make a copy…',
      icon: ICONS.copy,
      title: 'A new document with this text and title, without its history or the people in it',
      disabled: readOnly,
      onSelect: () => {
        const title = options.title()
        openFormDialog({
          heading: 'Make a copy',
          text: 'The copy starts with the text as it is now, and opens here.',
          fields: [
            { label: 'Name of the copy', value: `${options.name()}-copy` },
            { label: 'Title of the copy', value: title ? `${title} (copy)` : '', optional: true },
          ],
          submit: 'Make the copy',
          onSubmit: async ([to, copyTitle]) => {
            await api.duplicate(options.name(), to as string, copyTitle as string)
            location.assign(docPath(to as string) + tokenHash(options.token))
            return null
          },
        })
      },
    },
    {
      label: 'Move to trash…',
      icon: ICONS.trash,
      title: 'Delete the document; it can be restored from the trash on the home page',
      disabled: readOnly,
      onSelect: () => confirmTrash(options),
    },
  ]
}

/**
 * Shows why a document in the trash cannot be edited, who put it there and when it goes for good, with a
 * Restore button for a person who may edit it. Restoring connects the editor again.
 */
export async function showTrashBanner(banner: HTMLElement, options: DocumentActionsOptions): Promise<void> {
  const { api, editor } = options
  const name = options.name()
  const message = h('span', {}, 'This document was deleted: it is in the trash.')
  const restore = h(
    'button',
    {
      type: 'button',
      class: 'button',
      hidden: editor.access === 'read',
      onclick: async () => {
        restore.disabled = true
        try {
          await api.restore(name)
        } catch (error) {
          restore.disabled = false
          toast(errorMessage(error), 'error')
          return
        }
        toast('Restored. Everyone can edit it again.')
        editor.connect()
      },
    },
    'Restore',
  )
  banner.replaceChildren(message, ' ', restore)
  banner.hidden = false
  // Who and when, if the server says (a purged document is not there to ask about).
  try {
    const row = await api.info(name)
    if (!row.deletedAt) return
    const purge = row.purgeAt ? ` It will be deleted for good on ${new Date(row.purgeAt).toLocaleDateString()}.` : ''
    message.textContent = `This document is in the trash: it was deleted ${timeAgo(Date.parse(row.deletedAt))}${byAuthor(row.deletedBy)}.${purge}`
  } catch {
    // The short message stays.
  }
}

function confirmTrash(options: DocumentActionsOptions): void {
  const title = options.title() || options.name()
  const keep = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel')
  const problem = h('p', { class: 'field-error', role: 'alert' })
  const trash = h(
    'button',
    {
      type: 'button',
      class: 'button danger',
      onclick: async () => {
        trash.disabled = true
        try {
          await options.api.trash(options.name())
        } catch (error) {
          trash.disabled = false
          problem.textContent = errorMessage(error)
          return
        }
        dialog.close()
      },
    },
    'Move to trash',
  )
  const form = h(
    'form',
    { class: 'dialog-form', method: 'dialog' },
    h('h2', { id: 'trash-title' }, `Move “${title}” to the trash?`),
    h(
      'p',
      {},
      'Everyone editing it now is disconnected, and its links stop working until it is restored. It can be ' +
        'restored from the trash on the home page until the server purges it.',
    ),
    problem,
    h('div', { class: 'dialog-actions' }, keep, trash),
  )
  const dialog = showModalDialog(form, 'trash-title')
  keep.focus()
}

interface Field {
  label: string
  value: string
  /** May be left empty. Every other field must be a valid document name. */
  optional?: boolean
}

let serial = 0

/**
 * A dialog of text fields, checked as the server would before anything is sent; `onSubmit` gets the values and
 * returns a problem to show (or throws one), or `null` when done.
 */
function openFormDialog(options: {
  heading: string
  text: string
  fields: Field[]
  submit: string
  onSubmit: (values: string[]) => Promise<string | null>
}): void {
  const id = `form-${++serial}`
  const inputs = options.fields.map((field, index) =>
    h('input', {
      id: `${id}-${index}`,
      type: 'text',
      class: 'text-input',
      value: field.value,
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': `${id}-problem`,
    }),
  )
  const problem = h('p', { id: `${id}-problem`, class: 'field-error', role: 'alert' })
  const submit = h('button', { type: 'submit', class: 'button primary' }, options.submit)
  const form = h(
    'form',
    { class: 'dialog-form', novalidate: true },
    h('h2', { id: `${id}-title` }, options.heading),
    h('p', { class: 'muted' }, options.text),
    ...options.fields.flatMap((field, index) => [
      h('label', { class: 'field-label', for: `${id}-${index}` }, field.label),
      inputs[index] as HTMLInputElement,
    ]),
    problem,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel'),
      submit,
    ),
  )
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const values = inputs.map((input) => input.value.trim())
    for (const [index, field] of options.fields.entries()) {
      const invalid = field.optional ? null : docNameError(values[index] as string)
      if (invalid !== null) {
        problem.textContent = sentence(invalid)
        inputs[index]?.setAttribute('aria-invalid', 'true')
        inputs[index]?.focus()
        return
      }
    }
    submit.disabled = true
    let outcome: string | null
    try {
      outcome = await options.onSubmit(values)
    } catch (error) {
      outcome = errorMessage(error)
    }
    submit.disabled = false
    if (outcome === null) dialog.close()
    else problem.textContent = outcome
  })
  for (const input of inputs) {
    input.addEventListener('input', () => {
      problem.textContent = ''
      input.removeAttribute('aria-invalid')
    })
  }
  const dialog = showModalDialog(form, `${id}-title`)
  inputs[0]?.select()
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
