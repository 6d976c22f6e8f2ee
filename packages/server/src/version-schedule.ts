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

  /** A change was made to `name` at `at` (epoch ms). */
  changed(name: string, at: number): void {
    const earlier = this.pending.get(name)
    if (earlier) clearTimeout(earlier.timer)
    const changes = { first: earlier?.changes.first ?? at, last: Math.max(at, earlier?.changes.last ?? at) }
    const timer = setTimeout(
      () => {
        this.pending.delete(name)
        this.take(name, changes.last)
      },
      Math.max(0, versionDue(changes, this.options) - this.now()),
    )
    timer.unref?.()
    this.pending.set(name, { changes, timer })
  }

  /** Stops every timer; no version is taken after this. */
  stop(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer)
    this.pending.clear()
  }
}
