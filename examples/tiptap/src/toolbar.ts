import type { Editor } from '@tiptap/core'

/** One toolbar button: its label, its accessible name, what it does, and when it shows as pressed or disabled. */
interface ToolbarButton {
  readonly label: string
  readonly name: string
  run(editor: Editor): boolean
  isActive?(editor: Editor): boolean
  isEnabled?(editor: Editor): boolean
}

/** The toolbar's buttons, in order. */
const BUTTONS: readonly ToolbarButton[] = [
  {
    label: 'B',
    name: 'Bold',
    run: (editor) => editor.chain().focus().toggleBold().run(),
    isActive: (editor) => editor.isActive('bold'),
  },
  {
    label: 'I',
    name: 'Italic',
    run: (editor) => editor.chain().focus().toggleItalic().run(),
    isActive: (editor) => editor.isActive('italic'),
  },
  {
    label: 'H1',
    name: 'Heading',
    run: (editor) => editor.chain().focus().toggleHeading({ level: 1 }).run(),
    isActive: (editor) => editor.isActive('heading', { level: 1 }),
  },
  {
    label: '• List',
    name: 'Bullet list',
    run: (editor) => editor.chain().focus().toggleBulletList().run(),
    isActive: (editor) => editor.isActive('bulletList'),
  },
  {
    label: 'Undo',
    name: 'Undo',
    run: (editor) => editor.chain().focus().undo().run(),
    isEnabled: (editor) => editor.can().undo(),
  },
  {
    label: 'Redo',
    name: 'Redo',
    run: (editor) => editor.chain().focus().redo().run(),
    isEnabled: (editor) => editor.can().redo(),
  },
]

/** Fills `parent` with the formatting and undo buttons, kept pressed or disabled as the selection moves. */
export function mountToolbar(parent: HTMLElement, editor: Editor): void {
  const buttons = BUTTONS.map((button) => {
    const element = document.createElement('button')
    element.type = 'button'
    element.textContent = button.label
    element.setAttribute('aria-label', button.name)
    element.title = button.name
    // Keep the editor's selection: a click on the button must not blur the editor first.
    element.addEventListener('mousedown', (event) => event.preventDefault())
    element.addEventListener('click', () => button.run(editor))
    return { button, element }
  })
  const update = () => {
    for (const { button, element } of buttons) {
      if (button.isActive) element.setAttribute('aria-pressed', String(button.isActive(editor)))
      if (button.isEnabled) element.disabled = !button.isEnabled(editor)
    }
  }
  editor.on('transaction', update)
  update()
  parent.replaceChildren(...buttons.map(({ element }) => element))
}
