/** Pieces every page has: the Tandem mark, the light/dark toggle and the person's own name. */
import { h, ICONS, icon } from './dom.js'
import { type Identity, initials, textColorOn } from './identity.js'
import type { AppTheme } from './theme.js'

/** The Tandem mark, a link to the home page. */
export function brand(): HTMLAnchorElement {
  const mark = h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'T')
  return h(
    'a',
    { class: 'brand', href: '/', 'aria-label': 'Tandem home', title: 'Tandem home' },
    mark,
    h('span', { class: 'brand-name' }, 'Tandem'),
  )
}

/** A button that switches between light and dark, and says which it switches to. */
export function themeToggle(theme: AppTheme): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'icon-button theme-toggle' })
  const render = () => {
    const next = theme.scheme === 'dark' ? 'light' : 'dark'
    const label = `Switch to ${next} theme`
    button.setAttribute('aria-label', label)
    button.title = label
    button.replaceChildren(icon(next === 'dark' ? ICONS.moon : ICONS.sun))
  }
  button.addEventListener('click', () => theme.toggle())
  theme.onChange(render)
  render()
  return button
}

/** A small coloured circle with a person's initials. */
export function avatar(identity: Identity): HTMLSpanElement {
  const element = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(identity.name))
  element.style.backgroundColor = identity.color
  element.style.color = textColorOn(identity.color)
  return element
}

/** The person's own name and colour, as a button that opens the dialog to change them. */
export interface IdentityButton {
  readonly element: HTMLButtonElement
  update(identity: Identity): void
}

/** Creates the button; `onClick` opens the dialog. */
export function identityButton(identity: Identity, onClick: () => void): IdentityButton {
  const element = h('button', { type: 'button', class: 'me-button', onclick: onClick })
  const update = (next: Identity) => {
    element.replaceChildren(avatar(next), h('span', { class: 'me-name' }, next.name))
    element.setAttribute('aria-label', `You are ${next.name}: change your name or colour`)
    element.title = 'Change your name or colour'
  }
  update(identity)
  return { element, update }
}
