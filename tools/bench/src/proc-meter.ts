import { readdirSync, readFileSync, writeFileSync } from 'node:fs'

// Linux reports process times in clock ticks; USER_HZ is 100 on every mainstream distribution and architecture.
const TICKS_PER_SECOND = 100

/**
 * Reads another process's CPU time and memory from /proc, so that every server is measured the same way from
 * outside, whatever it reports about itself. On systems without /proc every reading is `NaN`.
 */
export class ProcMeter {
  constructor(readonly pid: number) {}

  /** User plus system CPU time the process has used so far, in seconds. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8')
      // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
    } catch {
      return Number.NaN
    }
  }

  /** Resident set size (VmRSS) in bytes. */
  rssBytes(): number {
    return this.statusBytes('VmRSS')
  }

  /** The highest resident set size since the process started or since {@link resetHighWaterMark} (VmHWM). */
  highWaterMarkBytes(): number {
    return this.statusBytes('VmHWM')
  }

  /** Resets VmHWM to the current RSS (Linux ≥ 4.0, `/proc/<pid>/clear_refs`); `false` where it cannot. */
  resetHighWaterMark(): boolean {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5')
      return true
    } catch {
      return false
    }
  }

  private statusBytes(field: 'VmRSS' | 'VmHWM'): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8')
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
      return match ? Number(match[1]) * 1024 : Number.NaN
    } catch {
      return Number.NaN
    }
  }

  /** Starts sampling RSS every `intervalMs`; the returned function stops and gives the peak seen. */
  watchPeakRss(intervalMs = 200): () => number {
    let peak = this.rssBytes()
    const timer = setInterval(() => {
      const rss = this.rssBytes()
      if (rss > peak) peak = rss
    }, intervalMs)
    return () => {
      clearInterval(timer)
      return Math.max(peak, this.rssBytes())
    }
  }
}

/**
 * CPU time of a process and of its children together, from /proc: for a server made of several processes, such as
 * PostgreSQL's postmaster and the backends it forks. Children that have exited count through the parent's
 * `cutime`/`cstime` (the parent reaps them).
 */
export class ProcTreeMeter {
  constructor(readonly pid: number) {}

  /** User plus system CPU time, in seconds, of the process, its live children and its reaped ones. */
  cpuSeconds(): number {
    let ticks = 0
    let found = false
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const fields = statFields(Number(entry))
      if (!fields) continue
      const pid = Number(entry)
      // Fields after the command name: [1] is the parent pid, [11] utime, [12] stime, [13] cutime, [14] cstime.
      if (pid !== this.pid && Number(fields[1]) !== this.pid) continue
      if (pid === this.pid) found = true
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    }
    return found ? ticks / TICKS_PER_SECOND : Number.NaN
  }

  /** The process and its live children. */
  pids(): number[] {
    const pids: number[] = []
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const pid = Number(entry)
      if (pid === this.pid || Number(statFields(pid)?.[1]) === this.pid) pids.push(pid)
    }
    return pids
  }
}

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    // The process has just exited.
    return null
  }
}

/** CPU use over an interval, in cores (1.0 = one core busy the whole time), for a process measured from outside. */
export class CpuWindow {
  private readonly startCpu: number
  private readonly startWall = performance.now()

  constructor(private readonly meter: ProcMeter) {
    this.startCpu = meter.cpuSeconds()
  }

  /** Cores used since the window opened. */
  cores(): number {
    const seconds = (performance.now() - this.startWall) / 1000
    return (this.meter.cpuSeconds() - this.startCpu) / seconds
  }

  /** CPU seconds used since the window opened. */
  seconds(): number {
    return this.meter.cpuSeconds() - this.startCpu
  }
}

/** The calling process's own CPU use since `start` (from `process.cpuUsage()`), in cores. */
export function ownCores(start: NodeJS.CpuUsage, startWall: number): number {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000 / (performance.now() - startWall)
}

/**
 * CPU used by the whole machine, from /proc/stat: with the server's and the load generator's own use taken
 * away, it shows how much other work (another user's tests, say) ran during a measurement.
 */
export class MachineCpu {
  private readonly start = MachineCpu.read()
  private readonly startWall = performance.now()

  /** Busy cores of the whole machine since construction (NaN without /proc). */
  busyCores(): number {
    const end = MachineCpu.read()
    const total = end.total - this.start.total
    if (!(total > 0)) return Number.NaN
    const seconds = (performance.now() - this.startWall) / 1000
    // Ticks are per core: busy ticks over elapsed seconds gives cores.
    return (end.busy - this.start.busy) / TICKS_PER_SECOND / seconds
  }

  private static read(): { busy: number; total: number } {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string
      const [user, nice, system, idle, iowait, irq, softirq, steal] = line
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number) as number[]
      const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)
      return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) }
    } catch {
      return { busy: Number.NaN, total: Number.NaN }
    }
  }
}

/** Other processes using more than this much CPU during a measurement disturbed it. */
export const DISTURBED_CORES = 0.15

/**
 * How much CPU other processes took during a measurement: the machine's busy cores less the server's and this
 * (load) process's own. Start it when the measurement starts.
 */
export class OtherCpu {
  private readonly machine = new MachineCpu()
  private readonly own = process.cpuUsage()
  private readonly wall = performance.now()

  /** Cores used by other processes since the start, given the server's cores over the same period. */
  cores(serverCores: number): number {
    return Math.max(0, this.machine.busyCores() - serverCores - ownCores(this.own, this.wall))
  }
}
