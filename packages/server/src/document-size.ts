/**
 * How big a document is allowed to grow, and how big the server believes it is without encoding it again.
 *
 * The measure is the bytes of the state it loaded with plus the bytes of every update applied since, reset to the
 * encoded size whenever the write log compacts (which encodes the document anyway). An update's bytes are close
 * to what it adds to the encoding (a deletion's tombstones shrink only at the next compaction), so the measure
 * errs on the large side and never costs more than an addition per update.
 */

/**
 * The default largest document, in bytes: 64 MiB. A plain-text document of a few megabytes with a long edit
 * history stays well below it; far past it, every newcomer's first sync sends that many bytes and the server
 * holds them in memory for each open copy.
 */
export const DEFAULT_MAX_DOCUMENT_SIZE = 64 * 1024 * 1024

/** The measured size of one document, in bytes (see the file's header for what it counts). */
export class DocumentSize {
  private measured: number

  constructor(loadedBytes: number) {
    this.measured = loadedBytes
  }

  /** The current measure, in bytes. */
  get bytes(): number {
    return this.measured
  }

  /** Counts an update applied to the document. */
  grew(updateBytes: number): void {
    this.measured += updateBytes
  }

  /** Replaces the measure by the size of a fresh encoding of the whole document, and returns that encoding. */
  encoded(state: Uint8Array): Uint8Array {
    this.measured = state.byteLength
    return state
  }

  /** Whether applying an update of `updateBytes` would take the document past `limit`. */
  wouldExceed(updateBytes: number, limit: number): boolean {
    return this.measured + updateBytes > limit
  }
}

/**
 * Thrown by `SyncServer.edit` when the change may take the document past the server's size limit: nothing was
 * written. `limit` is the limit, in bytes.
 */
export class DocumentTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The document would pass the server's size limit of ${limit} bytes; nothing was written.`)
  }
}
