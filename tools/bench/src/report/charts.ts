import type { RunResults } from '../results.js'
import type { FanoutScenarioResult } from '../scenarios/fanout.js'
import { stageAt } from '../scenarios/fanout.js'
import { SERVER_KINDS, SERVER_LABELS, type ServerKind } from '../servers/server-under-test.js'
import type { Cdf } from '../stats.js'
import { renderBarChart, renderLineChart, type Series } from './svg-chart.js'

/** The colour of each server in every chart. */
const SERVER_COLORS: Record<ServerKind, string> = {
  raw: '#6e7781',
  'tandem-sqlite': '#0969da',
  'tandem-memory': '#54aeff',
  reference: '#cf222e',
  'tandem-postgres': '#8250df',
}

/** One chart of a run: its file name (without .svg), caption and SVG text. */
export interface Chart {
  name: string
  caption: string
  svg: string
}

/** Every chart the results allow. */
export function chartsFor(results: RunResults): Chart[] {
  const charts: Chart[] = []
  for (const [name, scenario] of [
    ['fanout', results.fanout],
    ['big-rooms', results.bigRooms],
  ] as const) {
    if (!scenario) continue
    const { rooms, clientsPerRoom, fixedRate } = scenario.config
    charts.push({
      name: `bench-${name}-sweep`,
      caption: `Fan-out ${rooms} × ${clientsPerRoom}: p99 delivery latency as the insert rate rises (the knee is the last point under 100 ms with nothing lost)`,
      svg: renderLineChart({
        title: `Fan-out, ${rooms} rooms × ${clientsPerRoom} clients: p99 latency by insert rate`,
        xLabel: 'inserts per second (all clients together)',
        yLabel: 'p99 delivery latency (ms)',
        yScale: 'log',
        guides: [{ y: 100, label: 'knee limit: p99 100 ms' }],
        series: sweepSeries(scenario),
      }),
    })
    charts.push({
      name: `bench-${name}-latency`,
      caption: `Fan-out ${rooms} × ${clientsPerRoom} at ${fixedRate.toLocaleString('en')} inserts/s: distribution of delivery latency`,
      svg: renderLineChart({
        title: `Fan-out ${rooms} × ${clientsPerRoom} at ${fixedRate.toLocaleString('en')} inserts/s: latency distribution`,
        xLabel: 'percentile',
        yLabel: 'delivery latency (ms)',
        xScale: 'nines',
        yScale: 'log',
        series: cdfSeries(scenario.servers.map((s) => [s.server, s.fixed?.latencyCdf ?? []])),
      }),
    })
  }
  if (results.idle) {
    const { levels, runs } = results.idle
    const categories = levels.map((n) => `${n.toLocaleString('en')} connections`)
    const bars = (value: (run: (typeof runs)[number]) => number): Series[] =>
      kinds(runs.map((r) => r.server)).map((server) => ({
        name: SERVER_LABELS[server],
        color: SERVER_COLORS[server],
        points: runs.filter((r) => r.server === server).map((r) => [levels.indexOf(r.connections), value(r)]),
      }))
    charts.push({
      name: 'bench-idle-rss',
      caption: 'Idle connections: server memory (RSS) per connection',
      svg: renderBarChart({
        title: 'Idle connections over 1,000 rooms: server RSS per connection',
        yLabel: 'KiB per connection',
        categories,
        series: bars((r) => r.rssPerConnectionBytes / 1024),
      }),
    })
    charts.push({
      name: 'bench-idle-sync',
      caption: 'Idle connections: time until every connection is open and synced',
      svg: renderBarChart({
        title: 'Idle connections over 1,000 rooms: time to connect and sync all',
        yLabel: 'seconds',
        categories,
        series: bars((r) => r.connectMs / 1000),
      }),
    })
  }
  if (results.scaleOut) {
    const { config, runs } = results.scaleOut
    const colors = ['#0969da', '#bf8700', '#cf222e', '#8250df']
    charts.push({
      name: 'bench-scale-out-p99',
      caption: `Scale-out, ${config.rooms} × ${config.clientsPerRoom}: p99 delivery latency by number of instances, at each fixed insert rate`,
      svg: renderBarChart({
        title: `Scale-out, ${config.rooms} rooms × ${config.clientsPerRoom} clients: p99 latency by instances`,
        yLabel: 'p99 delivery latency (ms)',
        // Short names: four categories share under 500 pixels.
        categories: runs.map(({ setup }) => `${setup.instances}${setup.redis ? ' + Redis' : ', no Redis'}`),
        series: config.fixedRates.map((rate, i) => ({
          name: `${rate.toLocaleString('en')} inserts/s`,
          color: colors[i % colors.length] as string,
          points: runs.flatMap((run, index): [number, number][] => {
            const stage = stageAt(run.stages, rate)
            return stage ? [[index, stage.latency.p99]] : []
          }),
        })),
      }),
    })
  }
  if (results.collab) {
    const fast = results.collab.runs.filter((r) => r.mode === 'fast')
    charts.push({
      name: 'bench-collab-latency',
      caption: `friendsforever replayed at ${results.collab.modes.find((m) => m.name === 'fast')?.rate.toLocaleString('en')} transactions/s: latency from one person's client to the other's`,
      svg: renderLineChart({
        title: 'friendsforever, fast replay: latency distribution',
        xLabel: 'percentile',
        yLabel: 'latency (ms)',
        xScale: 'nines',
        yScale: 'log',
        series: cdfSeries(fast.map((r) => [r.server, r.latencyCdf])),
      }),
    })
  }
  if (results.browser) {
    charts.push({
      name: 'bench-browser-latency',
      caption: `Chromium, ${results.browser.people} people, 2 typing: keystroke to the next frame after the character is in another person's editor`,
      svg: renderLineChart({
        title: `Browser: keystroke to remote render, ${results.browser.people} people`,
        xLabel: 'percentile',
        yLabel: 'latency (ms)',
        xScale: 'nines',
        yScale: 'log',
        series: cdfSeries(results.browser.servers.map((s) => [s.server, s.latencyFrameCdf])),
      }),
    })
  }
  return charts
}

function kinds(present: ServerKind[]): ServerKind[] {
  return SERVER_KINDS.filter((kind) => present.includes(kind))
}

function sweepSeries(scenario: FanoutScenarioResult): Series[] {
  return scenario.servers.map((s) => ({
    name: SERVER_LABELS[s.server],
    color: SERVER_COLORS[s.server],
    // A repeated stage counts once: its last attempt, as in the knee.
    points: [...new Map(s.stages.map((stage) => [stage.rate, stage])).values()]
      .sort((a, b) => a.rate - b.rate)
      .map((stage) => [stage.rate, Math.max(stage.latency.p99, 0.1)]),
  }))
}

function cdfSeries(entries: [ServerKind, Cdf][]): Series[] {
  return entries
    .filter(([, cdf]) => cdf.length > 0)
    .map(([server, cdf]) => ({
      name: SERVER_LABELS[server],
      color: SERVER_COLORS[server],
      points: cdf.map(([p, value]) => [p, Math.max(value, 0.01)]),
    }))
}
