export { DEFAULT_POOL_SIZE, type OpenPostgresStoreOptions, openPostgresStore } from './open-postgres-store.js'
export { type PostgresPoolStats, type PostgresSettings, PostgresStore } from './postgres-store.js'
export { SCHEMA_VERSION } from './schema.js'
