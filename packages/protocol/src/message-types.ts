/**
 * Message types of the y-websocket protocol, and Tandem's opt-in additions.
 *
 * Every WebSocket message is one binary frame:
 *
 * ```
 * message  = varUint(type) payload
 * ```
 *
 * Types 0-3 are the y-websocket protocol (y-protocols' `sync`, `awareness` and `auth` modules) and are
 * understood by every stock client. Types from 100 up are Tandem's own; the server only sends them on a
 * connection that opted in (see {@link EXTENSIONS_PARAM}), because a stock client logs an error for a type it
 * does not know. docs/protocol.md has the byte layout of every payload.
 */

/** Sync protocol (y-protocols/sync): step 1, step 2 and update sub-messages. */
export const messageSync = 0
/** An awareness update (y-protocols/awareness): who is here, their name, colour and cursor. */
export const messageAwareness = 1
/** A request for every awareness state of the room; no payload. */
export const messageQueryAwareness = 3
/**
 * Tandem: "everything you sent on this connection up to message N is durable". Payload: `varUint(N)`, the
 * count of document-changing messages (sync step 2 and update) this connection sent, counted from 1.
 */
export const messageSaved = 100
/**
 * Tandem: how far the initial sync of a big document has come, sent after each piece of it (see
 * {@link Extension} `loading`). Payload: `varUint(sent) varUint(total)`, in bytes of document state, estimated by
 * the server; the sync is complete at the sync step 2 that follows the last one.
 */
export const messageLoading = 101

/** Sync sub-message types (y-protocols/sync), following `messageSync`. */
export const syncStep1 = 0
export const syncStep2 = 1
export const syncUpdate = 2

/**
 * The URL query parameter through which a client opts in to Tandem's extensions, as a comma-separated list:
 * `?tandem=saved,moved`.
 */
export const EXTENSIONS_PARAM = 'tandem'

/**
 * The extensions a client can opt in to:
 * - `saved`: the saved acknowledgement ({@link messageSaved}).
 * - `moved`: a connection to an old name of a renamed document is closed with 4308 and the new name (when it
 *   fits in a close reason), so that the client follows it, instead of being served the document under the old
 *   name as a stock client is.
 * - `loading`: while the state of a big document arrives in pieces, a loading message ({@link messageLoading})
 *   after each piece says how much of it has been sent, so that the client can show progress.
 */
export type Extension = 'saved' | 'moved' | 'loading'

const EXTENSIONS: readonly Extension[] = ['saved', 'moved', 'loading']

/** Parses the value of the {@link EXTENSIONS_PARAM} query parameter; unknown names are ignored. */
export function parseExtensions(value: string | null | undefined): Set<Extension> {
  const result = new Set<Extension>()
  if (!value) return result
  for (const part of value.split(',')) {
    const name = part.trim() as Extension
    if (EXTENSIONS.includes(name)) result.add(name)
  }
  return result
}
