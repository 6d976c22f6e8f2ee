/**
 * A tiny way to build DOM: `h('button', { class: 'primary', onclick }, 'Save')`. Children that are strings
 * become text nodes, so text from other people (names, titles) can never become markup.
 */

/** A child of {@link h}: an element, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false

type Handler = (event: never) => void

/** Attributes of {@link h}: `on*` keys add listeners, `true`/`false` set or leave out an attribute. */
export type Props = Record<string, string | number | boolean | null | undefined | Handler>

/** Creates an element with attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (typeof value === 'function') {
      element.addEventListener(key.slice(2), value as EventListener)
    } else {
      element.setAttribute(key, value === true ? '' : String(value))
    }
  }
  append(element, children)
  return element
}

/** Appends children (see {@link Child}). */
export function append(parent: Node & ParentNode, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.append(typeof child === 'number' ? String(child) : child)
  }
}

/** An inline SVG icon from a path, hidden from assistive technology (the control around it has the label). */
export function icon(path: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('aria-hidden', 'true')
  svg.setAttribute('class', 'icon')
  const shape = document.createElementNS(ns, 'path')
  shape.setAttribute('d', path)
  svg.append(shape)
  return svg
}

/** Icon paths (24×24, stroked). */
export const ICONS = {
  link: 'M10 14a4 4 0 0 0 5.66 0l3-3a4 4 0 0 0-5.66-5.66l-1 1M14 10a4 4 0 0 0-5.66 0l-3 3a4 4 0 0 0 5.66 5.66l1-1',
  download: 'M12 4v11M7 10l5 5 5-5M5 19h14',
  moon: 'M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5Z',
  sun: 'M12 3v2M12 19v2M3 12h2M19 12h2M5.6 5.6l1.4 1.4M17 17l1.4 1.4M5.6 18.4 7 17M17 7l1.4-1.4M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z',
  plus: 'M12 5v14M5 12h14',
  close: 'M6 6l12 12M18 6 6 18',
  doc: 'M7 3h7l5 5v13H7zM14 3v5h5',
  file: 'M6 3h8l4 4v14H6zM14 3v4h4M9 12h6M9 16h6',
  upload: 'M12 16V5M7 10l5-5 5 5M5 19h14',
  print: 'M7 9V3h10v6M7 17H4v-8h16v8h-3M7 14h10v7H7z',
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6',
  pencil: 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  highlight: 'M4 21h16M7 17l-1-4 9-9 5 5-9 9zM12 7l5 5',
  history: 'M4 12a8 8 0 1 0 2.3-5.6M4 4v3.4h3.4M12 8v4l3 2',
} as const
