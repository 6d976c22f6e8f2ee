import type { StoreEntry } from '@tandem/server'

// Callers are other parts of Tandem, so a bad argument is a bug: these checks fail loudly, before any write, with
// a sentence that points at the fix.

/** @internal */
export function assertName(name: unknown, method: string): asserts name is string {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `PostgresStore.${method} got ${describe(name)} as a document name; pass the document's name as a non-empty string.`,
    )
  }
  // PostgreSQL text cannot hold NUL, and a lone surrogate would be stored as U+FFFD, merging two names into one.
  if (name.includes('\0') || /\p{Cs}/u.test(name)) {
    throw new TypeError(
      `PostgresStore.${method} got the document name ${JSON.stringify(name)}, which holds a NUL character or a lone ` +
        'UTF-16 surrogate that PostgreSQL cannot store as written; pass a name of valid Unicode text without NUL.',
    )
  }
}

/** @internal */
export function assertUpdate(update: unknown, what: string): asserts update is Uint8Array {
  if (!(update instanceof Uint8Array)) {
    throw new TypeError(
      `PostgresStore got ${describe(update)} as ${what}; pass the Yjs update as a Uint8Array (for example from Y.encodeStateAsUpdate).`,
    )
  }
}

/**
 * Checks every entry of an `append` batch, so a bad entry rejects the whole batch before anything is written.
 *
 * @internal
 */
export function checkEntries(entries: readonly StoreEntry[]): void {
  if (!Array.isArray(entries)) {
    throw new TypeError(
      `PostgresStore.append got ${describe(entries)}; pass an array of { name, update } entries, even for one entry.`,
    )
  }
  entries.forEach((entry: StoreEntry | undefined, index) => {
    if (typeof entry !== 'object' || entry === null) {
      throw new TypeError(
        `PostgresStore.append got ${describe(entry)} as entry ${index}; pass { name, update } objects.`,
      )
    }
    assertName(entry.name, `append (entry ${index})`)
    assertUpdate(entry.update, `the update of entry ${index} (document "${entry.name}")`)
  })
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (value === '') return 'an empty string'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`
  return `a ${typeof value}`
}
