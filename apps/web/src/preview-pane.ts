/**
 * The Markdown preview beside or instead of the editor: a toggle ("Editor", "Side by side", "Preview") shown for
 * Markdown documents, and a pane that renders the text live as anyone types. The renderer is loaded on first use,
 * so a page that never shows a preview does not fetch it. At phone width there is no room for two panes: the
 * toggle offers the editor or the preview.
 */
import type { Editor, LanguageName } from '@tandem/editor'
import { h } from './dom.js'
import { toast } from './toast.js'

/** What the document body shows. */
export type ViewMode = 'editor' | 'side' | 'preview'

const MODES: readonly (readonly [ViewMode, string])[] = [
  ['editor', 'Editor'],
  ['side', 'Side by side'],
  ['preview', 'Preview'],
]

/** Narrower than this, side by side is not offered (the same width as the page's phone layout). */
const NARROW = '(max-width: 640px)'

/** The preview pane and its toggle. */
export interface PreviewPane {
  /** The toggle, for the toolbar; hidden unless the document is Markdown. */
  readonly toggle: HTMLElement
  /** The editor's host and the preview, side by side or one of them; replaces the host in the page. */
  readonly body: HTMLElement
  /** The document's language changed: the toggle and the preview show for Markdown only. */
  setLanguage(language: LanguageName): void
}

/** Creates the preview pane around `editorHost`, the element the editor is in. */
export function createPreviewPane(editor: Editor, editorHost: HTMLElement): PreviewPane {
  const narrow = matchMedia(NARROW)
  const preview = h('article', { class: 'preview', 'aria-label': 'Preview', tabindex: 0, hidden: true })
  const body = h('div', { class: 'doc-view' }, editorHost, preview)
  const buttons = MODES.map(([mode, label]) =>
    h('button', { type: 'button', class: 'button', 'data-mode': mode, onclick: () => choose(mode) }, label),
  )
  const toggle = h('div', { class: 'view-toggle', role: 'group', 'aria-label': 'View', hidden: true }, ...buttons)
  let chosen: ViewMode = 'editor'
  let markdown = false
  let stopRendering: (() => void) | null = null
  let starting = 0

  const choose = (mode: ViewMode) => {
    chosen = mode
    render()
  }
  const shown = (): ViewMode => (!markdown ? 'editor' : chosen === 'side' && narrow.matches ? 'preview' : chosen)

  function render() {
    const mode = shown()
    toggle.hidden = !markdown
    for (const button of buttons) {
      button.setAttribute('aria-pressed', String(button.dataset.mode === mode))
      button.hidden = button.dataset.mode === 'side' && narrow.matches
    }
    body.dataset.view = mode
    editorHost.hidden = mode === 'preview'
    preview.hidden = mode === 'editor'
    if (mode === 'editor') stopPreview()
    else void startPreview()
  }

  async function startPreview() {
    if (stopRendering) return
    const ticket = ++starting
    try {
      const { markdownPreview } = await import('@tandem/editor/preview')
      // The person went back to the editor, or chose again, while the renderer loaded.
      if (ticket !== starting || shown() === 'editor') return
      stopRendering = markdownPreview(editor.view, preview)
    } catch {
      toast('The preview could not be loaded. Check the connection and try again.', 'error')
    }
  }

  function stopPreview() {
    starting++
    stopRendering?.()
    stopRendering = null
  }

  narrow.addEventListener('change', render)
  return {
    toggle,
    body,
    setLanguage(language) {
      markdown = language === 'markdown'
      render()
    },
  }
}
