/** The one way the app shows a dialog: modal, closed by a click on its backdrop, removed from the page once closed. */
import { h } from './dom.js'

/** Shows `form` in a modal dialog named by the element whose id is `titleId`, and returns the dialog. */
export function showModalDialog(form: HTMLFormElement, titleId: string): HTMLDialogElement {
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, form)
  dialog.addEventListener('close', () => dialog.remove())
  // A click on the backdrop (outside the form) closes it, as people expect of a small dialog.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close()
  })
  document.body.append(dialog)
  dialog.showModal()
  return dialog
}
