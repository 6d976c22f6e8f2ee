/** Times as a person reads them: "just now", "5 minutes ago", "yesterday". */

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })

// Each unit, and how many of the unit before it make one.
const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['hour', 60],
  ['day', 24],
  ['week', 7],
  ['month', 4.35],
  ['year', 12],
]

/** How long ago `time` was, relative to `now` (both in ms since the epoch). */
export function timeAgo(time: number, now = Date.now()): string {
  const seconds = (time - now) / 1000
  if (seconds > -60) return 'just now'
  let amount = seconds / 60
  let unit: Intl.RelativeTimeFormatUnit = 'minute'
  for (const [next, size] of units) {
    if (Math.abs(amount) < size) break
    amount /= size
    unit = next
  }
  return relative.format(Math.round(amount), unit)
}
