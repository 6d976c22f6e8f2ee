import { inspectUpdate, MAX_CLOCK, type UpdateBounds } from './update-shape.js'

/** Stored content is held to the clock bound only: a document may have any number of clients and structs. */
const storedBounds: UpdateBounds = {
  maxClock: MAX_CLOCK,
  maxClients: Number.POSITIVE_INFINITY,
  maxStructs: Number.POSITIVE_INFINITY,
}

/**
 * Why a stored update cannot be loaded, or `null`: over the clock bound (lib0 could not read it back), or, for
 * a document's whole state, depending on content that was never stored.
 */
export function checkStoredUpdate(update: Uint8Array, wholeState: boolean): string | null {
  const shape = inspectUpdate(update, storedBounds)
  if (!shape.ok) return shape.reason
  return wholeState && !shape.selfContained ? 'it depends on content that was never stored' : null
}
