import { join } from 'node:path'
import Database from 'better-sqlite3'
import * as Y from 'yjs'

/**
 * Document `name` as the SQLite database of data directory `dataDir` holds it: its snapshot and log, applied in
 * order to a fresh Y.Doc, whatever shared types it has (`getText('content')`, a rich-text `getXmlFragment`, …);
 * the caller destroys it. It reads the file itself, read-only, with its own connection and its own two queries
 * (not through `@tandem/store-sqlite`, whose tests use this package), so it reads what was committed there,
 * whether the server that wrote it still runs or was killed, and neither the server's memory nor a client can
 * supply the document. Rejects when there is no database in `dataDir`, or nothing is stored for `name`.
 */
export async function storedDoc(dataDir: string, name: string): Promise<Y.Doc> {
  // `tandem.sqlite` is the store's DEFAULT_DATABASE_FILE.
  const path = join(dataDir, 'tandem.sqlite')
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch {
    throw new Error(`There is no Tandem database at ${path}; pass the data directory the server was started with.`)
  }
  try {
    const row = db
      .prepare<[string], { snapshot: Buffer | null }>(
        'SELECT s.data AS snapshot FROM documents d LEFT JOIN snapshots s USING (name) WHERE name = ?',
      )
      .get(name)
    const updates = db
      .prepare<[string], Buffer>('SELECT data FROM updates WHERE name = ? ORDER BY id')
      .pluck()
      .all(name)
    if (!row && updates.length === 0) throw new Error(`Nothing is stored for the document "${name}" in ${path}.`)
    const doc = new Y.Doc()
    for (const update of row?.snapshot ? [row.snapshot, ...updates] : updates) Y.applyUpdate(doc, update)
    return doc
  } finally {
    db.close()
  }
}
