import { applyStoredParts, dropPendingContent, type QuarantinedUpdate, type StoredPart } from '@tandem/server'
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
  const stored: StoredPart[] = []
  if (parts.snapshot) stored.push({ label: 'snapshot', update: parts.snapshot })
  parts.updates.forEach((update, index) => {
    if (update) stored.push({ label: `log entry ${index + 1} of ${parts.updates.length}`, update })
  })
  const { doc, quarantined } = applyStoredParts(stored, { during: 'during compaction' })
  try {
    try {
      Y.applyUpdate(doc, parts.state)
    } catch (cause) {
      throw new Error(
        `Cannot compact document "${name}": the state passed to compact (${parts.state.byteLength} bytes) is not ` +
          `a Yjs update (${cause instanceof Error ? cause.message : String(cause)}). Nothing was changed.`,
        { cause },
      )
    }
    quarantined.push(...dropPendingContent(doc, 'during compaction'))
    return { snapshot: Y.encodeStateAsUpdate(doc), quarantined }
  } finally {
    doc.destroy()
  }
}
