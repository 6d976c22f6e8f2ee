export { AccessPolicy, type AccessPolicyOptions, type UpgradeDecision } from './access-policy.js'
export {
  AccessDenied,
  type AccessGrant,
  MAX_TOKEN_TTL_SECONDS,
  TokenAuthority,
  type TokenKeys,
} from './access-tokens.js'
export type { Identity } from './awareness-ownership.js'
export type { ConnectionOptions, SyncSocket } from './connection.js'
export { Connection, MAX_AWARENESS_IDS_PER_CONNECTION } from './connection.js'
export type { DocInfo, DocStore, QuarantinedUpdate, QuarantineEntry, StoredDoc, StoreEntry } from './doc-store.js'
export type { Document } from './document.js'
export { parseDuration } from './duration.js'
export { Fanout, type FanoutOptions } from './fanout.js'
export { type RoutesOptions, syncRoutes } from './koa-routes.js'
export { type Logger, silentLogger } from './logger.js'
export { MemoryStore } from './memory-store.js'
export type { MessageBus } from './message-bus.js'
export type { PersistenceOptions } from './persistence.js'
export { createPrometheusMetrics, type PrometheusMetrics } from './prometheus.js'
export type { RateLimitOptions } from './rate-limits.js'
export { type StoreArgumentChecks, storeArgumentChecks } from './store-arguments.js'
export { applyStoredParts, dropPendingContent, type StoredPart } from './stored-state.js'
export { type ErrorKind, noMetrics, type SyncMetrics } from './sync-metrics.js'
export { SyncServer, type SyncServerOptions } from './sync-server.js'
export { type TokenRoutesOptions, tokenRoutes } from './token-routes.js'
export { inspectUpdate, MAX_CLOCK, type UpdateBounds, type UpdateShape } from './update-shape.js'
export { defaultWriteLimits, type WriteLimits } from './write-limits.js'
export { type AttachedEndpoint, type AttachOptions, attachSyncServer } from './ws-adapter.js'
