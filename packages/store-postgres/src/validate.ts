import { type StoreArgumentChecks, storeArgumentChecks } from '@tandem/server'

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
