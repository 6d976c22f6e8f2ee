import { storedDoc } from './stored-doc.js'

/**
 * The text of document `name` as the SQLite database of data directory `dataDir` holds it: {@link storedDoc}'s
 * document, read as `getText('content')`. Rejects when there is no database in `dataDir`, or nothing is stored
 * for `name`.
 */
export async function storedText(dataDir: string, name: string): Promise<string> {
  const doc = await storedDoc(dataDir, name)
  const text = doc.getText('content').toString()
  doc.destroy()
  return text
}
