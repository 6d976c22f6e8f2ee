import * as Y from 'yjs'
import { type IdRange, normalizeRanges } from './author-spans.js'

type DeleteSet = ReturnType<typeof Y.createDeleteSet>
type DeleteItem = DeleteSet['clients'] extends Map<number, (infer T)[]> ? T : never

/**
 * A version's stored snapshot holds its state vector and only the deletions made since the previous version:
 * a whole Yjs snapshot repeats every deletion ever made, which cost 16x the document's bytes on the
 * automerge-paper trace with a version every 5 minutes (tools/bench/src/history-size.ts), and deltas keep all of
 * them within a few percent. The full snapshot of version N is its state vector with the deletions of versions
 * 1..N; deletions in Yjs are never undone, so each version's deletions include the previous one's.
 */
export function deltaSnapshot(current: Y.Snapshot, previous: Y.Snapshot | null): Uint8Array {
  const removed = previous ? rangesOf(previous.ds) : new Map<number, IdRange[]>()
  const delta = Y.createDeleteSet()
  for (const [client, deleted] of rangesOf(current.ds)) {
    const ranges = subtract(deleted, removed.get(client) ?? [])
    if (ranges.length > 0) delta.clients.set(client, ranges.map(toDeleteItem))
  }
  return Y.encodeSnapshot(Y.createSnapshot(delta, current.sv))
}

/** The full snapshot of the last of `deltas` (stored snapshots of versions 1..N, oldest first). */
export function fullSnapshot(deltas: readonly Uint8Array[]): Y.Snapshot {
  const all: IdRange[] = []
  let sv = new Map<number, number>()
  for (const bytes of deltas) {
    const snapshot = Y.decodeSnapshot(bytes)
    for (const [client, items] of snapshot.ds.clients) {
      for (const item of items) all.push({ client, clock: item.clock, length: item.len })
    }
    sv = snapshot.sv
  }
  const ds = Y.createDeleteSet()
  for (const range of normalizeRanges(all)) {
    const items = ds.clients.get(range.client)
    if (items) items.push(toDeleteItem(range))
    else ds.clients.set(range.client, [toDeleteItem(range)])
  }
  return Y.createSnapshot(ds, sv)
}

function rangesOf(ds: DeleteSet): Map<number, IdRange[]> {
  const byClient = new Map<number, IdRange[]>()
  for (const [client, items] of ds.clients) {
    byClient.set(client, normalizeRanges(items.map((item) => ({ client, clock: item.clock, length: item.len }))))
  }
  return byClient
}

/** `ranges` without `removed`; both sorted and merged, of one client. */
function subtract(ranges: readonly IdRange[], removed: readonly IdRange[]): IdRange[] {
  const result: IdRange[] = []
  let index = 0
  for (const range of ranges) {
    let clock = range.clock
    const end = range.clock + range.length
    while (index < removed.length && (removed[index] as IdRange).clock + (removed[index] as IdRange).length <= clock) {
      index++
    }
    let cursor = index
    while (clock < end) {
      const cut = removed[cursor]
      if (!cut || cut.clock >= end) {
        result.push({ client: range.client, clock, length: end - clock })
        break
      }
      if (cut.clock > clock) result.push({ client: range.client, clock, length: cut.clock - clock })
      clock = Math.max(clock, cut.clock + cut.length)
      cursor++
    }
  }
  return result
}

// Yjs reads only `clock` and `len` of a delete set's items; its DeleteItem class is not exported.
function toDeleteItem(range: IdRange): DeleteItem {
  return { clock: range.clock, len: range.length } as DeleteItem
}

/** What {@link pruneHistory} leaves of a document's history. */
export interface PrunedHistory<S> {
  /** The spans to keep. */
  readonly spans: S[]
  /** The ids of the versions to delete. */
  readonly deleted: number[]
  /**
   * The first version kept, with a snapshot that now holds the deletions of the deleted versions too (see
   * {@link deltaSnapshot}); `null` when no version is deleted or none is kept.
   */
  readonly rewritten: { readonly id: number; readonly snapshot: Uint8Array } | null
}

/**
 * Retention over stored history, pure, for stores to call in one transaction: drops the spans whose last change
 * was before `before`, and the versions taken before it, folding their deletions into the first version kept so
 * that every version kept still opens. `versions` must be all of the document's, oldest first. The content the
 * dropped history attributed stays in the document's state (its garbage collection is a separate step).
 */
export function pruneHistory<S extends { readonly to: Date }>(
  spans: readonly S[],
  versions: readonly { readonly id: number; readonly at: Date; readonly snapshot: Uint8Array }[],
  before: Date,
): PrunedHistory<S> {
  // Only a run of the oldest: a later version that another instance's clock put before the cutoff stays.
  const firstKept = versions.findIndex((version) => version.at >= before)
  const old = firstKept === -1 ? [...versions] : versions.slice(0, firstKept)
  const kept = firstKept === -1 ? undefined : versions[firstKept]
  return {
    spans: spans.filter((span) => span.to >= before),
    deleted: old.map((version) => version.id),
    rewritten:
      old.length > 0 && kept
        ? {
            id: kept.id,
            snapshot: Y.encodeSnapshot(fullSnapshot([...old, kept].map((version) => version.snapshot))),
          }
        : null,
  }
}
