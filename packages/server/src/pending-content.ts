import * as Y from 'yjs'

/** Whoever sent pending content: told when it is integrated, or when it passed a bound. */
export interface PendingOwner {
  /** All of its pending content is part of the document now. */
  pendingResolved(): void
  /** Its pending content passed a bound and was dropped; `reason` says which. */
  pendingRefused(reason: string): void
}

/** The bounds on pending content. */
export interface PendingLimits {
  /** Bytes one owner may leave waiting; a document holds at most {@link perDocument} times this. */
  readonly maxBytes: number
  /** Changes one owner may leave waiting; a document at most {@link perDocument} times this. */
  readonly maxUpdates: number
  /** How long a change may wait, in ms. */
  readonly maxAge: number
  readonly perDocument: number
}

/** One change that waits: a Yjs update (v2, as Yjs keeps them) and what it waits for. */
interface Part {
  readonly update: Uint8Array
  /** Retry once the document's state of a client passes the clock given for it. */
  readonly missing: ReadonlyMap<number, number>
  readonly owner: PendingOwner | null
  readonly origin: unknown
  /** When it first arrived (ms since the epoch). */
  readonly since: number
}

/**
 * Changes that wait for content the document has not seen, kept OUT of the Y.Doc. Yjs keeps such content in
 * the document's store, merges every later one into it, and writes it into every encoding of the whole state:
 * into newcomers' sync and into stored snapshots. Here each waiting change is kept on its own, with its sender,
 * and its sender is held to a size, a count and an age, so a client that makes up dependencies can neither bloat
 * the document nor stall it. The Y.Doc's store never holds pending content between two calls of {@link apply}.
 */
export class PendingContent {
  private parts: Part[] = []
  private bytes = 0
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly limits: PendingLimits,
    /** Told of expired content without an owner (another instance's); for a log line. */
    private readonly onOrphanExpired: (updates: number) => void,
  ) {}

  /** Whether `owner` has content waiting. */
  has(owner: PendingOwner): boolean {
    return this.parts.some((part) => part.owner === owner)
  }

  /**
   * Applies `update` (v1) to the document and keeps whatever of it has to wait. Retries what waited before once
   * what it lacks has arrived. Returns the reason when `owner` is now past a bound: its content was dropped then.
   * Throws what Y.applyUpdate throws.
   */
  apply(doc: Y.Doc, update: Uint8Array, origin: unknown, owner: PendingOwner | null): string | null {
    Y.applyUpdate(doc, update, origin)
    const kept = this.collect(doc, owner, origin, Date.now())
    if (this.parts.length > kept) this.retry(doc)
    return kept > 0 && owner ? this.overBound(owner) : null
  }

  /** Drops every change `owner` left waiting (it is gone). */
  drop(owner: PendingOwner): void {
    if (!this.has(owner)) return
    this.parts = this.parts.filter((part) => {
      if (part.owner !== owner) return true
      this.bytes -= part.update.byteLength
      return false
    })
    this.schedule()
  }

  /** Stops the expiry timer and forgets everything. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.parts = []
    this.bytes = 0
  }

  /** Moves what Yjs left pending into {@link parts}; returns how many parts it added. */
  private collect(doc: Y.Doc, owner: PendingOwner | null, origin: unknown, since: number): number {
    const store = doc.store
    const { pendingStructs, pendingDs } = store
    if (pendingStructs === null && pendingDs === null) return 0
    store.pendingStructs = null
    store.pendingDs = null
    let added = 0
    if (pendingStructs) {
      this.add({ update: pendingStructs.update, missing: pendingStructs.missing, owner, origin, since })
      added++
    }
    if (pendingDs) {
      // Deletions of content not seen yet: retried once any of the clients they name has more.
      const missing = new Map<number, number>()
      for (const client of Y.decodeUpdateV2(pendingDs).ds.clients.keys()) missing.set(client, Y.getState(store, client))
      this.add({ update: pendingDs, missing, owner, origin, since })
      added++
    }
    this.schedule()
    return added
  }

  private add(part: Part): void {
    this.parts.push(part)
    this.bytes += part.update.byteLength
  }

  /** Applies every part whose dependencies have arrived, until none is left to try. */
  private retry(doc: Y.Doc): void {
    const store = doc.store
    const touched = new Set<PendingOwner>()
    let progress = true
    while (progress) {
      progress = false
      const ready = this.parts.filter((part) => {
        for (const [client, clock] of part.missing) if (clock < Y.getState(store, client)) return true
        return false
      })
      if (ready.length === 0) break
      this.parts = this.parts.filter((part) => !ready.includes(part))
      for (const part of ready) {
        this.bytes -= part.update.byteLength
        if (part.owner) touched.add(part.owner)
        Y.applyUpdateV2(doc, part.update, part.origin)
        progress = true
        // What still waits keeps the age of the change it came from.
        this.collect(doc, part.owner, part.origin, part.since)
      }
    }
    for (const owner of touched) if (!this.has(owner)) owner.pendingResolved()
  }

  /** The reason `owner` (or the document) is past a bound, after dropping the owner's content; else null. */
  private overBound(owner: PendingOwner): string | null {
    let bytes = 0
    let updates = 0
    for (const part of this.parts) {
      if (part.owner !== owner) continue
      bytes += part.update.byteLength
      updates++
    }
    const { maxBytes, maxUpdates, perDocument } = this.limits
    let reason: string | null = null
    if (bytes > maxBytes) reason = `its changes waiting for missing content passed ${maxBytes} bytes`
    else if (updates > maxUpdates) reason = `more than ${maxUpdates} of its changes wait for missing content`
    else if (this.bytes > maxBytes * perDocument) {
      reason = `the document's changes waiting for missing content passed ${maxBytes * perDocument} bytes`
    } else if (this.parts.length > maxUpdates * perDocument) {
      reason = `more than ${maxUpdates * perDocument} of the document's changes wait for missing content`
    }
    if (reason) this.drop(owner)
    return reason
  }

  /** Arms the timer for the oldest part's expiry. */
  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const oldest = this.parts.reduce((min, part) => Math.min(min, part.since), Number.POSITIVE_INFINITY)
    if (oldest === Number.POSITIVE_INFINITY) return
    this.timer = setTimeout(this.expire, Math.max(0, oldest + this.limits.maxAge - Date.now()))
    this.timer.unref?.()
  }

  private readonly expire = (): void => {
    this.timer = null
    const cutoff = Date.now() - this.limits.maxAge
    const owners = new Set<PendingOwner | null>()
    for (const part of this.parts) if (part.since <= cutoff) owners.add(part.owner)
    let orphans = 0
    this.parts = this.parts.filter((part) => {
      if (!owners.has(part.owner)) return true
      this.bytes -= part.update.byteLength
      if (part.owner === null) orphans++
      return false
    })
    this.schedule()
    if (orphans > 0) this.onOrphanExpired(orphans)
    for (const owner of owners) {
      owner?.pendingRefused(`changes waited more than ${this.limits.maxAge} ms for content they depend on`)
    }
  }
}
