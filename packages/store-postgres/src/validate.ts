import { type QuarantinedUpdate, type StoreArgumentChecks, storeArgumentChecks } from '@tandem/server'

/** @internal */
export const check: StoreArgumentChecks = storeArgumentChecks('PostgresStore', (name, method) => {
  // PostgreSQL text cannot hold NUL, and a lone surrogate would be stored as U+FFFD, merging two names into one.
  if (name.includes('\0') || /\p{Cs}/u.test(name)) {
    throw new TypeError(
      `PostgresStore.${method} got the document name ${JSON.stringify(name)}, which holds a NUL character or a lone ` +
        'UTF-16 surrogate that PostgreSQL cannot store as written; pass a name of valid Unicode text without NUL.',
    )
  }
})

/**
 * Throws unless every entry passed to `quarantine` holds an update and a reason, so a bad entry rejects the call
 * before anything is written.
 *
 * @internal
 */
export function checkQuarantined(name: string, entries: readonly QuarantinedUpdate[]): void {
  if (!Array.isArray(entries)) {
    throw new TypeError(
      'PostgresStore.quarantine got no array; pass an array of { update, reason } entries, even for one.',
    )
  }
  entries.forEach((entry: QuarantinedUpdate | undefined, index) => {
    check.update(entry?.update, `the update of quarantined entry ${index} (document "${name}")`)
    if (typeof entry?.reason !== 'string' || entry.reason === '') {
      throw new TypeError(
        `PostgresStore.quarantine got no reason for entry ${index} (document "${name}"); pass a sentence saying ` +
          'why the update could not be loaded.',
      )
    }
  })
}

/** @internal */
export function checkTokenId(id: unknown, method: string): asserts id is string {
  check.tokenId(id, method)
}

/** @internal */
export function checkLink(link: Parameters<StoreArgumentChecks['link']>[0]): void {
  check.link(link)
}
