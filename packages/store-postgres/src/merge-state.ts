import type { QuarantinedUpdate } from '@tandem/server'
import * as Y from 'yjs'

/** What a compaction merges: the stored parts it replaces, then the caller's state. @internal */
export interface MergeParts {
  /** The stored snapshot, or `null` when there is none or its bytes are quarantined. */
  readonly snapshot: Uint8Array | null
  /** The log rows being replaced, oldest first; `null` for a row whose bytes are quarantined. */
  readonly updates: readonly (Uint8Array | null)[]
  /** The state the caller passed to `compact`. */
  readonly state: Uint8Array
}

/** The merged snapshot, and the stored parts left out of it. @internal */
export interface MergedState {
  readonly snapshot: Uint8Array
  /** Stored parts that failed to merge, and pending content that was dropped, with reasons. */
  readonly quarantined: readonly QuarantinedUpdate[]
}

/**
 * Merges Yjs updates into one: applies each part, in order, to a fresh Y.Doc and encodes its whole state. Yjs
 * updates commute and repeat harmlessly, so the result holds everything in every part whatever overlaps between
 * them.
 *
 * A stored part that Yjs cannot apply is left out and returned to be quarantined, so that one bad row cannot fail
 * every compaction of its document; applying it may have changed the doc part-way, so the doc is rebuilt from the
 * parts merged before it. Content still pending at the end (it depends on content no part holds) is dropped and
 * returned too: written into the snapshot it would be merged into every later compaction, forever. A row whose
 * dependency is appended by another instance but not yet committed would lose its content that way, a race
 * narrow enough to accept as its bytes stay in the quarantine.
 *
 * Rejects with an error naming the document when the caller's state cannot be applied: that is a bug in the
 * caller, and nothing is changed.
 *
 * @internal
 */
export function mergeState(name: string, parts: MergeParts): MergedState {
  const quarantined: QuarantinedUpdate[] = []
  const merged: Uint8Array[] = []
  const stored = [
    { label: 'snapshot', update: parts.snapshot },
    ...parts.updates.map((update, index) => ({ label: `log entry ${index + 1} of ${parts.updates.length}`, update })),
  ]
  let doc = new Y.Doc()
  try {
    for (const { label, update } of stored) {
      if (update === null) continue
      try {
        Y.applyUpdate(doc, update)
        merged.push(update)
      } catch (cause) {
        quarantined.push({
          update,
          reason: `${label} (${update.byteLength} bytes) failed to merge during compaction: ${messageOf(cause)}`,
        })
        doc.destroy()
        doc = new Y.Doc()
        for (const part of merged) Y.applyUpdate(doc, part)
      }
    }
    try {
      Y.applyUpdate(doc, parts.state)
    } catch (cause) {
      throw new Error(
        `Cannot compact document "${name}": the state passed to compact (${parts.state.byteLength} bytes) is not ` +
          `a Yjs update (${messageOf(cause)}). Nothing was changed.`,
        { cause },
      )
    }
    quarantined.push(...dropPending(doc))
    return { snapshot: Y.encodeStateAsUpdate(doc), quarantined }
  } finally {
    doc.destroy()
  }
}

/** Removes what `doc` holds pending, returning it as v1 updates with reasons. */
function dropPending(doc: Y.Doc): QuarantinedUpdate[] {
  const dropped: QuarantinedUpdate[] = []
  const { pendingStructs, pendingDs } = doc.store
  if (pendingStructs) {
    dropped.push({
      update: Y.convertUpdateFormatV2ToV1(pendingStructs.update),
      reason:
        `pending content dropped during compaction: it needs ${describeMissing(pendingStructs.missing)}, ` +
        'which no stored part holds',
    })
  }
  if (pendingDs) {
    dropped.push({
      update: Y.convertUpdateFormatV2ToV1(pendingDs),
      reason: 'pending deletions dropped during compaction: they delete content that no stored part holds',
    })
  }
  doc.store.pendingStructs = null
  doc.store.pendingDs = null
  return dropped
}

/**
 * "client 12 clock 0, client 7 clock 40 and 3 more clients": for each client, the clock that pending content needs
 * to exist (Yjs's `missing`), kept short.
 */
function describeMissing(missing: Map<number, number>): string {
  const shown = [...missing].slice(0, 3).map(([client, clock]) => `client ${client} clock ${clock}`)
  const more = missing.size - shown.length
  return more > 0 ? `${shown.join(', ')} and ${more} more clients` : shown.join(', ')
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause)
}
