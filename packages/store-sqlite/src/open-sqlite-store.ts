import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'

/** The file name of Tandem's database inside its data directory. */
export const DEFAULT_DATABASE_FILE = 'tandem.sqlite'

/** How to open the default database of a data directory with {@link openSqliteStore}. */
export interface OpenSqliteStoreOptions extends Omit<SqliteStoreOptions, 'path'> {
  /** The directory that holds the database; created (with its parents) when missing. */
  readonly dataDir: string
}

/**
 * Opens the SQLite store of a data directory: the file {@link DEFAULT_DATABASE_FILE} inside `dataDir`, creating
 * the directory and the file when missing. Rejects with an error naming the path and the cause when the directory
 * cannot be created or the database cannot be opened.
 */
export async function openSqliteStore(options: OpenSqliteStoreOptions): Promise<SqliteStore> {
  const { dataDir, ...rest } = options
  if (typeof dataDir !== 'string' || dataDir === '') {
    throw new Error('openSqliteStore needs a data directory; pass { dataDir: "/var/lib/tandem" }.')
  }
  try {
    await mkdir(dataDir, { recursive: true })
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new Error(
      `Cannot create the data directory ${dataDir}: ${reason}. Create it, or choose a directory Tandem can write to.`,
      { cause },
    )
  }
  return SqliteStore.open({ ...rest, path: join(dataDir, DEFAULT_DATABASE_FILE) })
}
