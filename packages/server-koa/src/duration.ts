const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/**
 * Reads a duration in seconds from a number of seconds or a string like `90`, `30m`, `12h`, `7d` or `2w`.
 * Returns `null` when it is not one.
 */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null
  if (typeof value !== 'string') return null
  const match = /^(\d+)\s*([smhdw]?)$/.exec(value.trim())
  if (!match) return null
  const seconds = Number(match[1]) * (units[match[2] || 's'] as number)
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : null
}
