/**
 * People's colours on the editor's background: each theme's background, and a person's colour adjusted so that
 * their caret stays readable on a light or a dark editor (WCAG contrast). Parsing a colour is @tandem/client's
 * `parseColor`.
 */
import type { Rgb } from '@tandem/client'

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
