/** A page that says what is wrong with the address, with a way back home. */
import { brand, themeToggle } from '../chrome.js'
import { h } from '../dom.js'
import type { AppTheme } from '../theme.js'

/** Shows a problem page with a heading and a sentence. */
export function problemPage(root: HTMLElement, theme: AppTheme, heading: string, detail: string): void {
  document.title = `${heading} · Tandem`
  root.replaceChildren(
    h(
      'div',
      { class: 'home-page' },
      h('header', { class: 'topbar' }, brand(), h('span', { class: 'toolbar-gap' }), themeToggle(theme)),
      h(
        'main',
        { class: 'home-main problem' },
        h('h1', {}, heading),
        h('p', { class: 'lead' }, detail),
        h('a', { class: 'button primary', href: '/' }, 'Go to the home page'),
      ),
    ),
  )
}
