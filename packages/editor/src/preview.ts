/**
 * A Markdown preview of an editor's text: `@tandem/editor/preview`, a subpath of its own so that markdown-it and
 * DOMPurify (most of its size) reach only the pages that show a preview; an app can load it with `import()`.
 *
 * The text is anyone's who could edit the document, so the HTML is made safe twice: markdown-it renders with raw
 * HTML off (`<script>` in the text stays text) and refuses `javascript:`, `vbscript:`, `file:` and `data:` link
 * targets (images in `data:image/png`, `gif`, `jpeg` or `webp` stay: a picture cannot run code), and DOMPurify then
 * removes anything that could still run or restyle the page: scripts, `on*` attributes, `javascript:` URLs,
 * iframes, forms and styles. Links open in a new tab with `rel="noopener noreferrer"`.
 */
import { Compartment, StateEffect } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import createDOMPurify from 'dompurify'
import MarkdownIt from 'markdown-it'

const markdown = new MarkdownIt({ html: false, linkify: true })

// An instance of its own, so that its hook changes no other DOMPurify on the page.
const purify = createDOMPurify(window)
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A' || !node.hasAttribute('href')) return
  node.setAttribute('target', '_blank')
  node.setAttribute('rel', 'noopener noreferrer')
})

/** Markdown rendered to safe HTML, as nodes of the current document (see the file's header for what is removed). */
export function renderMarkdown(text: string): DocumentFragment {
  return purify.sanitize(markdown.render(text), {
    RETURN_DOM_FRAGMENT: true,
    // Nothing in rendered Markdown needs these; they could restyle or overlay the page it is shown in.
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
    ADD_ATTR: ['target'],
  })
}

/** Options of {@link markdownPreview}. */
export interface MarkdownPreviewOptions {
  /**
   * The most often the preview renders again while the text changes, in milliseconds: rendering a long text is
   * not free, and each keystroke, anyone's, changes it.
   * @default 200
   */
  delay?: number
}

/**
 * Shows the text of `view` rendered as Markdown in `element`, and keeps it current as anyone types (each change
 * is shown within `delay` ms). Returns a function that stops updating; the element keeps its last
 * rendering. For Markdown documents: any text renders, as Markdown.
 *
 * ```ts
 * import { markdownPreview } from '@tandem/editor/preview'
 * const stop = markdownPreview(editor.view, document.querySelector('#preview')!)
 * ```
 */
export function markdownPreview(view: EditorView, element: Element, options: MarkdownPreviewOptions = {}): () => void {
  if (!(view instanceof EditorView)) throw new TypeError('markdownPreview() needs the EditorView to preview.')
  if (!element || typeof element.replaceChildren !== 'function') {
    throw new TypeError('markdownPreview() needs an element to put the preview in, such as a <div>.')
  }
  const delay = options.delay ?? 200
  let timer: ReturnType<typeof setTimeout> | undefined
  const render = () => {
    timer = undefined
    element.replaceChildren(renderMarkdown(view.state.doc.toString()))
  }
  const compartment = new Compartment()
  const listener = EditorView.updateListener.of((update) => {
    if (!update.docChanged) return
    timer ??= setTimeout(render, delay)
  })
  view.dispatch({ effects: StateEffect.appendConfig.of(compartment.of(listener)) })
  render()
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    clearTimeout(timer)
    // A destroyed view takes its listener with it.
    if (view.dom.isConnected) view.dispatch({ effects: compartment.reconfigure([]) })
  }
}
