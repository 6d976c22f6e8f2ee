import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_DATABASE_FILE, SqliteStore } from '@tandem/store-sqlite'
import * as Y from 'yjs'

/**
 * The text of document `name` as the SQLite database of data directory `dataDir` holds it: its snapshot and log,
 * applied in order to a fresh Y.Doc, read as `getText('content')`. It opens its own connection to the file, so it
 * reads what was committed there, whether the server that wrote it still runs or was killed, and neither the
 * server's memory nor a client can supply the text. Rejects when there is no database in `dataDir`, or nothing
 * is stored for `name`.
 */
export async function storedText(dataDir: string, name: string): Promise<string> {
  const path = join(dataDir, DEFAULT_DATABASE_FILE)
  // Opening creates a missing file, which would turn a wrong directory into "nothing stored".
  await access(path).catch(() => {
    throw new Error(`There is no Tandem database at ${path}; pass the data directory the server was started with.`)
  })
  const store = await SqliteStore.open({ path })
  try {
    const stored = await store.load(name)
    if (!stored) throw new Error(`Nothing is stored for the document "${name}" in ${path}.`)
    const doc = new Y.Doc()
    for (const update of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) {
      Y.applyUpdate(doc, update)
    }
    const text = doc.getText('content').toString()
    doc.destroy()
    return text
  } finally {
    await store.close()
  }
}
