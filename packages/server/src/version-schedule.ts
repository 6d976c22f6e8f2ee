import { syncDefaults } from './defaults.js'

/** When automatic versions are taken. */
export interface VersionScheduleOptions {
  /** Take a version once editing paused this long, in ms. @default 30000 */
  versionPause?: number
  /** While editing goes on, take one at least this often, in ms. @default 300000 */
  maxVersionInterval?: number
}

/** The changes not yet in a version: when the first and the latest of them were made, in epoch ms. */
export interface Unversioned {
  readonly first: number
  readonly last: number
}

/**
 * When the next automatic version is due (epoch ms): a pause after the latest change, but no later than the
 * longest interval after the first change not in a version. Pure.
 */
export function versionDue(changes: Unversioned, options: VersionScheduleOptions = {}): number {
  const pause = options.versionPause ?? syncDefaults.versionPause
  const interval = options.maxVersionInterval ?? syncDefaults.maxVersionInterval
  return Math.min(changes.last + pause, changes.first + interval)
}

/**
 * Keeps, per document, the changes not yet in a version and a timer for the next automatic one. `take` is called
 * with the document's name and the time of its latest change once a version is due; the changes made after
 * that call start the next stretch.
 */
export class VersionSchedule {
  private readonly pending = new Map<string, { changes: Unversioned; timer: ReturnType<typeof setTimeout> }>()

  constructor(
    private readonly take: (name: string, lastChange: number) => void,
    private readonly now: () => number,
    private readonly options: VersionScheduleOptions = {},
  ) {}

  /**
   * A change was made to `name` at `at` (epoch ms). Called for every change, so it only notes the time: the
   * timer already set finds the version not due yet when it fires, and waits again for the rest.
   */
  changed(name: string, at: number): void {
    const earlier = this.pending.get(name)
    if (earlier) {
      earlier.changes = { first: earlier.changes.first, last: Math.max(at, earlier.changes.last) }
      return
    }
    const changes = { first: at, last: at }
    this.pending.set(name, { changes, timer: this.arm(name, changes) })
  }

  /** Stops every timer; no version is taken after this. */
  stop(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer)
    this.pending.clear()
  }

  private arm(name: string, changes: Unversioned): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => this.fire(name), Math.max(0, versionDue(changes, this.options) - this.now()))
    timer.unref?.()
    return timer
  }

  private fire(name: string): void {
    const entry = this.pending.get(name)
    if (!entry) return
    if (versionDue(entry.changes, this.options) > this.now()) {
      entry.timer = this.arm(name, entry.changes)
      return
    }
    this.pending.delete(name)
    this.take(name, entry.changes.last)
  }
}
