/**
 * The dialog that asks what to do with a file imported on a document page: open it as a new document, insert it
 * at the cursor, or replace this document's text with it (after a second, explicit confirmation).
 */
import { h } from './dom.js'
import type { ImportedFile } from './file-import.js'
import { showModalDialog } from './modal-dialog.js'

/** What the dialog needs. */
export interface ImportDialogOptions {
  file: ImportedFile
  /** How many lines this document has now, for the confirmation of a replace. */
  currentLines: () => number
  onNewDocument: () => void
  onInsert: () => void
  onReplace: () => void
}

let serial = 0

/** Opens the import dialog. */
export function openImportDialog(options: ImportDialogOptions): HTMLDialogElement {
  const id = `import-${++serial}`
  const { file } = options
  const lines = file.text === '' ? 0 : file.text.split('\n').length
  const heading = h('h2', { id: `${id}-title` }, `Import “${file.fileName}”`)
  const choose = (action: () => void) => () => {
    dialog.close()
    action()
  }
  const intoThis = (label: string, onclick: () => void) =>
    h('button', { type: 'button', class: 'button', onclick }, label)

  const firstStep = h(
    'div',
    {},
    h(
      'p',
      { class: 'muted' },
      `${lines.toLocaleString('en')} ${lines === 1 ? 'line' : 'lines'}. Open it as a new document, or put it into this one.`,
    ),
    h(
      'div',
      { class: 'dialog-actions import-actions' },
      h('button', { type: 'button', class: 'button primary', onclick: choose(options.onNewDocument) }, 'New document'),
      intoThis('Insert at the cursor', choose(options.onInsert)),
      intoThis('Replace the text…', () => confirmReplace()),
      h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel'),
    ),
  )

  const confirmReplace = () => {
    heading.textContent = 'Replace the whole text?'
    const current = options.currentLines()
    const keep = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Keep the text')
    firstStep.replaceWith(
      h(
        'div',
        {},
        h(
          'p',
          {},
          `All ${current.toLocaleString('en')} ${current === 1 ? 'line' : 'lines'} of this document are replaced by `,
          `“${file.fileName}”, for everyone in it. Undo (Ctrl+Z) brings them back.`,
        ),
        h(
          'div',
          { class: 'dialog-actions' },
          keep,
          h('button', { type: 'button', class: 'button danger', onclick: choose(options.onReplace) }, 'Replace'),
        ),
      ),
    )
    keep.focus()
  }

  const form = h('form', { class: 'dialog-form', method: 'dialog' }, heading, firstStep)
  const dialog = showModalDialog(form, `${id}-title`)
  return dialog
}
