/**
 * Light and dark: the app follows the system's `prefers-color-scheme` until the person picks one with the
 * toggle, and remembers that pick in the browser. Picking what the system shows anyway goes back to following
 * the system, so a person who toggles twice is where they started.
 */
import { readJson, writeJson } from './storage.js'

/** A look. */
export type Scheme = 'light' | 'dark'

/** The light/dark state of the page. */
export interface AppTheme {
  /** What the page shows now. */
  readonly scheme: Scheme
  /** Switches to the other scheme. */
  toggle(): void
  /** Calls `listener` whenever the scheme changes (the toggle, or the system's setting). Returns an unsubscribe. */
  onChange(listener: (scheme: Scheme) => void): () => void
}

/** The localStorage key of the person's pick: `"light"`, `"dark"`, or absent to follow the system. */
export const THEME_KEY = 'tandem:theme'

/** Starts following the system and the person's pick, and applies the scheme to `<html data-theme>`. */
export function createAppTheme(): AppTheme {
  const query = matchMedia('(prefers-color-scheme: dark)')
  const system = (): Scheme => (query.matches ? 'dark' : 'light')
  const stored = readJson(THEME_KEY)
  let picked: Scheme | null = stored === 'light' || stored === 'dark' ? stored : null
  const listeners = new Set<(scheme: Scheme) => void>()
  let current = picked ?? system()

  const apply = () => {
    const next = picked ?? system()
    document.documentElement.dataset.theme = next
    if (next === current) return
    current = next
    for (const listener of listeners) listener(next)
  }
  query.addEventListener('change', apply)
  document.documentElement.dataset.theme = current

  return {
    get scheme() {
      return current
    },
    toggle() {
      const next: Scheme = current === 'dark' ? 'light' : 'dark'
      picked = next === system() ? null : next
      if (picked === null) {
        try {
          localStorage.removeItem(THEME_KEY)
        } catch {
          // Storage is unavailable: the pick lasts for this page only.
        }
      } else {
        writeJson(THEME_KEY, picked)
      }
      apply()
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
