import { existsSync } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { connect } from './connect.js'
import { DEFAULT_DATABASE_FILE } from './open-sqlite-store.js'
import { SCHEMA_VERSION } from './schema.js'

/** How far a copy has come, in database pages, as SQLite's online backup reports it. */
export interface SqliteCopyProgress {
  readonly totalPages: number
  readonly remainingPages: number
}

/** How to back up a data directory with {@link backupSqliteStore}. */
export interface SqliteBackupOptions {
  /** The data directory whose {@link DEFAULT_DATABASE_FILE} is copied; a server may be running on it. */
  readonly dataDir: string
  /** The file to write. Its directory must exist; a file already there is replaced, once the copy is complete. */
  readonly destination: string
  /** Called between steps of the copy, for a progress display. */
  readonly onProgress?: (progress: SqliteCopyProgress) => void
  /**
   * Pages copied per step. Between steps the event loop runs, so progress can be shown; the snapshot stays the
   * same whatever the step size.
   * @default 1000
   */
  readonly pagesPerStep?: number
}

/** How to restore a backup with {@link restoreSqliteStore}. */
export interface SqliteRestoreOptions {
  /** The backup file, as {@link backupSqliteStore} wrote it. */
  readonly source: string
  /** The data directory to restore into: it must be empty or missing (it is then created). */
  readonly dataDir: string
}

/** What {@link backupSqliteStore} or {@link restoreSqliteStore} wrote. */
export interface SqliteCopyReport {
  /** The file written. */
  readonly path: string
  /** The number of documents it holds. */
  readonly documents: number
  /** Its size in bytes. */
  readonly bytes: number
  /** Its schema version (`PRAGMA user_version`); the store migrates an older one when it opens it. */
  readonly schemaVersion: number
}

const DEFAULT_PAGES_PER_STEP = 1000

/**
 * Copies the database of a data directory to one self-contained SQLite file (rollback journal, no `-wal` beside
 * it) while a server may be writing to it, and returns what it wrote.
 *
 * It reads through SQLite's online backup on a read-only connection of its own, inside one read transaction. In
 * WAL mode a reader never blocks the writer, and the transaction pins the snapshot: the copy holds exactly what
 * was committed when it began, however many steps it takes. (Without it, SQLite restarts a backup whenever
 * another connection writes, and with people editing it might never finish.) While the copy runs, the server's
 * WAL cannot be checkpointed past that snapshot, so it grows for that long.
 *
 * The copy goes to a temporary file beside `destination`, is checked, flushed to disk, and only then renamed
 * over `destination`, so a failed backup never leaves a partial file under that name. Rejects with a sentence
 * saying what to do when there is no Tandem database in `dataDir`, it was written by a newer Tandem, or
 * `destination` is the database itself.
 */
export async function backupSqliteStore(options: SqliteBackupOptions): Promise<SqliteCopyReport> {
  const { dataDir, destination, onProgress, pagesPerStep = DEFAULT_PAGES_PER_STEP } = options
  requirePath(dataDir, 'backupSqliteStore', 'dataDir', '/var/lib/tandem')
  requirePath(destination, 'backupSqliteStore', 'destination', '/backups/tandem.sqlite')
  const source = join(dataDir, DEFAULT_DATABASE_FILE)
  if (!existsSync(source)) {
    throw new Error(
      `There is no Tandem database in ${dataDir} (no ${DEFAULT_DATABASE_FILE} there); pass the data directory ` +
        'Tandem serves.',
    )
  }
  if ([source, `${source}-wal`, `${source}-shm`].some((file) => resolve(file) === resolve(destination))) {
    throw new Error(`${destination} is the database being backed up; write the backup to another file.`)
  }
  if (!existsSync(dirname(resolve(destination)))) {
    throw new Error(`The directory of ${destination} does not exist; create it first.`)
  }

  const db = openTandemDatabase(source, 'backup')
  const partial = `${destination}.partial-${process.pid}`
  try {
    // BEGIN is deferred: the first read starts the read transaction, and with it the snapshot the copy reads.
    db.exec('BEGIN')
    countDocuments(db)
    await rm(partial, { force: true })
    await db.backup(partial, {
      progress: (progress) => {
        onProgress?.(progress)
        return pagesPerStep
      },
    })
    db.exec('COMMIT')
    db.close()
    const report = await seal(partial)
    await rename(partial, destination)
    await syncDirectory(dirname(resolve(destination)))
    return { ...report, path: destination }
  } catch (error) {
    if (db.open) db.close()
    await rm(partial, { force: true })
    throw error
  }
}

/**
 * Puts a backup made by {@link backupSqliteStore} into an empty (or missing) data directory as its
 * {@link DEFAULT_DATABASE_FILE}, and returns what it wrote. The file is checked first: rejects with a sentence
 * saying what to do when it is not a SQLite database, not Tandem's, damaged, or written by a newer Tandem, and
 * when `dataDir` holds anything (naming one of its files). The copy is written to a temporary file in `dataDir`
 * and renamed into place once it is on disk.
 */
export async function restoreSqliteStore(options: SqliteRestoreOptions): Promise<SqliteCopyReport> {
  const { source, dataDir } = options
  requirePath(source, 'restoreSqliteStore', 'source', '/backups/tandem.sqlite')
  requirePath(dataDir, 'restoreSqliteStore', 'dataDir', '/var/lib/tandem')
  const info = await stat(source).catch(() => null)
  if (info === null) throw new Error(`There is no file at ${source}; pass the path of a backup made by tandem backup.`)
  if (!info.isFile()) throw new Error(`${source} is not a file; pass the path of a backup made by tandem backup.`)
  await requireEmptyDirectory(dataDir)

  const db = openTandemDatabase(source, 'restore')
  const target = join(dataDir, DEFAULT_DATABASE_FILE)
  const partial = `${target}.restoring`
  try {
    const check = db.pragma('quick_check', { simple: true })
    if (check !== 'ok') {
      throw new Error(`${source} is damaged (SQLite's quick_check says: ${String(check)}); restore another backup.`)
    }
    await mkdir(dataDir, { recursive: true })
    await db.backup(partial)
    db.close()
    const report = await seal(partial)
    await rename(partial, target)
    await syncDirectory(dataDir)
    return { ...report, path: target }
  } catch (error) {
    if (db.open) db.close()
    await rm(partial, { force: true })
    throw error
  }
}

// Opens a Tandem database read-only and checks that it is one this build can read, before anything is copied.
function openTandemDatabase(path: string, purpose: 'backup' | 'restore'): Database.Database {
  let db: Database.Database | undefined
  try {
    db = connect(path, { readonly: true, fileMustExist: true })
    db.pragma('busy_timeout = 5000')
    const version = db.pragma('user_version', { simple: true }) as number
    const hasDocuments = db
      .prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'documents'")
      .pluck()
      .get()
    if (version === 0 || hasDocuments !== 1) {
      throw new Error(
        `${path} is a SQLite database, but not one of Tandem's (it has no Tandem schema); ` +
          (purpose === 'restore' ? 'pass a file made by tandem backup.' : 'pass the data directory Tandem serves.'),
      )
    }
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `${path} was written by a newer version of Tandem (schema version ${version}; this one knows versions up ` +
          `to ${SCHEMA_VERSION}); ${purpose} it with the Tandem that wrote it, or upgrade this one.`,
      )
    }
    return db
  } catch (error) {
    db?.close()
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new Error(
        `${path} is not a SQLite database; ` +
          (purpose === 'restore' ? 'pass a file made by tandem backup.' : 'pass the data directory Tandem serves.'),
        { cause: error },
      )
    }
    throw error
  }
}

// Turns the copy into one self-contained file (a backup carries its source's WAL flag in its header; the store
// switches to WAL again when it opens the file), reads back what it holds, and flushes it to disk before it is
// renamed into place.
async function seal(path: string): Promise<Omit<SqliteCopyReport, 'path'>> {
  const db = connect(path, { fileMustExist: true })
  let documents: number
  let schemaVersion: number
  try {
    db.pragma('journal_mode = DELETE')
    documents = countDocuments(db)
    schemaVersion = db.pragma('user_version', { simple: true }) as number
  } finally {
    db.close()
  }
  const file = await open(path, 'r')
  try {
    await file.sync()
  } finally {
    await file.close()
  }
  return { documents, bytes: (await stat(path)).size, schemaVersion }
}

function countDocuments(db: Database.Database): number {
  return db.prepare<[], number>('SELECT count(*) FROM documents').pluck().get() ?? 0
}

async function requireEmptyDirectory(dataDir: string): Promise<void> {
  let entries: string[]
  try {
    entries = (await readdir(dataDir)).sort()
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT') return
    if (code === 'ENOTDIR') throw new Error(`${dataDir} is a file, not a directory; pass an empty data directory.`)
    throw error
  }
  const [first] = entries
  if (first !== undefined) {
    const more = entries.length > 1 ? ` and ${entries.length - 1} more` : ''
    throw new Error(
      `The data directory ${dataDir} is not empty: it holds ${first}${more}. Restore into an empty directory, ` +
        'or move what is in this one elsewhere first.',
    )
  }
}

// A rename is durable only once the directory that holds the new name is on disk too.
async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

function requirePath(value: unknown, method: string, option: string, example: string): void {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${method} needs ${option} as a non-empty path; pass { ${option}: "${example}" }.`)
  }
}
