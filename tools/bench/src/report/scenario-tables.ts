import type { FreshSync } from '../load/cold-clients.js'
import type { StageResult } from '../load/fanout-clients.js'
import { DISTURBED_CORES } from '../proc-meter.js'
import type { RunResults } from '../results.js'
import type { MainThreadCpu } from '../scenarios/big-doc.js'
import { peakRise } from '../scenarios/big-memory.js'
import { type ChecksShare, shareText } from '../scenarios/checks.js'
import { type FanoutScenarioResult, kneeIsLowerBound, stageAt, stagePasses } from '../scenarios/fanout.js'
import { HISTORY_VARIANTS, type HistoryVariant, historyCpuFigures, stageCores } from '../scenarios/history-cpu.js'
import { SERVER_LABELS, type ServerKind } from '../servers/server-under-test.js'
import { failedNote, fixed, kib, latencies, mb, ms, ratio, table, whole } from './format.js'

const label = (kind: ServerKind) => SERVER_LABELS[kind]

/** The fan-out tables: knee and fixed-rate comparison, then every stage of the sweeps. */
export function fanoutTables(scenario: FanoutScenarioResult): string {
  const { config } = scenario
  const raw = scenario.servers.find((s) => s.server === 'raw')
  const summary = table(
    [
      'server',
      'knee (inserts/s)',
      '× raw',
      'deliveries/s at knee',
      `at ${config.fixedRate.toLocaleString('en')}/s: CPU (cores)`,
      '× raw',
      'p50 / p99 / max (ms)',
      'p99 × raw',
      'peak RSS (MB)',
      'markers missing from the documents',
    ],
    scenario.servers.map((s) => {
      const atKnee = s.knee === null ? undefined : stageAt(s.stages, s.knee)
      return [
        label(s.server) + failedNote(s.error),
        kneeCell(s, config, config.rates.length > 1),
        config.rates.length === 1 ? '—' : ratio(s.knee, raw?.knee),
        config.rates.length === 1 ? '—' : whole(atKnee?.deliveriesPerSec),
        fixed(s.fixed?.serverCpuCores),
        ratio(s.fixed?.serverCpuCores, raw?.fixed?.serverCpuCores),
        s.fixed ? latencies(s.fixed.latency) : '—',
        ratio(s.fixed?.latency.p99, raw?.fixed?.latency.p99),
        mb(Math.max(...s.stages.map((stage) => stage.serverRssPeakBytes))),
        s.missingInDocs === null ? 'n/a (keeps no document)' : `${whole(s.missingInDocs)} of ${whole(s.markers)}`,
      ]
    }),
  )
  const sweep = sweepTable(
    scenario.servers.map((s) => ({ name: label(s.server), stages: s.stages })),
    (stage) => stageCell(stage),
  )
  return [
    summary,
    '',
    `Every stage of the sweep (${(config.stageMs / 1000).toFixed(1)} s of inserts, then up to ${(config.drainMs / 1000).toFixed(1)} s for ` +
      'the last deliveries): p99 latency, server CPU, load generator CPU; ✓ meets the knee conditions.',
    '',
    sweep,
  ].join('\n')
}

/** A knee in a table: `≥` when the sweep found no limit, and what it is when there is no number to show. */
export function kneeCell(
  run: { knee: number | null; stages: readonly StageResult[] },
  config: { rates: readonly number[] },
  swept: boolean,
): string {
  if (!swept) return 'not swept'
  if (run.knee === null) return 'below the first rate'
  return `${kneeIsLowerBound(run, config) ? '≥ ' : ''}${whole(run.knee)}`
}

/** A table of every stage of the sweeps: a row per rate, a column per sweep, `cell` of its stage at that rate. */
export function sweepTable<T extends StageResult>(
  columns: { name: string; stages: readonly T[] }[],
  cell: (stage: T) => string,
): string {
  const rates = [...new Set(columns.flatMap((column) => column.stages.map((stage) => stage.rate)))].sort(
    (a, b) => a - b,
  )
  return table(
    ['inserts/s', ...columns.map((column) => column.name)],
    rates.map((rate) => [
      whole(rate),
      ...columns.map((column) => {
        const stage = stageAt(column.stages, rate)
        return stage ? cell(stage) : ''
      }),
    ]),
  )
}

/**
 * A sweep table's cell: p99, the server side's and the load generator's CPU, whether the stage meets the knee
 * conditions, and what went wrong. `serverCores` is the server side's CPU when it is more than one process.
 */
export function stageCell(stage: StageResult, serverCores = stage.serverCpuCores): string {
  const problems = [
    stage.lost > 0 ? `${whole(stage.lost)} lost` : '',
    stage.dropped > 0 ? `${stage.dropped} dropped` : '',
    stage.sentRate < stage.rate * 0.97 ? `sent only ${whole(stage.sentRate)}/s` : '',
    stage.otherCpuCores > DISTURBED_CORES ? `other processes used ${fixed(stage.otherCpuCores)} cores` : '',
  ].filter(Boolean)
  return (
    `${ms(stage.latency.p99)} ms, ${fixed(serverCores)} / ${fixed(stage.loadCpuCores)} cores ` +
    `${stagePasses(stage) ? '✓' : '✗'}${problems.length ? ` (${problems.join(', ')})` : ''}`
  )
}

/** A note for a measurement that other processes disturbed even after its repeats (older runs: none). */
export function disturbed(otherCpuCores: number | undefined): string {
  return otherCpuCores !== undefined && otherCpuCores > DISTURBED_CORES
    ? ` (disturbed: other processes used ${fixed(otherCpuCores)} cores)`
    : ''
}

/** The update checks: ns per update of the checks and of applying, per set of updates, then their share of the knee. */
export function checksTables(results: NonNullable<RunResults['checks']>, share: ChecksShare | null): string {
  const { bounds, config } = results
  const clock = Number.isInteger(Math.log2(bounds.maxClock))
    ? `2^${Math.log2(bounds.maxClock)}`
    : whole(bounds.maxClock)
  const intro =
    "Measured in the bench process, without a server: `inspectUpdate` against a server's default bounds " +
    `(clocks up to ${clock}, ${whole(bounds.maxClients)} clients and ${whole(bounds.maxStructs)} structs per update) and, ` +
    'for scale, `Y.applyUpdate` of the same updates in order into fresh documents. The updates are those clients send, ' +
    'one per transaction: automerge-paper typed by one client' +
    (config.automergeTxns > 0 ? ` (its first ${whole(config.automergeTxns)} transactions)` : '') +
    ", friendsforever by its two people, and the fan-out scenario's own inserts. Nanoseconds per update: the median " +
    `of ${config.passes} passes after a warm-up (a small set is checked several times over in each pass). The ` +
    "per-connection budgets' few operations per message are not included" +
    `${disturbed(results.otherCpuCores)}.`
  const rows = table(
    ['updates', 'count', 'bytes per update (mean)', 'check (ns per update)', 'apply (ns per update)', 'check ÷ apply'],
    results.sets.map((set) => [
      set.name,
      whole(set.updates),
      fixed(set.meanBytes, 1),
      whole(set.checkNs),
      whole(set.applyNs),
      `${fixed((set.checkNs / set.applyNs) * 100, 1)} %`,
    ]),
  )
  const skipped = results.skipped.map((line) => `\n\nNot measured: ${line}.`).join('')
  return `${intro}\n\n${rows}${skipped}\n\n**Share of the fan-out knee:** ${shareText(share)}.`
}

/** The idle-capacity table. */
export function idleTable(results: NonNullable<RunResults['idle']>): string {
  const raw = (connections: number) => results.runs.find((r) => r.server === 'raw' && r.connections === connections)
  return table(
    [
      'server',
      'connections',
      'all connected and synced (s)',
      '× raw',
      'everyone sees everyone (s)',
      'RSS per connection (KiB)',
      '× raw',
      'dropped',
      'failed',
    ],
    results.runs.map((r) => [
      label(r.server) + (r.error ? ' (failed)' : '') + disturbed(r.otherCpuCores),
      whole(r.connections),
      fixed(r.connectMs / 1000),
      ratio(r.connectMs, raw(r.connections)?.connectMs),
      r.server === 'raw' ? 'n/a' : fixed(r.allPresentMs / 1000) + (r.incomplete ? ` (${r.incomplete} incomplete)` : ''),
      kib(r.rssPerConnectionBytes),
      ratio(r.rssPerConnectionBytes, raw(r.connections)?.rssPerConnectionBytes),
      whole(r.dropped),
      whole(r.failed),
    ]),
  )
}

/** With --heap: each server's JavaScript heap per connection, by kind of object, and the closure scopes kept per connection. */
export function heapTables(results: NonNullable<RunResults['idle']>): string {
  return (results.heap ?? [])
    .map((heap) => {
      const scopes = heap.contexts.map((c) => `{${c.variables}} ×${whole(c.count)}`).join('; ')
      return [
        `**${label(heap.server as ServerKind)}**, ${whole(heap.connections)} connections (${heap.file}): JavaScript heap ` +
          `${mb(heap.totalBytes)} MB, ${kib(heap.perConnectionBytes)} KiB per connection. Closure scopes kept per connection: ${scopes || 'none'}.`,
        '',
        table(
          ['kind of object', 'per connection', 'bytes per connection'],
          heap.top.map((t) => [`\`${t.kind}\``, fixed(t.perConnection, 1), whole(t.bytesPerConnection)]),
        ),
      ].join('\n')
    })
    .join('\n\n')
}

/** The cold-load tables. */
export function coldTables(results: NonNullable<RunResults['cold']>): string {
  const docs = table(
    ['document', 'edits', 'characters', 'Y.encodeStateAsUpdate (bytes)', 'uploaded as'],
    results.docs.map((d) => [
      d.doc,
      whole(d.edits),
      whole(d.textLength),
      whole(d.stateBytes),
      `${whole(d.updates)} updates`,
    ]),
  )
  const reference = (doc: string) => results.runs.find((r) => r.server === 'reference' && r.doc === doc)
  const state = (doc: string) => results.docs.find((d) => d.doc === doc)?.stateBytes
  const runs = table(
    [
      'document',
      'server',
      'fresh client synced, from memory (ms)',
      '× reference',
      'from storage after a restart (ms)',
      '× reference from memory',
      'stored bytes (after upload / after restart)',
      '× state',
    ],
    results.runs.map((r) => [
      r.doc,
      label(r.server) + (r.error ? ' (failed)' : ''),
      `${ms(r.fromMemoryMs)} (${phases(r.fromMemory)})`,
      ratio(r.fromMemoryMs, reference(r.doc)?.fromMemoryMs),
      r.fromStorageMs === null ? '—' : `${ms(r.fromStorageMs)} (${phases(r.fromStorage)})`,
      ratio(r.fromStorageMs, reference(r.doc)?.fromMemoryMs),
      r.storedBytes === null ? '—' : `${whole(r.storedBytes)} / ${whole(r.storedBytesAfterRestart)}`,
      ratio(Math.max(r.storedBytes ?? Number.NaN, r.storedBytesAfterRestart ?? 0), state(r.doc)),
    ]),
  )
  const database =
    results.databaseBytes === null
      ? ''
      : `\n\nTandem + SQLite's database files (tandem.sqlite, WAL) after the restarts: ${whole(results.databaseBytes)} bytes.`
  return `${docs}\n\n${runs}${database}`
}

/**
 * The median sync's three phases: connection open (on Tandem this includes loading the document), the
 * server's answer (its step 1 to our step 2, i.e. encoding the document), and the client applying it.
 */
function phases(syncs: FreshSync[]): string {
  if (syncs.length === 0) return '—'
  const sync = [...syncs].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(syncs.length / 2)] as FreshSync
  return `${ms(sync.opened - sync.started)} + ${ms(sync.received - sync.opened)} + ${ms(sync.applied - sync.received)}`
}

/** The persistence tables. */
export function persistenceTables(results: NonNullable<RunResults['persistence']>): string {
  const parts: string[] = []
  if (results.throughput.length > 0) {
    parts.push(
      table(
        ['server', 'writers × window', 'committed updates/s', 'saved p50 / p99 / max (ms)', 'server CPU (cores)'],
        results.throughput.map((r) => [
          label(r.server) + disturbed(r.otherCpuCores),
          `${r.rooms} × ${r.window}`,
          whole(r.committedPerSec),
          latencies(r.ack),
          fixed(r.serverCpuCores),
        ]),
      ),
    )
  }
  const load = results.underLoad
  if (load) {
    parts.push(
      table(
        [
          'server',
          'fan-out 50 × 10 at',
          'saved p50 / p99 / max (ms)',
          'unacknowledged',
          'delivery p99 (ms)',
          'lost',
          'server CPU',
        ],
        [
          [
            label(load.server) + disturbed(load.otherCpuCores),
            `${whole(load.rate)} inserts/s (${load.kneeSource})`,
            load.ack ? latencies(load.ack) : '—',
            whole(load.unacked),
            ms(load.latency.p99),
            whole(load.lost),
            fixed(load.serverCpuCores),
          ],
        ],
      ),
    )
  }
  return parts.join('\n\n')
}

/** The real-collaboration table. */
export function collabTable(results: NonNullable<RunResults['collab']>): string {
  const raw = (mode: string) => results.runs.find((r) => r.server === 'raw' && r.mode === mode)
  return table(
    ['server', 'replay', 'transactions', 'p50 / p99 / max (ms)', 'p99 × raw', 'both clients end right', 'fresh client'],
    results.runs.map((r) => [
      label(r.server) + disturbed(r.otherCpuCores),
      `${r.mode}, ${whole(r.rate)}/s`,
      whole(r.txns),
      latencies(r.latency),
      ratio(r.latency.p99, raw(r.mode)?.latency.p99),
      r.clientsMatch.every(Boolean) ? 'yes' : 'NO',
      r.freshMatches === null ? 'n/a' : r.freshMatches ? 'yes' : 'NO',
    ]),
  )
}

/** The browser table. */
export function browserTable(results: NonNullable<RunResults['browser']>): string {
  const raw = results.servers.find((s) => s.server === 'raw')
  return table(
    [
      'server',
      'keystroke → remote DOM p50 / p99 (ms)',
      'keystroke → next frame p50 / p99 / max (ms)',
      'p99 × raw',
      'typist: keydown → sent p50 / p99',
      'receiver: message → DOM p50 / p99',
      'missing',
      'open automerge-paper: synced / rendered (ms)',
    ],
    results.servers.map((s) => {
      const open = s.open.length > 0 ? s.open[Math.floor(s.open.length / 2)] : undefined
      return [
        label(s.server) + failedNote(s.error),
        `${ms(s.latencyDom.p50)} / ${ms(s.latencyDom.p99)}`,
        latencies(s.latencyFrame),
        ratio(s.latencyFrame.p99, raw?.latencyFrame.p99),
        `${ms(s.typistSide.p50)} / ${ms(s.typistSide.p99)}`,
        `${ms(s.receiverSide.p50)} / ${ms(s.receiverSide.p99)}`,
        whole(s.missing),
        open ? `${ms(open.syncedMs)} / ${ms(open.renderedMs)}` : s.server === 'raw' ? 'n/a (keeps no document)' : '—',
      ]
    }),
  )
}

/** The big-document table: what typing costs locally and to the other person, per way of showing it. */
export function bigDocTable(results: NonNullable<RunResults['bigDoc']>): string {
  return table(
    [
      'editors show',
      'key press → own next frame p50 / p99 / max (ms)',
      'key press → other’s next frame p50 / p99 / max (ms)',
      'missing',
    ],
    results.variants.map((v) => [
      v.label + failedNote(v.error),
      latencies(v.local),
      latencies(v.remote),
      whole(v.missing),
    ]),
  )
}

/**
 * The big document's main-thread CPU per keystroke, typist and reader: thread time from Chromium's counters,
 * which the machine's load moves far less than the latencies.
 */
export function bigDocCpuTable(results: NonNullable<RunResults['bigDoc']>): string {
  const cpu = (c: MainThreadCpu | undefined) =>
    c ? `${c.task.toFixed(1)} / ${c.script.toFixed(1)} / ${c.layout.toFixed(1)} / ${c.style.toFixed(1)}` : '—'
  return table(
    ['editors show', 'typist: all / script / layout / style (ms a keystroke)', 'reader: all / script / layout / style'],
    results.variants.map((v) => [v.label + failedNote(v.error), cpu(v.cpu?.typist), cpu(v.cpu?.reader)]),
  )
}

/**
 * The big-memory table: each server's resident memory before the 40 MiB document and its rise at the peak of each
 * phase (MiB), and the rise as a ratio to the reference server's.
 */
export function bigMemoryTable(results: NonNullable<RunResults['bigMemory']>): string {
  const mib = (bytes: number | null) => (bytes === null || !Number.isFinite(bytes) ? '—' : (bytes / 1048576).toFixed(0))
  const reference = results.runs.find((run) => run.server === 'reference')
  return table(
    [
      'server',
      'before (MiB)',
      'upload peak (MiB)',
      'two newcomers’ sync peak (MiB)',
      'each newcomer synced in (ms)',
      'highest rise (MiB)',
      '× reference',
      'after a restart → loaded from storage, peak (MiB)',
    ],
    results.runs.map((run) => [
      run.server + failedNote(run.error),
      mib(run.baselineRss),
      mib(run.uploadPeakRss),
      mib(run.syncPeakRss),
      run.syncMs?.length ? run.syncMs.map((ms) => whole(ms)).join(', ') : '—',
      mib(peakRise(run)),
      ratio(peakRise(run), reference && peakRise(reference)),
      run.storagePeakRss === null ? '—' : `${mib(run.storageBaselineRss)} → ${mib(run.storagePeakRss)}`,
    ]),
  )
}

/** The CPU profile summaries. */
export function profileTables(results: RunResults): string {
  return results.profiles
    .map((p) => {
      const areas = p.areas
        .filter((a) => a.area !== 'idle' && a.percent >= 1)
        .map((a) => `${a.area} ${a.percent.toFixed(1)}%`)
        .join(', ')
      return [
        `**${label(p.server as ServerKind)}, ${p.scenario}** (${p.file}): ${whole(p.totalMs)} ms sampled, ${p.idlePercent.toFixed(1)}% idle. By area: ${areas}.`,
        '',
        table(
          ['self time', '%', 'function', 'where'],
          p.top
            .slice(0, 12)
            .map((f) => [`${whole(f.selfMs)} ms`, f.percent.toFixed(1), `\`${f.name}\``, `\`${f.where}\``]),
        ),
      ].join('\n')
    })
    .join('\n\n')
}

/** The webhooks table: saved-acknowledgement delays with webhooks off, to a hanging receiver, to a fast one. */
export function webhookTables(results: NonNullable<RunResults['webhooks']>): string {
  const receivers = { off: 'webhooks off', hanging: 'receiver never answers', fast: 'receiver answers 200' }
  return table(
    [
      `fan-out ${results.rooms} × ${results.clientsPerRoom} at ${whole(results.rate)} inserts/s`,
      'saved p50 / p99 / max (ms)',
      'unacknowledged',
      'delivery p99 (ms)',
      'server CPU',
      'webhooks delivered / retried / dropped / timed out',
    ],
    results.runs.map((run) => [
      receivers[run.receiver] + disturbed(run.otherCpuCores),
      run.ack ? latencies(run.ack) : '–',
      whole(run.unacked),
      ms(run.latency.p99),
      fixed(run.serverCpuCores),
      run.webhooks
        ? [run.webhooks.delivered, run.webhooks.retried, run.webhooks.dropped, run.webhooks.timeouts]
            .map(whole)
            .join(' / ')
        : '–',
    ]),
  )
}

/**
 * The history CPU scenario: every run's server CPU in the order they ran (a row per repetition), then the medians
 * and the ratio of history on to off.
 */
export function historyCpuTables(results: NonNullable<RunResults['historyCpu']>): string {
  const { config, runs } = results
  const cell = (variant: HistoryVariant, repetition: number) => {
    const run = runs.find((r) => r.variant === variant && r.repetition === repetition)
    return run
      ? `${fixed(stageCores(run.stage), 3)} (p99 ${ms(run.stage.latency.p99)} ms${run.stage.lost > 0 ? `, ${whole(run.stage.lost)} lost` : ''}) ${stagePasses(run.stage) ? '✓' : '✗'}${disturbed(run.stage.otherCpuCores)}`
      : '—'
  }
  const rows: string[][] = []
  for (let repetition = 1; repetition <= config.repetitions; repetition++) {
    const on = runs.find((r) => r.variant === 'history on' && r.repetition === repetition)
    const off = runs.find((r) => r.variant === 'history off' && r.repetition === repetition)
    const versions = runs.find((r) => r.variant === 'versions every 2 s' && r.repetition === repetition)
    rows.push([
      String(repetition),
      ...HISTORY_VARIANTS.map((variant) => cell(variant, repetition)),
      ratio(on && stageCores(on.stage), off && stageCores(off.stage)),
      ratio(versions && stageCores(versions.stage), off && stageCores(off.stage)),
    ])
  }
  const figures = historyCpuFigures(results)
  if (figures) {
    rows.push([
      '**median**',
      ...HISTORY_VARIANTS.map((variant) => `**${fixed(figures.cores[variant], 3)}**`),
      `**${figures.pairedRatio.toFixed(3)}×** (${figures.pairs} of ${config.repetitions})`,
      figures.versionsRatio === null ? '–' : `**${figures.versionsRatio.toFixed(3)}×**`,
    ])
  }
  const about =
    `${config.rooms} rooms × ${config.clientsPerRoom} clients at ${whole(config.rate)} inserts/s for ` +
    `${config.stageMs / 1000} s after a warm-up, each run on a fresh server. Server CPU in cores: the CPU seconds ` +
    "it spent from the stage's start until its last delivery, per insert, times the rate (p99 delivery latency). " +
    'History off is the same Tandem + SQLite server with `TANDEM_HISTORY=off`. The ratio is history on over off ' +
    'within a repetition (the two runs next to each other); versions every 2 s is history on with ' +
    '`TANDEM_VERSION_MAX=2s`, so that every busy document takes an automatic version at least every 2 s. The median row counts only the runs in which the ' +
    'server kept up (✓: p99 within 100 ms, nothing lost): one that falls behind sends many changes per frame and ' +
    'uses less CPU per insert, so a starved run measures less work, not less cost.'
  const errors = results.errors.length ? `\n\nFailed runs: ${results.errors.join('; ')}.` : ''
  return `${about}\n\n${table(['repetition', ...HISTORY_VARIANTS, 'on / off', 'versions / off'], rows)}${errors}`
}
