/**
 * Colours of people: parsing what a person (or anyone on the network) claims as their colour into plain RGB,
 * and adjusting it so that a caret stays readable on a light or a dark editor.
 *
 * A colour from the network is only ever written back out as `#rrggbb` or `rgba(r, g, b, a)` built from
 * numbers, so nothing a peer sends can reach a `style` attribute as text.
 */

/** A colour as three channels of 0-255. */
export interface Rgb {
  r: number
  g: number
  b: number
}

/** Colours handed out to people who did not choose one: distinct, and readable on light and dark editors. */
export const DEFAULT_COLORS: readonly string[] = [
  '#2f6fdd',
  '#d9480f',
  '#2b8a3e',
  '#ae3ec9',
  '#e8590c',
  '#0c8599',
  '#c2255c',
  '#5f3dc4',
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

/** Formats RGB as `#rrggbb`. @internal */
export function toHex({ r, g, b }: Rgb): string {
  return `#${[r, g, b].map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`
}

/** Formats RGB with an alpha as `rgba(r, g, b, a)`. @internal */
export function toRgba({ r, g, b }: Rgb, alpha: number): string {
  return `rgba(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}, ${alpha})`
}

/** WCAG relative luminance, 0 (black) to 1 (white). @internal */
export function luminance({ r, g, b }: Rgb): number {
  const linear = (channel: number) => {
    const c = channel / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/** WCAG contrast ratio between two colours, 1 to 21. @internal */
export function contrast(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}

const white: Rgb = { r: 255, g: 255, b: 255 }
const black: Rgb = { r: 0, g: 0, b: 0 }

/** The background colours of Tandem's light and dark themes. @internal */
export const BACKGROUNDS = { light: white, dark: { r: 0x1e, g: 0x22, b: 0x27 } } as const

function mix(from: Rgb, to: Rgb, amount: number): Rgb {
  return {
    r: from.r + (to.r - from.r) * amount,
    g: from.g + (to.g - from.g) * amount,
    b: from.b + (to.b - from.b) * amount,
  }
}

/**
 * The colour moved towards black (on a light editor) or white (on a dark one) just enough for a 3:1 contrast
 * with the editor's background, the WCAG minimum for graphical objects such as a caret. A colour that already
 * has it is returned unchanged.
 * @internal
 */
export function readableOn(color: Rgb, scheme: 'light' | 'dark'): Rgb {
  const background = BACKGROUNDS[scheme]
  const target = scheme === 'light' ? black : white
  let result = color
  for (let step = 1; step <= 10 && contrast(result, background) < 3; step++) result = mix(color, target, step / 10)
  return result
}

/** Black or white, whichever reads better as text on `background`. @internal */
export function textColorOn(background: Rgb): string {
  return contrast(background, black) >= contrast(background, white) ? '#000000' : '#ffffff'
}

/** A stable default colour for a client id. @internal */
export function defaultColor(clientId: number): string {
  return DEFAULT_COLORS[Math.abs(clientId) % DEFAULT_COLORS.length]!
}
