/**
 * Small, dependency-free SVG charts for the benchmark report: line charts (linear, log, or "nines" percentile
 * axes) and grouped bar charts. Self-contained SVG with no scripts or external fonts, so GitHub renders it.
 */

/** One line (or one bar colour) of a chart. */
export interface Series {
  name: string
  color: string
  points: [x: number, y: number][]
}

/** A line chart. */
export interface LineChart {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  /** `nines`: x is a percentile, spread so that p90, p99 and p99.9 are equally far apart. @default linear */
  xScale?: 'linear' | 'log' | 'nines'
  /** @default linear */
  yScale?: 'linear' | 'log'
  /** Horizontal reference lines, such as a latency limit. */
  guides?: { y: number; label: string }[]
  formatX?: (x: number) => string
}

/** A grouped bar chart: for each category, one bar per series (the series' points are `[categoryIndex, value]`). */
export interface BarChart {
  title: string
  yLabel: string
  categories: string[]
  series: Series[]
}

const WIDTH = 760
const HEIGHT = 380
const MARGIN = { left: 72, right: 190, top: 44, bottom: 56 }
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom

// The rightmost point of a nines axis: p100 (the maximum) sits a little past p99.9.
const NINES_MAX = 3.4

function ninesPosition(percentile: number): number {
  return percentile >= 100 ? NINES_MAX : Math.min(-Math.log10(1 - percentile / 100), 3.2)
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count)
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const residual = raw / magnitude
  return (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude
}

function linearTicks(min: number, max: number, count = 6): number[] {
  const step = niceStep(max - min || 1, count)
  const ticks: number[] = []
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) ticks.push(value)
  return ticks
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = []
  for (let decade = Math.floor(Math.log10(min)); decade <= Math.ceil(Math.log10(max)); decade++) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * 10 ** decade
      if (value >= min * 0.999 && value <= max * 1.001) ticks.push(value)
    }
  }
  return ticks
}

/** A short label for a number: 1.5k, 20k, 0.5, 12. */
function shortNumber(value: number): string {
  if (Math.abs(value) >= 1e6) return `${+(value / 1e6).toFixed(1)}M`
  if (Math.abs(value) >= 1e3) return `${+(value / 1e3).toFixed(1)}k`
  if (Math.abs(value) >= 10) return `${Math.round(value)}`
  return `${+value.toFixed(2)}`
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ${FONT} font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

function legend(series: Series[]): string[] {
  return series.flatMap((s, i) => {
    const y = MARGIN.top + 8 + i * 20
    const x = WIDTH - MARGIN.right + 16
    return [
      `<rect x="${x}" y="${y - 6}" width="14" height="4" fill="${s.color}"/>`,
      `<text x="${x + 20}" y="${y}" fill="#1f2328">${escapeXml(s.name)}</text>`,
    ]
  })
}

/** Renders a line chart to SVG text. */
export function renderLineChart(chart: LineChart): string {
  const xScale = chart.xScale ?? 'linear'
  const yScale = chart.yScale ?? 'linear'
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
  const xs = all.map(([x]) => (xScale === 'nines' ? ninesPosition(x) : x))
  const ys = all.map(([, y]) => y).concat((chart.guides ?? []).map((g) => g.y))
  const positive = (values: number[]) => values.filter((v) => v > 0)
  let [xMin, xMax] = xScale === 'nines' ? [0, NINES_MAX] : [Math.min(...xs), Math.max(...xs)]
  if (xScale === 'log') [xMin, xMax] = [Math.min(...positive(xs)), Math.max(...positive(xs))]
  if (xScale === 'linear') xMin = Math.min(0, xMin)
  let yMin = yScale === 'log' ? Math.min(...positive(ys)) : 0
  let yMax = Math.max(...ys)
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax) || all.length === 0) return frame(`${chart.title} (no data)`, [])
  if (yScale === 'log') {
    yMin = 10 ** Math.floor(Math.log10(yMin))
    yMax = 10 ** Math.ceil(Math.log10(yMax))
  } else yMax = yMax * 1.08 || 1
  if (xMax === xMin) xMax = xMin + 1
  const px = (x: number) => {
    const v = xScale === 'nines' ? ninesPosition(x) : x
    const t =
      xScale === 'log'
        ? (Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))
        : (v - xMin) / (xMax - xMin)
    return MARGIN.left + t * PLOT_W
  }
  const py = (y: number) => {
    const t =
      yScale === 'log'
        ? (Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
        : (y - yMin) / (yMax - yMin)
    return MARGIN.top + PLOT_H - t * PLOT_H
  }
  const body: string[] = []
  const yTicks = yScale === 'log' ? logTicks(yMin, yMax) : linearTicks(yMin, yMax)
  for (const tick of yTicks) {
    const y = py(tick).toFixed(1)
    body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}" stroke="#eaeef2"/>`)
    body.push(
      `<text x="${MARGIN.left - 8}" y="${y}" dy="4" text-anchor="end" fill="#57606a">${shortNumber(tick)}</text>`,
    )
  }
  const xTicks =
    xScale === 'nines'
      ? [0, 50, 90, 99, 99.9, 100]
      : xScale === 'log'
        ? logTicks(xMin, xMax)
        : linearTicks(xMin, xMax, 8)
  const formatX = chart.formatX ?? ((x: number) => (xScale === 'nines' ? (x >= 100 ? 'max' : `p${x}`) : shortNumber(x)))
  for (const tick of xTicks) {
    const x = px(tick).toFixed(1)
    body.push(`<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="#f3f4f6"/>`)
    body.push(
      `<text x="${x}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle" fill="#57606a">${escapeXml(formatX(tick))}</text>`,
    )
  }
  body.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#8c959f"/>`,
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 12}" text-anchor="middle" fill="#1f2328">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" fill="#1f2328">${escapeXml(chart.yLabel)}</text>`,
  )
  for (const guide of chart.guides ?? []) {
    const y = py(guide.y).toFixed(1)
    body.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}" stroke="#bf8700" stroke-dasharray="6 4"/>`,
    )
    body.push(`<text x="${MARGIN.left + 6}" y="${y}" dy="-5" fill="#9a6700">${escapeXml(guide.label)}</text>`)
  }
  for (const s of chart.series) {
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
    if (points.length === 0) continue
    const path = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')
    body.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`)
    for (const [x, y] of points)
      body.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`)
  }
  return frame(chart.title, [...body, ...legend(chart.series)])
}

/** Renders a grouped bar chart to SVG text. */
export function renderBarChart(chart: BarChart): string {
  const values = chart.series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite)
  if (values.length === 0) return frame(`${chart.title} (no data)`, [])
  const yMax = Math.max(...values) * 1.12
  const py = (y: number) => MARGIN.top + PLOT_H - (y / yMax) * PLOT_H
  const body: string[] = []
  for (const tick of linearTicks(0, yMax)) {
    const y = py(tick).toFixed(1)
    body.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}" stroke="#eaeef2"/>`)
    body.push(
      `<text x="${MARGIN.left - 8}" y="${y}" dy="4" text-anchor="end" fill="#57606a">${shortNumber(tick)}</text>`,
    )
  }
  const groupWidth = PLOT_W / chart.categories.length
  const barWidth = (groupWidth * 0.8) / chart.series.length
  chart.categories.forEach((category, c) => {
    const groupX = MARGIN.left + c * groupWidth + groupWidth * 0.1
    body.push(
      `<text x="${groupX + groupWidth * 0.4}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle" fill="#57606a">${escapeXml(category)}</text>`,
    )
    chart.series.forEach((s, i) => {
      const value = s.points.find(([x]) => x === c)?.[1]
      if (value === undefined || !Number.isFinite(value)) return
      const x = groupX + i * barWidth
      const y = py(value)
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(MARGIN.top + PLOT_H - y).toFixed(1)}" fill="${s.color}"/>`,
      )
      body.push(
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#1f2328">${shortNumber(value)}</text>`,
      )
    })
  })
  body.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#8c959f"/>`,
    `<text transform="translate(18 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" fill="#1f2328">${escapeXml(chart.yLabel)}</text>`,
  )
  return frame(chart.title, [...body, ...legend(chart.series)])
}
