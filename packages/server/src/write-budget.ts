import { BURST_SECONDS, type WriteLimits } from './write-limits.js'

/** The refill rates and sizes of the budgets, worked out once per server from its {@link WriteLimits}. */
export interface BudgetRates {
  readonly messagesPerMs: number
  readonly messageBurst: number
  readonly bytesPerMs: number
  readonly byteBurst: number
  readonly syncRequestsPerMs: number
  readonly syncRequestBurst: number
}

/** The budget rates of `limits`, for a server that takes frames of up to `maxMessageSize` bytes. */
export function budgetRates(limits: WriteLimits, maxMessageSize: number): BudgetRates {
  return {
    messagesPerMs: limits.messagesPerSecond / 1000,
    messageBurst: limits.messagesPerSecond * BURST_SECONDS,
    bytesPerMs: limits.bytesPerSecond / 1000,
    byteBurst: Math.max(limits.bytesPerSecond * BURST_SECONDS, maxMessageSize),
    syncRequestsPerMs: limits.syncRequestsPerMinute / 60_000,
    syncRequestBurst: limits.syncRequestsPerMinute,
  }
}

/** What a connection ran out of. */
export type Exhausted = 'messages' | 'bytes' | 'sync requests'

/**
 * One connection's budgets: token buckets of messages, bytes and sync requests that refill as time passes and
 * start full. Three numbers and a time, so that an idle connection pays little for them.
 */
export class WriteBudget {
  private messages: number
  private bytes: number
  private syncRequests: number
  private refilledAt = performance.now()

  constructor(private readonly rates: BudgetRates) {
    this.messages = rates.messageBurst
    this.bytes = rates.byteBurst
    this.syncRequests = rates.syncRequestBurst
  }

  /** Spends one message of `bytes`; returns what ran out, or `null` when the budget covers it. */
  spendMessage(bytes: number): Exhausted | null {
    this.refill()
    this.messages--
    this.bytes -= bytes
    if (this.messages < 0) return 'messages'
    if (this.bytes < 0) return 'bytes'
    return null
  }

  /** Spends one sync request; returns whether the budget covers it. */
  spendSyncRequest(): boolean {
    this.refill()
    this.syncRequests--
    return this.syncRequests >= 0
  }

  private refill(): void {
    const now = performance.now()
    const elapsed = now - this.refilledAt
    this.refilledAt = now
    const { rates } = this
    this.messages = Math.min(rates.messageBurst, this.messages + elapsed * rates.messagesPerMs)
    this.bytes = Math.min(rates.byteBurst, this.bytes + elapsed * rates.bytesPerMs)
    this.syncRequests = Math.min(rates.syncRequestBurst, this.syncRequests + elapsed * rates.syncRequestsPerMs)
  }
}
