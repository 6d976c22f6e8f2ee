/**
 * The browser storage the app keeps per person: JSON in localStorage, read defensively. Storage can be full,
 * disabled (some private modes) or edited by hand, and none of that may stop the editor from opening.
 */

/** Reads a JSON value, or `undefined` when it is missing, unreadable or not JSON. */
export function readJson(key: string): unknown {
  try {
    const raw = localStorage.getItem(key)
    return raw === null ? undefined : JSON.parse(raw)
  } catch {
    return undefined
  }
}

/** Writes a JSON value; returns whether it was stored. */
export function writeJson(key: string, value: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(value))
    return true
  } catch {
    return false
  }
}
