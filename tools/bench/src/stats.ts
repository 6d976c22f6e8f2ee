/** A latency (or any) distribution as reported: count, mean and the percentiles the benchmarks quote, in ms. */
export interface Summary {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

/** Points of a distribution for charts: `[percentile, value]`, from p0 to p100. */
export type Cdf = [percentile: number, value: number][]

const CDF_POINTS = [
  0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 92, 94, 95, 96, 97, 98, 99, 99.5, 99.9, 100,
] as const

/**
 * A growable list of samples in a typed array, so a million latencies cost 8 MB and no garbage. Percentiles
 * sort a copy once.
 */
export class Samples {
  private data: Float64Array
  private length = 0

  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity))
  }

  get count(): number {
    return this.length
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    this.data[this.length++] = value
  }

  /** Every sample, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort()
  }

  summary(): Summary {
    return summarize(this.sorted())
  }

  cdf(): Cdf {
    return cdfOf(this.sorted())
  }
}

/** The summary of samples already sorted ascending. */
export function summarize(sorted: Float64Array | number[]): Summary {
  const count = sorted.length
  if (count === 0)
    return { count: 0, mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN }
  let total = 0
  for (let i = 0; i < count; i++) total += sorted[i] as number
  return {
    count,
    mean: total / count,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[count - 1] as number,
  }
}

/** The nearest-rank percentile of samples sorted ascending. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number
}

/** The chart points of samples sorted ascending. */
export function cdfOf(sorted: Float64Array | number[]): Cdf {
  if (sorted.length === 0) return []
  return CDF_POINTS.map((p) => [p, p === 0 ? (sorted[0] as number) : percentile(sorted, p)])
}

/** The median of a few repeated measurements. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}
