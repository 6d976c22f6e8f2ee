import { DEFAULT_COLORS, parseColor, type Rgb } from '@tandem/client'
import { describe, expect, it } from 'vitest'
import { authorTint } from './authorship.js'
import { BACKGROUNDS, contrast } from './contrast.js'

/** The text colours of Tandem's light and dark themes (theme.ts). */
const TEXT = { light: parseColor('#1f2328')!, dark: parseColor('#e6edf3')! }

/** `rgba(r, g, b, a)` laid over `background`: the colour a person sees. */
function over(background: Rgb, tint: string): Rgb {
  const [r, g, b, a] = /rgba\((\d+), (\d+), (\d+), ([\d.]+)\)/.exec(tint)!.slice(1).map(Number) as number[]
  const mix = (from: number, to: number) => from + (to - from) * a!
  return { r: mix(background.r, r!), g: mix(background.g, g!), b: mix(background.b, b!) }
}

describe('authorTint', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`keeps the ${scheme} theme's text at 4.5:1 or more on every palette colour, and in a pure colour`, () => {
      const colors = [...DEFAULT_COLORS, '#ff0000', '#00ff00', '#0000ff', '#ffff00', '#000000', '#ffffff']
      const worst = Math.min(
        ...colors.map((color) =>
          contrast(TEXT[scheme], over(BACKGROUNDS[scheme], authorTint(parseColor(color)!, scheme))),
        ),
      )
      expect(worst).toBeGreaterThanOrEqual(4.5)
    })
  }
})
