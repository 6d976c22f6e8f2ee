/**
 * A button that opens a menu of actions (the WAI-ARIA menu button pattern): Enter, Space or the arrow keys open
 * it on an item; the arrow keys, Home and End move through the items; Enter or Space chooses one; Escape closes
 * it and goes back to the button; Tab, a click elsewhere or a choice close it.
 */
import { h, icon } from './dom.js'

/** One action of a menu. */
export interface MenuItem {
  label: string
  /** An icon path from ICONS. */
  icon: string
  /** A longer description, shown as the item's tooltip. */
  title?: string
  /** Why the item cannot be chosen now, or null when it can; asked each time the menu opens. */
  disabled?: () => string | null
  onSelect: () => void
}

/** What a menu button needs. */
export interface MenuButtonOptions {
  /** The button's text (hidden on phones, where the icon stays). */
  label: string
  icon: string
  /** The button's tooltip. */
  title: string
  items: MenuItem[]
}

let serial = 0

/** Makes a menu button; put `element` in the page. */
export function menuButton(options: MenuButtonOptions): { element: HTMLElement; button: HTMLButtonElement } {
  const id = `menu-${++serial}`
  const reasons = new Map<MenuItem, string | null>()
  const items = options.items.map((item) =>
    h(
      'button',
      {
        type: 'button',
        role: 'menuitem',
        class: 'menu-item',
        tabindex: -1,
        title: item.title,
        onclick: () => {
          // A disabled item stays in the menu and can be reached, so that its reason can be read.
          if (reasons.get(item)) return
          close(true)
          item.onSelect()
        },
      },
      icon(item.icon),
      h('span', {}, item.label),
    ),
  )
  const menu = h('div', { id, class: 'menu', role: 'menu', 'aria-label': options.label, hidden: true }, ...items)
  const button = h(
    'button',
    {
      type: 'button',
      class: 'button',
      title: options.title,
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-controls': id,
      onclick: () => (menu.hidden ? open(0) : close(false)),
    },
    icon(options.icon),
    h('span', { class: 'button-text' }, options.label),
  )
  const element = h('div', { class: 'menu-wrap' }, button, menu)

  function open(focusIndex: number): void {
    options.items.forEach((item, index) => {
      const reason = item.disabled?.() ?? null
      reasons.set(item, reason)
      const element = items[index]
      if (!element) return
      if (reason === null) element.removeAttribute('aria-disabled')
      else element.setAttribute('aria-disabled', 'true')
      element.title = reason ?? item.title ?? ''
    })
    menu.hidden = false
    button.setAttribute('aria-expanded', 'true')
    // Keep it on screen: a button near the right edge (on a phone) opens its menu leftwards.
    menu.style.left = ''
    const overflow = menu.getBoundingClientRect().right - (document.documentElement.clientWidth - 8)
    if (overflow > 0) menu.style.left = `${-overflow}px`
    focusItem(focusIndex)
    document.addEventListener('pointerdown', onOutside, true)
  }

  function close(returnFocus: boolean): void {
    if (menu.hidden) return
    menu.hidden = true
    button.setAttribute('aria-expanded', 'false')
    document.removeEventListener('pointerdown', onOutside, true)
    if (returnFocus) button.focus()
  }

  function onOutside(event: Event): void {
    if (!element.contains(event.target as Node)) close(false)
  }

  function focusItem(index: number): void {
    const count = items.length
    items[((index % count) + count) % count]?.focus()
  }

  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      open(event.key === 'ArrowDown' ? 0 : items.length - 1)
    }
  })
  menu.addEventListener('keydown', (event) => {
    const current = items.indexOf(document.activeElement as HTMLButtonElement)
    const moves: Record<string, number> = {
      ArrowDown: current + 1,
      ArrowUp: current - 1,
      Home: 0,
      End: items.length - 1,
    }
    const next = moves[event.key]
    if (next !== undefined) {
      event.preventDefault()
      focusItem(next)
    } else if (event.key === 'Escape') {
      event.preventDefault()
      // Not the dialog or page under it: Escape closes only the menu.
      event.stopPropagation()
      close(true)
    } else if (event.key === 'Tab') {
      close(false)
    }
  })
  // Focus leaving the menu for anywhere else (Tab past the last item, a click in the text) closes it.
  element.addEventListener('focusout', (event) => {
    if (!element.contains(event.relatedTarget as Node | null)) close(false)
  })

  return { element, button }
}
