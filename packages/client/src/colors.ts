/**
 * Colours of people: parsing what a person (or anyone on the network) claims as their colour into plain RGB, and
 * the colour of a person who did not choose one. (Making a colour readable on an editor's background is the
 * editor's business: @tandem/editor's contrast.ts.)
 *
 * A colour from the network is only ever written back out as `#rrggbb` built from numbers, so nothing a peer
 * sends can reach a `style` attribute as text.
 */

/** A colour as three channels of 0-255. */
export interface Rgb {
  r: number
  g: number
  b: number
}

/**
 * Colours handed out to people who did not choose one: twenty, so that a crowded document rarely shows two people
 * in one colour. Each keeps a contrast of at least 3:1 on a white and on a dark (#1e2227) editor as it is, and any
 * two are at least 0.09 apart in OKLab (about four times a just-noticeable difference): picked one by one, each the
 * farthest from those before it, so that the first few are the most distinct of all.
 */
export const DEFAULT_COLORS: readonly string[] = [
  '#2f6fdd',
  '#fd2e1c',
  '#519c03',
  '#e248ee',
  '#9e5b82',
  '#287d79',
  '#ba7e2d',
  '#963bf9',
  '#e21287',
  '#997fde',
  '#1f99c7',
  '#d96a7e',
  '#b243ba',
  '#78792b',
  '#5f9b7b',
  '#bd4d00',
  '#6771a4',
  '#cc68b9',
  '#17843f',
  '#fd34bc',
]

const MAX_COLOR_LENGTH = 64
const hexPattern = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i

/**
 * Parses a CSS colour into RGB, or returns `null` when `value` is not a usable colour: not a string, too long,
 * not valid CSS (`red; background: url(...)`), or fully transparent. Hex works everywhere; other CSS colour
 * syntaxes (`rebeccapurple`, `rgb()`, `hsl()`, ...) need a browser, which parses them for us.
 */
export function parseColor(value: unknown): Rgb | null {
  if (typeof value !== 'string' || value.length > MAX_COLOR_LENGTH) return null
  const text = value.trim()
  const hex = hexPattern.exec(text)
  if (hex) return parseHex(hex[1]!)
  return parseWithBrowser(text)
}

function parseHex(digits: string): Rgb | null {
  const full = digits.length <= 4 ? [...digits].map((digit) => digit + digit).join('') : digits
  const channel = (index: number) => Number.parseInt(full.slice(index * 2, index * 2 + 2), 16)
  if (full.length === 8 && channel(3) === 0) return null
  return { r: channel(0), g: channel(1), b: channel(2) }
}

let context: CanvasRenderingContext2D | null | undefined

function parseWithBrowser(text: string): Rgb | null {
  // Functions and names only: this rules out `;`, `{`, quotes, `url(` and the like before the browser sees it.
  if (!/^[a-z]+(\([0-9a-z.,%+\-\s/]*\))?$/i.test(text)) return null
  if (typeof CSS === 'undefined' || !CSS.supports('color', text)) return null
  if (context === undefined) {
    context = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d')
  }
  if (!context) return null
  // The canvas normalises any colour it accepts to `#rrggbb` or `rgba(...)` and ignores what it does not
  // accept; two different starting values tell "ignored" apart from "equal to the starting value".
  context.fillStyle = '#000000'
  context.fillStyle = text
  const first = context.fillStyle
  context.fillStyle = '#ffffff'
  context.fillStyle = text
  if (context.fillStyle !== first) return null
  const hex = hexPattern.exec(first)
  if (hex) return parseHex(hex[1]!)
  const rgba = /^rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)$/.exec(first)
  if (!rgba) return null
  if (rgba[4] !== undefined && Number(rgba[4]) === 0) return null
  return { r: Number(rgba[1]), g: Number(rgba[2]), b: Number(rgba[3]) }
}

/** Formats RGB as `#rrggbb`, the form of every `Peer.color` and of the awareness `user.color`. */
export function toHex({ r, g, b }: Rgb): string {
  return `#${[r, g, b].map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`
}

/**
 * The colour of a person who did not choose one, or whose colour is not a CSS colour: one of
 * {@link DEFAULT_COLORS}, the same for a client id everywhere (in the list of people and on their caret).
 */
export function defaultColor(clientId: number): string {
  return DEFAULT_COLORS[Math.abs(clientId) % DEFAULT_COLORS.length]!
}
