import type { RunResults } from '../results.js'
import { checksShare } from '../scenarios/checks.js'
import { SERVER_LABELS } from '../servers/server-under-test.js'
import { TRACES_ATTRIBUTION } from '../traces.js'
import { FANOUT_INSERTS } from '../update-sets.js'
import type { Chart } from './charts.js'
import { fixed, table, whole } from './format.js'
import { scaleOutTables } from './scale-out-tables.js'
import {
  bigDocCpuTable,
  bigDocTable,
  bigMemoryTable,
  browserTable,
  checksTables,
  coldTables,
  collabTable,
  fanoutTables,
  heapTables,
  historyCpuTables,
  idleTable,
  persistenceTables,
  profileTables,
  webhookTables,
} from './scenario-tables.js'
import { evaluateTargets } from './targets.js'

/**
 * The report of a run in Markdown: the machine, the targets, then every scenario's tables and charts.
 * `imagePath` maps a chart's file name to the link the document uses.
 */
export function renderMarkdown(results: RunResults, charts: Chart[], imagePath: (name: string) => string): string {
  const { machine, load } = results
  const chart = (name: string) => {
    const found = charts.find((c) => c.name === name)
    return found ? `\n![${found.caption}](${imagePath(`${found.name}.svg`)})\n` : ''
  }
  const out: string[] = []
  out.push(
    table(
      ['', ''],
      [
        ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
        ['memory', `${machine.memoryGiB} GiB`],
        ['Node.js', machine.node],
        [
          'code',
          results.revision?.commit
            ? `commit ${results.revision.commit}${results.revision.serverDirty ? ' with uncommitted changes to the server' : ''}`
            : '—',
        ],
        ['OS', machine.os],
        ['date', machine.date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')],
        [
          'run',
          `${results.options.quick ? 'quick' : 'full'}, ${Math.round(results.durationSec / 60)} min` +
            (results.options.rate ? `, fan-out at ${results.options.rate} inserts/s only` : '') +
            (results.options.profile ? ', under --cpu-prof (figures not comparable)' : ''),
        ],
        [
          'pinning',
          results.pinned
            ? 'each server on core 1, the load generator (and Chromium) on core 0 (taskset)'
            : 'none (no taskset)',
        ],
        [
          'load average (1 min) during the run',
          `min ${fixed(load.min)}, mean ${fixed(load.mean)}, max ${fixed(load.max)}`,
        ],
        ['servers', results.options.servers.map((s) => SERVER_LABELS[s]).join(', ')],
      ],
    ),
  )
  out.push('\n### Targets\n')
  out.push(
    table(
      ['target', 'measured', 'met'],
      evaluateTargets(results).map((t) => [
        t.target,
        t.measured,
        t.met === null ? '—' : t.met ? '**met**' : '**not met**',
      ]),
    ),
  )
  if (results.fanout) {
    out.push('\n### Fan-out: 50 rooms × 10 clients\n')
    out.push(fanoutTables(results.fanout), chart('bench-fanout-sweep'), chart('bench-fanout-latency'))
  }
  if (results.historyCpu) {
    out.push('\n### What history costs: server CPU with and without it\n')
    out.push(historyCpuTables(results.historyCpu))
  }
  if (results.bigRooms) {
    out.push('\n### Big rooms: 5 rooms × 100 clients\n')
    out.push(fanoutTables(results.bigRooms), chart('bench-big-rooms-sweep'), chart('bench-big-rooms-latency'))
  }
  if (results.checks) {
    out.push('\n### Update checks\n')
    out.push(checksTables(results.checks, checksShare(results)))
  }
  if (results.idle) {
    out.push('\n### Idle capacity\n')
    out.push(idleTable(results.idle), chart('bench-idle-sync'), chart('bench-idle-rss'))
    if (results.idle.heap) out.push('\nHeap snapshots at the largest connection count:\n', heapTables(results.idle))
  }
  if (results.cold) {
    out.push('\n### Cold load\n')
    out.push(coldTables(results.cold))
  }
  if (results.persistence) {
    out.push('\n### Persistence\n')
    out.push(persistenceTables(results.persistence))
  }
  if (results.webhooks) {
    out.push('\n### Webhooks\n')
    out.push(webhookTables(results.webhooks))
  }
  if (results.scaleOut) {
    const { config, postgres, redis, pinned } = results.scaleOut
    out.push(`\n### Scale-out: ${config.rooms} rooms × ${config.clientsPerRoom} clients on 1, 2 and 3 instances\n`)
    out.push(
      `${postgres}; ${redis}. Each room's clients are spread round-robin over the instances. ` +
        (pinned
          ? 'Every instance, Redis and PostgreSQL share core 1; the load generator has core 0.'
          : 'Nothing is pinned.') +
        '\n',
    )
    out.push(scaleOutTables(results.scaleOut), chart('bench-scale-out-p99'))
  }
  if (results.collab) {
    out.push('\n### Real collaboration: friendsforever\n')
    out.push(collabTable(results.collab), chart('bench-collab-latency'))
  }
  if (results.browser) {
    out.push(`\n### Browser: Chromium ${results.browser.chromium}, ${results.browser.people} people\n`)
    out.push(browserTable(results.browser), chart('bench-browser-latency'))
  }
  if (results.bigDoc) {
    const { bigDoc } = results
    out.push(
      `\n### Big document: Chromium ${bigDoc.chromium}, ${whole(bigDoc.lines)} lines, ` +
        `${(bigDoc.chars / 1048576).toFixed(2)} MiB, ${bigDoc.keystrokes} keystrokes\n`,
    )
    out.push(bigDocTable(bigDoc))
    out.push("\nMain-thread CPU per keystroke (Chromium's counters, thread time):\n", bigDocCpuTable(bigDoc))
  }
  if (results.bigMemory) {
    const { bigMemory } = results
    out.push(
      `\n### Big document in memory: ${(bigMemory.textLength / 1048576).toFixed(1)} MiB of text, ` +
        `${(bigMemory.stateBytes / 1048576).toFixed(1)} MiB of Yjs state\n`,
    )
    out.push(bigMemoryTable(bigMemory))
  }
  if (results.profiles.length > 0) {
    out.push('\n### CPU profiles (node --cpu-prof, self time)\n')
    out.push(profileTables(results))
  }
  if (results.skipped.length > 0) {
    out.push('\n### Skipped\n')
    out.push(results.skipped.map((s) => `- ${s.scenario}: ${s.reason}`).join('\n'))
  }
  const tracesUsed = results.checks?.sets.some((set) => set.name !== FANOUT_INSERTS)
  if (results.cold || results.collab || results.browser || tracesUsed) out.push(`\n${TRACES_ATTRIBUTION}`)
  return `${out.join('\n')}\n`
}
