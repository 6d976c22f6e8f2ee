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
 * so pages that never use the offline option do not download it.
 * @internal
 */
export function openOfflineCopy(serverUrl: string, docName: string, doc: Y.Doc): OfflineCopy {
  if (typeof indexedDB === 'undefined') {
    throw new Error('The offline option needs IndexedDB, which this environment lacks; leave offline off here.')
  }
  let destroyed = false
  const persistence: Promise<IndexeddbPersistence | null> = import('y-indexeddb').then(({ IndexeddbPersistence }) =>
    destroyed ? null : new IndexeddbPersistence(offlineKey(serverUrl, docName), doc),
  )
  return {
    loaded: persistence.then(async (opened) => {
      await opened?.whenSynced
    }),
    async destroy() {
      destroyed = true
      await (await persistence)?.destroy()
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
