/**
 * A document's text as a reader sees it: Markdown rendered to safe HTML (by the editor's preview renderer), any
 * other language as monospace text. Used by the HTML download and the print view. Loaded only when one of them is
 * used (the Markdown renderer is most of its size).
 */
import type { LanguageName } from '@tandem/editor'
import { renderMarkdown } from '@tandem/editor/preview'

/** The document's text rendered for reading, as nodes of the current document. */
export function renderedText(text: string, language: LanguageName): DocumentFragment {
  if (language !== 'markdown') {
    const fragment = document.createDocumentFragment()
    const pre = document.createElement('pre')
    pre.className = 'plain-text'
    pre.textContent = text
    fragment.append(pre)
    return fragment
  }
  return renderMarkdown(text)
}

// The look of a downloaded page: readable on its own, in light and dark, and on paper.
const PAGE_CSS = `
:root { color-scheme: light dark; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
.doc-title { margin: 0 0 1.5rem; padding-bottom: .5rem; border-bottom: 1px solid #8884; font-size: 2rem; }
h1, h2, h3, h4 { line-height: 1.25; margin: 1.6em 0 .6em; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
pre { padding: .8rem 1rem; overflow-x: auto; border-radius: 6px; background: #8881; }
pre.plain-text { white-space: pre-wrap; padding: 0; background: none; }
:not(pre) > code { padding: .1em .3em; border-radius: 4px; background: #8882; }
blockquote { margin: 0; padding: 0 1rem; border-left: 4px solid #8886; color: #888; }
table { border-collapse: collapse; } th, td { border: 1px solid #8886; padding: .3rem .6rem; }
img { max-width: 100%; }
@media print { body { max-width: none; padding: 0; } pre { white-space: pre-wrap; } }
`

/**
 * A complete HTML page for the document: its title, inline CSS, and no scripts (a Content-Security-Policy that
 * allows none, besides there being none).
 */
export function standaloneHtml(title: string, text: string, language: LanguageName): string {
  const page = document.implementation.createHTMLDocument(title || 'Untitled')
  const head = page.head
  head.prepend(
    meta({ charset: 'utf-8' }),
    meta({
      'http-equiv': 'Content-Security-Policy',
      content: "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:",
    }),
    meta({ name: 'viewport', content: 'width=device-width, initial-scale=1' }),
  )
  const style = page.createElement('style')
  style.textContent = PAGE_CSS
  head.append(style)
  if (title) {
    const heading = page.createElement('h1')
    heading.className = 'doc-title'
    heading.textContent = title
    page.body.append(heading)
  }
  const article = page.createElement('article')
  article.append(page.importNode(renderedText(text, language), true))
  page.body.append(article)
  return `<!doctype html>\n${page.documentElement.outerHTML}\n`

  function meta(attributes: Record<string, string>): HTMLMetaElement {
    const element = page.createElement('meta')
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value)
    return element
  }
}
