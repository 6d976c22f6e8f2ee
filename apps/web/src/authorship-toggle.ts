/**
 * "Who wrote what" on the document page: a toggle button in the toolbar that tints each person's text in their
 * colour (their name on hover), and the legend of those people under the toolbar. Whether it is on is
 * remembered in this browser, for every document.
 */
import type { AuthorColor, AuthorshipOptions, Editor } from '@tandem/editor'
import { h, ICONS, icon } from './dom.js'
import { readJson, writeJson } from './storage.js'
import { toast } from './toast.js'

const STORAGE_KEY = 'tandem:authorship'

/** The toggle, the legend, and the editor option that connects them. */
export interface AuthorshipToggle {
  readonly button: HTMLButtonElement
  readonly legend: HTMLElement
  /** The editor's `authorship` option. */
  readonly options: AuthorshipOptions
  /** Connects the button to the editor made with {@link options}. */
  attach(editor: Editor): void
}

/** Makes the toggle. */
export function authorshipToggle(): AuthorshipToggle {
  const shown = readJson(STORAGE_KEY) === true
  const legend = h('ul', { class: 'author-legend', 'aria-label': 'Who wrote what', hidden: !shown })
  const button = h(
    'button',
    {
      type: 'button',
      class: 'button',
      title: "Show who wrote what: each person's text in their colour, their name on hover",
      'aria-pressed': String(shown),
    },
    icon(ICONS.highlight),
    h('span', { class: 'button-text' }, 'Who wrote what'),
  )
  const render = (show: boolean) => {
    button.setAttribute('aria-pressed', String(show))
    legend.hidden = !show
    if (!show) legend.replaceChildren()
  }
  return {
    button,
    legend,
    options: {
      show: shown,
      onAuthors: (authors) => legend.replaceChildren(...authors.map(legendEntry)),
      onError: (error) => toast(`Who wrote what could not be loaded: ${(error as Error).message}`, 'error'),
    },
    attach(editor) {
      button.addEventListener('click', () => {
        const show = !editor.showsAuthorship
        render(show)
        editor.setAuthorship(show)
        writeJson(STORAGE_KEY, show)
      })
    },
  }
}

function legendEntry(author: AuthorColor): HTMLLIElement {
  const swatch = h('span', { class: 'author-swatch', 'aria-hidden': 'true' })
  swatch.style.backgroundColor = author.color
  const title = author.verified ? 'Signed in' : 'The name they chose (not verified)'
  return h('li', { class: 'author-entry', title }, swatch, h('span', {}, author.name))
}
