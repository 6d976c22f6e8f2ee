/**
 * Per-client-IP limits: connection attempts per minute, backoff after authentication failures, and open
 * documents. In memory, per process; entries that stop mattering are dropped so memory stays bounded.
 */

/** Settings of the limits. */
export interface RateLimitOptions {
  /** Connection attempts (and API calls) one IP may make per minute. @default 120 */
  attemptsPerMinute?: number
  /** Failed authentications from one IP before it must wait, doubling from 1 s up to 5 min. @default 5 */
  failuresBeforeBackoff?: number
  /** Different documents one IP may have open at once. @default 50 */
  docsPerIp?: number
}

const minute = 60_000
const maxBackoff = 5 * minute
/** A failure older than this no longer counts. */
const failureMemory = 15 * minute

interface Window {
  start: number
  count: number
}
interface Failures {
  count: number
  last: number
  blockedUntil: number
}

/** Tracks the limits for every client IP. */
export class RateLimits {
  readonly attemptsPerMinute: number
  readonly failuresBeforeBackoff: number
  readonly docsPerIp: number
  private readonly windows = new Map<string, Window>()
  private readonly failures = new Map<string, Failures>()
  private readonly openDocs = new Map<string, Map<string, number>>()
  private lastPrune = Date.now()

  constructor(options: RateLimitOptions = {}) {
    this.attemptsPerMinute = options.attemptsPerMinute ?? 120
    this.failuresBeforeBackoff = options.failuresBeforeBackoff ?? 5
    this.docsPerIp = options.docsPerIp ?? 50
  }

  /** Counts an attempt; returns the seconds to wait when the IP is over its limit, else 0. */
  attempt(ip: string, now = Date.now()): number {
    this.prune(now)
    const blocked = this.failures.get(ip)
    if (blocked && blocked.blockedUntil > now) return Math.ceil((blocked.blockedUntil - now) / 1000)
    let window = this.windows.get(ip)
    if (!window || now - window.start >= minute) {
      window = { start: now, count: 0 }
      this.windows.set(ip, window)
    }
    window.count++
    return window.count > this.attemptsPerMinute ? Math.ceil((window.start + minute - now) / 1000) : 0
  }

  /** Records a failed authentication. */
  failed(ip: string, now = Date.now()): void {
    const entry = this.failures.get(ip)
    const count = entry && now - entry.last < failureMemory ? entry.count + 1 : 1
    const over = count - this.failuresBeforeBackoff
    const blockedUntil = over >= 0 ? now + Math.min(1000 * 2 ** over, maxBackoff) : 0
    this.failures.set(ip, { count, last: now, blockedUntil })
  }

  /** Whether the IP may open `doc` without going over its cap of open documents. */
  mayOpen(ip: string, doc: string): boolean {
    const docs = this.openDocs.get(ip)
    return !docs || docs.has(doc) || docs.size < this.docsPerIp
  }

  /** Counts a connection of `ip` to `doc`; call {@link closed} when it ends. */
  opened(ip: string, doc: string): void {
    let docs = this.openDocs.get(ip)
    if (!docs) {
      docs = new Map()
      this.openDocs.set(ip, docs)
    }
    docs.set(doc, (docs.get(doc) ?? 0) + 1)
  }

  closed(ip: string, doc: string): void {
    const docs = this.openDocs.get(ip)
    const count = docs?.get(doc)
    if (!docs || count === undefined) return
    if (count > 1) docs.set(doc, count - 1)
    else docs.delete(doc)
    if (docs.size === 0) this.openDocs.delete(ip)
  }

  private prune(now: number): void {
    if (now - this.lastPrune < minute) return
    this.lastPrune = now
    for (const [ip, window] of this.windows) if (now - window.start >= minute) this.windows.delete(ip)
    for (const [ip, entry] of this.failures) {
      if (now - entry.last >= failureMemory && entry.blockedUntil <= now) this.failures.delete(ip)
    }
  }
}
