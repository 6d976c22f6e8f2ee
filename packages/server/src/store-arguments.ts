import { tokenIdError } from '@tandem/protocol'
import type { ShareLinkRecord } from './access-records.js'
import type { StoreEntry } from './doc-store.js'
import type { VersionDraft } from './history-store.js'

/**
 * Checks a {@link DocStore} runs on its callers' arguments. Callers are other parts of Tandem, so a bad argument
 * is a bug: the checks throw before anything is written, with a sentence that names the store and the fix.
 */
export interface StoreArgumentChecks {
  /** Throws unless `name` is a non-empty string. */
  name(name: unknown, method: string): asserts name is string
  /** Throws unless `update` is a Uint8Array; `what` says which argument it is. */
  update(update: unknown, what: string): asserts update is Uint8Array
  /** Throws unless every entry of an `append` batch is valid, so a bad entry rejects the whole batch. */
  entries(entries: readonly StoreEntry[]): void
  /** Throws unless `id` is a valid token id (see `tokenIdError`). */
  tokenId(id: unknown, method: string): asserts id is string
  /** Throws unless `link` is a complete share link record, so nothing half-valid is recorded. */
  link(link: ShareLinkRecord): void
  /** Throws unless `version` is a complete version draft (`HistoryStore.addVersion`), naming what is wrong. */
  version(name: string, version: VersionDraft): void
}

/**
 * The argument checks of the store called `store` (e.g. `'SqliteStore'`), plus `extraNameCheck` for names
 * the store's engine cannot hold.
 */
export function storeArgumentChecks(
  store: string,
  extraNameCheck?: (name: string, method: string) => void,
): StoreArgumentChecks {
  const checks: StoreArgumentChecks = {
    name(name, method) {
      if (typeof name !== 'string' || name === '') {
        throw new TypeError(
          `${store}.${method} got ${describe(name)} as a document name; pass the document's name as a non-empty string.`,
        )
      }
      extraNameCheck?.(name, method)
    },
    update(update, what) {
      if (!(update instanceof Uint8Array)) {
        throw new TypeError(
          `${store} got ${describe(update)} as ${what}; pass the Yjs update as a Uint8Array (for example from Y.encodeStateAsUpdate).`,
        )
      }
    },
    entries(entries) {
      if (!Array.isArray(entries)) {
        throw new TypeError(
          `${store}.append got ${describe(entries)}; pass an array of { name, update } entries, even for one entry.`,
        )
      }
      entries.forEach((entry: StoreEntry | undefined, index) => {
        if (typeof entry !== 'object' || entry === null) {
          throw new TypeError(
            `${store}.append got ${describe(entry)} as entry ${index}; pass { name, update } objects.`,
          )
        }
        // Messages are built only for a bad entry: this runs for every update the server stores.
        if (typeof entry.name !== 'string' || entry.name === '') checks.name(entry.name, `append (entry ${index})`)
        else extraNameCheck?.(entry.name, `append (entry ${index})`)
        if (!(entry.update instanceof Uint8Array)) {
          checks.update(entry.update, `the update of entry ${index} (document "${entry.name}")`)
        }
        if (entry.at !== undefined && !validDate(entry.at)) {
          throw new TypeError(
            `${store}.append got ${describe(entry.at)} as the time of entry ${index} (document "${entry.name}"); pass a valid Date or leave it out.`,
          )
        }
      })
    },
    tokenId(id, method) {
      const error = tokenIdError(id)
      if (error !== null) throw new TypeError(`${store}.${method} got ${describe(id)} as a token id: ${error}.`)
    },
    link(link) {
      if (typeof link !== 'object' || link === null) {
        throw new TypeError(`${store}.recordLink got ${describe(link)}; pass a ShareLinkRecord object.`)
      }
      checks.tokenId(link.id, 'recordLink')
      checks.name(link.document, 'recordLink')
      const problems: [boolean, string][] = [
        [link.access !== 'read' && link.access !== 'write', 'its access must be "read" or "write"'],
        [link.label !== null && typeof link.label !== 'string', 'its label must be a string or null'],
        [typeof link.createdBy !== 'string' || link.createdBy === '', 'its createdBy must be a non-empty string'],
        [!validDate(link.createdAt), 'its createdAt must be a valid Date'],
        [!validDate(link.expiresAt), 'its expiresAt must be a valid Date'],
      ]
      const problem = problems.find(([broken]) => broken)?.[1]
      if (problem !== undefined) {
        throw new TypeError(`${store}.recordLink got a link ${link.id} that is not valid: ${problem}.`)
      }
    },
    version(name, version) {
      checks.name(name, 'addVersion')
      if (typeof version !== 'object' || version === null) {
        throw new TypeError(`${store}.addVersion got ${describe(version)}; pass a VersionDraft object.`)
      }
      const count = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0
      const problems: [boolean, string][] = [
        [!['auto', 'named', 'restore'].includes(version.kind), 'its kind must be "auto", "named" or "restore"'],
        [version.label !== null && typeof version.label !== 'string', 'its label must be a string or null'],
        [!validDate(version.at), 'its at must be a valid Date'],
        [!(version.snapshot instanceof Uint8Array), 'its snapshot must be a Uint8Array (Y.encodeSnapshot)'],
        [!Array.isArray(version.authors), 'its authors must be an array'],
        [!count(version.inserted) || !count(version.deleted), 'its inserted and deleted must be counts (integers ≥ 0)'],
        [
          version.restoredFrom !== null && !count(version.restoredFrom),
          'its restoredFrom must be a version id or null',
        ],
      ]
      const problem = problems.find(([broken]) => broken)?.[1]
      if (problem !== undefined) {
        throw new TypeError(`${store}.addVersion got a version of "${name}" that is not valid: ${problem}.`)
      }
    },
  }
  return checks
}

function validDate(date: unknown): boolean {
  return date instanceof Date && !Number.isNaN(date.getTime())
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (value === '') return 'an empty string'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`
  return `a ${typeof value}`
}
