/**
 * Reading Tandem's `/metrics` (the Prometheus text format) for the scale-out scenario: counters summed over
 * instances, and quantiles of a histogram from its buckets.
 */

/** One scrape: every sample by its series as printed, `name{label="value",...}`. */
export type Scrape = Map<string, number>

/** Parses the Prometheus text exposition format (comments skipped, timestamps ignored). */
export function parsePrometheus(text: string): Scrape {
  const samples: Scrape = new Map()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    // The series may hold spaces inside label values; the value follows the closing brace (or the name).
    const end = line.includes('}') ? line.lastIndexOf('}') + 1 : line.indexOf(' ')
    const value = Number(line.slice(end).trim().split(' ')[0])
    if (end > 0 && !Number.isNaN(value)) samples.set(line.slice(0, end), value)
  }
  return samples
}

/** The sample of `series` (as printed: `tandem_bus_published_total{outcome="sent"}`) in `after` less `before`, summed over instances; a series never printed counts 0. */
export function delta(before: Scrape[], after: Scrape[], series: string): number {
  let sum = 0
  after.forEach((scrape, i) => {
    sum += (scrape.get(series) ?? 0) - (before[i]?.get(series) ?? 0)
  })
  return sum
}

/**
 * The `q` quantile (0..1) of the observations a histogram gained between two scrapes, summed over instances, in
 * the histogram's unit; `null` when it gained none. Like PromQL's `histogram_quantile`, it interpolates linearly
 * inside the bucket the quantile falls in, so it is only as fine as the buckets.
 */
export function histogramQuantile(before: Scrape[], after: Scrape[], name: string, q: number): number | null {
  const bounds = new Set<string>()
  for (const scrape of after) {
    for (const series of scrape.keys()) {
      const match = new RegExp(`^${name}_bucket\\{(?:.*,)?le="([^"]+)"`).exec(series)
      if (match?.[1]) bounds.add(match[1])
    }
  }
  const buckets = [...bounds]
    .map((le) => ({
      upper: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
      count: delta(before, after, `${name}_bucket{le="${le}"}`),
    }))
    .sort((a, b) => a.upper - b.upper)
  const total = buckets.at(-1)?.count ?? 0
  if (total <= 0) return null
  const rank = q * total
  let lower = 0
  let below = 0
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.upper === Number.POSITIVE_INFINITY) return lower
      return lower + ((bucket.upper - lower) * (rank - below)) / Math.max(1, bucket.count - below)
    }
    lower = bucket.upper
    below = bucket.count
  }
  return lower
}
