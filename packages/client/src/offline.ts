import type { IndexeddbPersistence } from 'y-indexeddb'
import type * as Y from 'yjs'
import { normalizeServerUrl } from './server-url.js'

/** The IndexedDB database name of the offline copy of one document on one server. @internal */
export function offlineKey(serverUrl: string, docName: string): string {
  // The server is part of the key: two servers can each have a document called "notes".
  return `tandem:${serverUrl}/${docName}`
}

/** An offline copy of a document in IndexedDB. @internal */
export interface OfflineCopy {
  /** Resolves once the stored copy is merged into the document. */
  readonly loaded: Promise<void>
  destroy(): Promise<void>
}

/**
 * Keeps `doc` in IndexedDB: loads what is stored, then stores every change. y-indexeddb is loaded on demand,
 * so pages that never use the offline option do not download it. Where IndexedDB is missing or fails (some
 * private windows and embedded browsers), the editor works on without the copy: `loaded` rejects with the
 * reason, and a warning goes to the console.
 * @internal
 */
export function openOfflineCopy(serverUrl: string, docName: string, doc: Y.Doc): OfflineCopy {
  let destroyed = false
  const persistence: Promise<IndexeddbPersistence | null> =
    typeof indexedDB === 'undefined'
      ? Promise.reject(new Error('This browser has no IndexedDB, so the document is not kept offline.'))
      : import('y-indexeddb').then(({ IndexeddbPersistence }) =>
          destroyed ? null : new IndexeddbPersistence(offlineKey(serverUrl, docName), doc),
        )
  const loaded = persistence.then(async (opened) => {
    await opened?.whenSynced
  })
  // Handled here so that a page that ignores `loaded` gets a warning instead of an unhandled rejection.
  loaded.catch((error: unknown) => console.warn(`Tandem editor (${docName}): no offline copy.`, error))
  return {
    loaded,
    async destroy() {
      destroyed = true
      const opened = await persistence.catch(() => null)
      await opened?.destroy()
    },
  }
}

/**
 * Deletes the offline copy of a document from this browser, for example when a person signs out. Close any
 * editor open on the document first (`destroy()`), or it stores the document again.
 */
export async function clearOfflineCopy(serverUrl: string, docName: string): Promise<void> {
  const { clearDocument } = await import('y-indexeddb')
  await clearDocument(offlineKey(normalizeServerUrl(serverUrl), docName))
}
