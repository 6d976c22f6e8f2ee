import * as Y from 'yjs'

/**
 * Merges Yjs updates into one: applies each, in order, to a fresh Y.Doc and encodes its whole state. Yjs updates
 * commute and repeat harmlessly, so the result holds everything in every part whatever overlaps between them;
 * an update whose dependencies are missing is kept as pending state, which the encoding includes.
 *
 * Rejects with an error naming the document when a part is not a Yjs update.
 *
 * @internal
 */
export function mergeState(name: string, parts: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc()
  try {
    doc.transact(() => {
      parts.forEach((part, index) => {
        try {
          Y.applyUpdate(doc, part)
        } catch (cause) {
          const reason = cause instanceof Error ? cause.message : String(cause)
          throw new Error(
            `Cannot compact document "${name}": part ${index + 1} of ${parts.length} (${part.byteLength} bytes) ` +
              `is not a Yjs update (${reason}). Nothing was changed; find what wrote it to the database.`,
            { cause },
          )
        }
      })
    })
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}
