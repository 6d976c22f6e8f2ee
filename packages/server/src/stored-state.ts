import * as Y from 'yjs'
import type { QuarantinedUpdate, StoredDoc } from './doc-store.js'

/**
 * Judges stored bytes against the caller's bounds: `null` when they are acceptable, otherwise why not, as a
 * phrase for a person ("client 12 reaches clock 9007199254740996").
 *
 * `wholeState` says what the bytes are. `true`: the merge of everything stored, about to be served without being
 * applied; the check must then also refuse it when it is not self-contained, that is when applying it to an
 * empty document would leave content pending, because nothing else will notice. `false`: one stored part (the
 * snapshot or a log entry), which may rightly depend on the parts before it; the check judges bounds only.
 */
export type StoredStateCheck = (update: Uint8Array, wholeState: boolean) => string | null

/** A document's stored state made safe to serve. */
export interface RecoveredState {
  /**
   * The state to load (v1 update), or `null` when nothing is stored. When every stored part was quarantined it is
   * the state of an empty document, to be written back like any rebuilt state.
   */
  readonly state: Uint8Array | null
  /** Stored updates that could not be loaded, and pending content that was dropped, with reasons. */
  readonly quarantined: readonly QuarantinedUpdate[]
  /**
   * True when the stored parts merged cleanly into `state` with nothing dropped; false when `state` was rebuilt and
   * should be written back (quarantine first, then compact) so the bad parts are not read again.
   */
  readonly clean: boolean
}

/** One stored part, named for the reasons it may be quarantined with. */
export interface StoredPart {
  /** "snapshot" or "log entry 3 of 7". */
  readonly label: string
  readonly update: Uint8Array
}

/**
 * Makes a document's stored state safe to serve: loads what can be loaded, and sets aside, with a reason, what
 * cannot, so that one bad part costs only itself.
 *
 * The fast path merges the snapshot and the log (`Y.mergeUpdates`) and returns the merge as it is when `check`
 * accepts it as a whole: it is never applied, so a fresh client can be answered with these bytes at the cost of a
 * merge. Only when the merge throws or `check` refuses it is each part applied, in order, to a fresh Y.Doc:
 * a part `check` refuses or Yjs cannot apply is quarantined (the doc is rebuilt from the parts before it, as a
 * failed apply may have changed it part-way), and content still pending at the end, which would otherwise stay
 * in every later snapshot, is dropped and quarantined too. The rebuilt state is not checked again as a whole.
 */
export function recoverStoredState(stored: StoredDoc, check: StoredStateCheck): RecoveredState {
  const parts = partsOf(stored)
  if (parts.length === 0) return { state: null, quarantined: [], clean: true }
  const merged = mergeOrNull(parts)
  if (merged !== null && judge(check, merged, true) === null) return { state: merged, quarantined: [], clean: true }
  return rebuild(parts, check)
}

function partsOf({ snapshot, updates }: StoredDoc): StoredPart[] {
  const log = updates.map((update, index) => ({ label: `log entry ${index + 1} of ${updates.length}`, update }))
  return snapshot ? [{ label: 'snapshot', update: snapshot }, ...log] : log
}

function mergeOrNull(parts: readonly StoredPart[]): Uint8Array | null {
  // A lone snapshot is served as stored: merging it would re-encode it, ~100 ms for a 1 MB document.
  if (parts.length === 1) return (parts[0] as StoredPart).update
  try {
    return Y.mergeUpdates(parts.map((part) => part.update))
  } catch {
    // The slow path applies the parts one by one and says which of them is at fault.
    return null
  }
}

function rebuild(parts: readonly StoredPart[], check: StoredStateCheck): RecoveredState {
  const { doc, quarantined } = applyStoredParts(parts, {
    refuse: (update) => judge(check, update, false),
    during: 'on load',
  })
  try {
    quarantined.push(...dropPendingContent(doc, 'on load'))
    return { state: Y.encodeStateAsUpdate(doc), quarantined, clean: false }
  } finally {
    doc.destroy()
  }
}

/**
 * Applies stored parts, in order, to a fresh Y.Doc, leaving out each that `refuse` refuses or that Yjs cannot
 * apply, with a reason that names the part and says when (`during`: "on load", "during compaction"). A failed
 * apply may have changed the doc part-way, so the doc is then rebuilt from the parts applied before it. The
 * caller owns (and destroys) the doc, which may still hold pending content: see {@link dropPendingContent}.
 */
export function applyStoredParts(
  parts: readonly StoredPart[],
  options: { readonly refuse?: (update: Uint8Array) => string | null; readonly during: string },
): { doc: Y.Doc; quarantined: QuarantinedUpdate[] } {
  const quarantined: QuarantinedUpdate[] = []
  const accepted: Uint8Array[] = []
  let doc = new Y.Doc()
  for (const { label, update } of parts) {
    const refusal = options.refuse?.(update) ?? null
    if (refusal !== null) {
      quarantined.push({ update, reason: `${label} (${update.byteLength} bytes) is refused: ${refusal}` })
      continue
    }
    try {
      Y.applyUpdate(doc, update)
      accepted.push(update)
    } catch (cause) {
      quarantined.push({
        update,
        reason: `${label} (${update.byteLength} bytes) does not apply ${options.during}: ${messageOf(cause)}`,
      })
      doc.destroy()
      doc = new Y.Doc()
      for (const part of accepted) Y.applyUpdate(doc, part)
    }
  }
  return { doc, quarantined }
}

/** Runs `check`, counting a check that throws as a refusal: the bytes it choked on are what is wrong. */
function judge(check: StoredStateCheck, update: Uint8Array, wholeState: boolean): string | null {
  try {
    return check(update, wholeState)
  } catch (cause) {
    return `the check failed on it: ${messageOf(cause)}`
  }
}

/**
 * Removes what `doc` holds pending, returning it as v1 updates with reasons that say when (`during`).
 * `Y.encodeStateAsUpdate` writes pending content into the state it encodes: left in, it would be stored with every
 * later snapshot, forever.
 */
export function dropPendingContent(doc: Y.Doc, during: string): QuarantinedUpdate[] {
  const dropped: QuarantinedUpdate[] = []
  const { pendingStructs, pendingDs } = doc.store
  if (pendingStructs) {
    dropped.push({
      update: Y.convertUpdateFormatV2ToV1(pendingStructs.update),
      reason: `pending content dropped ${during}: it needs ${describeMissing(pendingStructs.missing)}, which no stored part holds`,
    })
  }
  if (pendingDs) {
    dropped.push({
      update: Y.convertUpdateFormatV2ToV1(pendingDs),
      reason: `pending deletions dropped ${during}: they delete content that no stored part holds`,
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
