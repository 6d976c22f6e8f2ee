export {
  backupSqliteStore,
  restoreSqliteStore,
  type SqliteBackupOptions,
  type SqliteCopyProgress,
  type SqliteCopyReport,
  type SqliteRestoreOptions,
} from './backup.js'
export { NativeModuleMismatch } from './connect.js'
export { DEFAULT_DATABASE_FILE, type OpenSqliteStoreOptions, openSqliteStore } from './open-sqlite-store.js'
export { SCHEMA_VERSION } from './schema.js'
export { type SqliteSettings, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'
