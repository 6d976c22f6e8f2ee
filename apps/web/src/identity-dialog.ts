/** The dialog where a person changes the name and colour everyone else sees. */
import { MAX_NAME_LENGTH, sanitizeName } from '@tandem/editor'
import { h } from './dom.js'
import { COLORS, type Identity } from './identity.js'
import { showModalDialog } from './modal-dialog.js'

// Names of the palette's colours, for screen readers (the swatches only show the colour).
const COLOR_NAMES: Record<string, string> = {
  '#2f6fdd': 'Blue',
  '#fd2e1c': 'Red',
  '#519c03': 'Green',
  '#e248ee': 'Magenta',
  '#9e5b82': 'Plum',
  '#287d79': 'Teal',
  '#ba7e2d': 'Ochre',
  '#963bf9': 'Violet',
  '#e21287': 'Raspberry',
  '#997fde': 'Lavender',
  '#1f99c7': 'Sky blue',
  '#d96a7e': 'Rose',
  '#b243ba': 'Orchid',
  '#78792b': 'Olive',
  '#5f9b7b': 'Sage',
  '#bd4d00': 'Orange',
  '#6771a4': 'Slate',
  '#cc68b9': 'Pink',
  '#17843f': 'Emerald',
  '#fd34bc': 'Fuchsia',
}

let serial = 0

/** Opens the dialog; `onSave` gets the new identity when the person saves (not when they cancel). */
export function openIdentityDialog(current: Identity, onSave: (identity: Identity) => void): HTMLDialogElement {
  const id = `identity-${++serial}`
  const nameInput = h('input', {
    id: `${id}-name`,
    name: 'name',
    type: 'text',
    required: true,
    maxlength: MAX_NAME_LENGTH,
    autocomplete: 'nickname',
    spellcheck: 'false',
  })
  nameInput.value = current.name
  const inPalette = COLORS.includes(current.color)
  const custom = h('input', { type: 'color', name: 'custom', 'aria-label': 'Another colour' })
  custom.value = inPalette ? '#888888' : current.color
  const customRadio = h('input', { type: 'radio', name: 'color', value: 'custom', 'aria-label': 'Another colour' })
  customRadio.checked = !inPalette
  custom.addEventListener('input', () => {
    customRadio.checked = true
  })

  const swatches = COLORS.map((color) => {
    const radio = h('input', { type: 'radio', name: 'color', value: color })
    radio.checked = color === current.color
    const sample = h('span', { class: 'swatch-sample', 'aria-hidden': 'true' })
    sample.style.backgroundColor = color
    return h('label', { class: 'swatch' }, radio, sample, h('span', { class: 'visually-hidden' }, COLOR_NAMES[color]))
  })

  const form = h(
    'form',
    { class: 'dialog-form' },
    h('h2', { id: `${id}-title` }, 'Your name and colour'),
    h('p', { class: 'muted' }, 'Everyone in the document sees them next to your cursor and in the list of people.'),
    h('label', { for: `${id}-name`, class: 'field-label' }, 'Name'),
    nameInput,
    h(
      'fieldset',
      { class: 'swatches' },
      h('legend', { class: 'field-label' }, 'Colour'),
      ...swatches,
      h('label', { class: 'swatch swatch-custom' }, customRadio, custom),
    ),
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'button primary' }, 'Save'),
    ),
  )
  const dialog = showModalDialog(form, `${id}-title`)

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const typed = nameInput.value.trim()
    if (typed === '') {
      nameInput.focus()
      return
    }
    const chosen = form.querySelector<HTMLInputElement>('input[name="color"]:checked')
    const color = !chosen || chosen.value === 'custom' ? custom.value : chosen.value
    onSave({ name: sanitizeName(typed), color: color.toLowerCase() })
    dialog.close()
  })
  nameInput.select()
  return dialog
}
