import { describe, expect, it } from 'vitest'
import { DEFAULT_COLORS, defaultColor, parseColor, type Rgb } from './colors.js'

const linear = (channel: number) => {
  const c = channel / 255
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
}

/** WCAG relative luminance. */
const luminance = ({ r, g, b }: Rgb) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
const contrast = (a: Rgb, b: Rgb) => {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (high + 0.05) / (low + 0.05)
}

/** The colour in OKLab (Björn Ottosson's), where distance follows how different two colours look. */
function oklab({ r, g, b }: Rgb): [number, number, number] {
  const [lr, lg, lb] = [linear(r), linear(g), linear(b)]
  const l = Math.cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb)
  const m = Math.cbrt(0.2119034982 * lr + 0.6806995451 * lg + 0.1073969566 * lb)
  const s = Math.cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb)
  return [
    0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
    1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  ]
}

const white = { r: 255, g: 255, b: 255 }
const darkEditor = { r: 0x1e, g: 0x22, b: 0x27 }
const palette = DEFAULT_COLORS.map((hex) => ({ hex, rgb: parseColor(hex) as Rgb }))

describe('the default colours', () => {
  it('are twenty different #rrggbb colours', () => {
    expect(palette).toHaveLength(20)
    expect(new Set(DEFAULT_COLORS).size).toBe(20)
    for (const { hex, rgb } of palette) {
      expect(hex).toMatch(/^#[0-9a-f]{6}$/)
      expect(rgb).not.toBeNull()
    }
  })

  it('keep 3:1 contrast on a light and on a dark editor without adjusting', () => {
    const weak = palette.filter(({ rgb }) => contrast(rgb, white) < 3 || contrast(rgb, darkEditor) < 3)
    expect(weak.map(({ hex }) => hex)).toEqual([])
  })

  it('are clearly distinct: any two at least 0.09 apart in OKLab', () => {
    const close: string[] = []
    for (const [i, a] of palette.entries()) {
      for (const b of palette.slice(i + 1)) {
        const [p, q] = [oklab(a.rgb), oklab(b.rgb)]
        if (Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) < 0.09) close.push(`${a.hex} ~ ${b.hex}`)
      }
    }
    expect(close).toEqual([])
  })

  it('are handed out by client id, the same everywhere', () => {
    expect(defaultColor(0)).toBe(DEFAULT_COLORS[0])
    expect(defaultColor(21)).toBe(DEFAULT_COLORS[1])
    expect(defaultColor(-3)).toBe(DEFAULT_COLORS[3])
  })
})
