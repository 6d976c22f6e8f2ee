import { relative, resolve } from 'node:path'
import { defaultResultsDir, repoRoot } from './paths.js'
import { SERVER_KINDS, type ServerKind } from './servers/server-under-test.js'

/** The scenarios, in the order a full run runs them. */
export const SCENARIOS = [
  'fanout',
  'history-cpu',
  'big-rooms',
  'checks',
  'idle',
  'cold-load',
  'persistence',
  'webhooks',
  'scale-out',
  'collab',
  'browser',
  'big-doc',
  'big-memory',
] as const
export type ScenarioId = (typeof SCENARIOS)[number]

/** What `pnpm bench` was asked to do. */
export interface BenchOptions {
  scenarios: ScenarioId[]
  servers: ServerKind[]
  quick: boolean
  /** Run the servers under `node --cpu-prof` and summarise where their time goes. */
  profile: boolean
  /** Write the tables and charts into docs/benchmarks.md and docs/images/. */
  publish: boolean
  /** Results directory of this run; a new timestamped one under {@link defaultResultsDir} by default. */
  outDir: string | null
  tracesDir: string | null
  /** Pin the server and the load generator to their cores with taskset. */
  pin: boolean
  /** Idle scenario: a heap snapshot of every server at the largest connection count, summarised. */
  heap: boolean
  /** Fan-out scenarios: one stage at this rate instead of the sweep (to profile a given load). */
  rate: number | null
  /** Re-render the report of an earlier run (its results directory) instead of running anything. */
  reportDir: string | null
  help: boolean
}

/** {@link defaultResultsDir} as the help shows it: from the repository's root, where `pnpm bench` runs. */
const resultsDir = relative(repoRoot, defaultResultsDir)

/** The `pnpm bench --help` text. */
export const HELP = `Usage: pnpm bench [options]

Benchmarks Tandem against the reference y-websocket server and a raw ws broadcaster on this machine. Each
server runs in its own process pinned to core 1 (taskset), the load generator in another pinned to core 0.
Results (Markdown, JSON, SVG charts) go to ${resultsDir}/<date>/. See docs/benchmarks.md.

Options:
  --scenario <list>  Scenarios to run, comma-separated (default: all):
                       fanout       50 rooms x 10 clients: latency, CPU, and the knee of the insert rate
                       history-cpu  what keeping history costs: server CPU of Tandem + SQLite with history and
                                    without it (TANDEM_HISTORY=off), with a version every 2 s, the
                                    reference server beside, at the fan-out's 2,500 inserts/s,
                                    alternating runs, repeated 5 times
                       big-rooms    5 rooms x 100 clients: the same
                       checks       the server's update checks (inspectUpdate) and, for scale, Y.applyUpdate
                                    on the traces' and the fan-out's updates, in this process (no server): ns
                                    per update, and the checks' share of one core at the fan-out knee
                       idle         1k/5k/10k idle connections over 1k rooms: sync time, RSS per connection
                       cold-load    a fresh client syncing a 100k-edit and the automerge-paper document,
                                    from memory and (Tandem + SQLite) from storage after a restart
                       persistence  committed updates/s and saved-acknowledgement delays
                       webhooks     saved-acknowledgement delays with webhooks off, to a receiver that
                                    never answers, and to one that answers at once
                       scale-out    50 rooms x 10 clients on 1, 2 and 3 Tandem instances on PostgreSQL and
                                    Redis (each room's clients spread over them) against 1 instance without
                                    Redis: latency, CPU of every process, bus messages and bytes per update;
                                    all Tandem, whatever --servers says (needs PostgreSQL and redis-server)
                       collab       the friendsforever trace replayed by two clients
                       browser      Chromium: keystroke-to-remote-render, opening automerge-paper
                       big-doc      Chromium: typing in a 2 MiB, 26,000-line Markdown document without blank
                                    lines, locally and to another person (Tandem + SQLite only)
                       big-memory   a 40 MiB document: the server's resident memory before and at its peak
                                    while it is uploaded, synced by two newcomers, and loaded from storage
  --servers <list>   Servers to compare (default: all): ${SERVER_KINDS.join(', ')}
  --quick            Short stages, fewer steps, no repeats of disturbed measurements (under 3 minutes);
                     figures are rougher.
  --profile          Run the servers under node --cpu-prof and summarise their top functions (slows them
                     down: use it to see where time goes, not for the figures).
  --rate <n>         Fan-out and scale-out scenarios: one stage at n inserts/s instead of the sweep (e.g. to profile it).
  --heap             Idle scenario: take a heap snapshot of each server at the largest connection count and
                     summarise its memory per connection by kind of object (the files stay in the results).
  --publish          Write the tables and charts into docs/benchmarks.md and docs/images/.
  --out <dir>        Results directory (default: ${resultsDir}/<date>).
  --report <dir>     Run nothing: re-render the report (and charts) of an earlier run from its results.json;
                     with --publish, publish it.
  --traces <dir>     The editing traces (default: $TANDEM_TRACES, else ../shared/traces beside the repo).
  --no-pin           Do not pin processes to cores.
  -h, --help         Show this help.

Examples:
  pnpm bench                                   the full run (about 25 minutes on 2 cores)
  pnpm bench --quick --scenario fanout         one scenario, quickly
  pnpm bench --profile --scenario fanout --rate 2500 --servers tandem-sqlite`

/** Parses the command line; throws a message for the user on a bad option. */
export function parseOptions(args: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    scenarios: [...SCENARIOS],
    servers: [...SERVER_KINDS],
    quick: false,
    profile: false,
    publish: false,
    outDir: null,
    tracesDir: null,
    pin: true,
    reportDir: null,
    rate: null,
    heap: false,
    help: false,
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    const value = () => {
      const next = args[++i]
      if (next === undefined || next.startsWith('--')) throw new Error(`Option ${arg} needs a value.`)
      return next
    }
    if (arg === '--') continue
    else if (arg === '-h' || arg === '--help') options.help = true
    else if (arg === '--quick') options.quick = true
    else if (arg === '--profile') options.profile = true
    else if (arg === '--publish') options.publish = true
    else if (arg === '--no-pin') options.pin = false
    else if (arg === '--heap') options.heap = true
    else if (arg === '--out') options.outDir = resolve(value())
    else if (arg === '--report') options.reportDir = resolve(value())
    else if (arg === '--rate') {
      const rate = Number(value())
      if (!Number.isFinite(rate) || rate <= 0) throw new Error('--rate needs a positive number of inserts per second.')
      options.rate = rate
    } else if (arg === '--traces') options.tracesDir = resolve(value())
    else if (arg === '--scenario' || arg === '--scenarios') options.scenarios = pick(value(), SCENARIOS, 'scenario')
    else if (arg === '--servers' || arg === '--server') options.servers = pick(value(), SERVER_KINDS, 'server')
    else throw new Error(`Unknown option "${arg}". Run "pnpm bench --help" for the options.`)
  }
  // The raw broadcaster is the yardstick of every ratio: it always runs when a scenario compares servers.
  if (!options.servers.includes('raw')) options.servers.unshift('raw')
  return options
}

function pick<T extends string>(raw: string, allowed: readonly T[], what: string): T[] {
  const picked = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
  for (const name of picked) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw new Error(`Unknown ${what} "${name}"; choose from ${allowed.join(', ')}.`)
    }
  }
  // In the canonical order, whatever order they were given in.
  return allowed.filter((name) => picked.includes(name))
}
