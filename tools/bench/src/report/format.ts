/** Number formatting for the report tables. `NaN`, `null` and `undefined` print as a dash. */

const missing = (value: number | null | undefined): value is null | undefined =>
  value === null || value === undefined || !Number.isFinite(value)

/** Milliseconds: one decimal below 10, whole numbers above. */
export function ms(value: number | null | undefined): string {
  if (missing(value)) return '—'
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en')
}

/** A whole number with thousands separators. */
export function whole(value: number | null | undefined): string {
  return missing(value) ? '—' : Math.round(value).toLocaleString('en')
}

/** `value / base` as `1.23×`. */
export function ratio(value: number | null | undefined, base: number | null | undefined): string {
  if (missing(value) || missing(base) || base === 0) return '—'
  return `${(value / base).toFixed(2)}×`
}

/** A number with `digits` decimals. */
export function fixed(value: number | null | undefined, digits = 2): string {
  return missing(value) ? '—' : value.toFixed(digits)
}

/** Bytes as KiB with one decimal. */
export function kib(bytes: number | null | undefined): string {
  return missing(bytes) ? '—' : (bytes / 1024).toFixed(1)
}

/** Bytes as MB (10^6) with two decimals. */
export function mb(bytes: number | null | undefined): string {
  return missing(bytes) ? '—' : (bytes / 1e6).toFixed(2)
}

/** A latency summary as `p50 / p99 / max`, in milliseconds. */
export function latencies(summary: { p50: number; p99: number; max: number }): string {
  return `${ms(summary.p50)} / ${ms(summary.p99)} / ${ms(summary.max)}`
}

/** The note after a server's or setup's name when its measurement failed: the error's first line. */
export function failedNote(error: string | undefined): string {
  return error ? ` (failed: ${error.split('\n')[0]})` : ''
}

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}
