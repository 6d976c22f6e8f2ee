export {
  type AccessRecords,
  hasAccessRecords,
  type ShareLinkRecord,
  type TokenRevocation,
} from './access-records.js'
export type { AuthoredRange } from './attribution.js'
export {
  type AuthorSpan,
  DEFAULT_SPAN_BUCKET_MS,
  decodeSpans,
  encodeSpans,
  foldChanges,
  type IdRange,
  normalizeRanges,
} from './author-spans.js'
export { type Identity, toDocAuthor } from './awareness-ownership.js'
export type { CommitQueueOptions } from './commit-queue.js'
export { syncDefaults } from './defaults.js'
export { DocHistory, replaceDifference, textAt, VersionMissing, type VersionRef } from './doc-history.js'
export {
  type DocAuthor,
  type DocInfo,
  type DocMeta,
  type DocStore,
  type QuarantinedUpdate,
  type QuarantineEntry,
  StoreConflict,
  type StoreConflictKind,
  type StoredDoc,
  type StoreEntry,
} from './doc-store.js'
export { DEFAULT_MAX_DOCUMENT_SIZE, DocumentTooLarge } from './document-size.js'
export { DocumentGone, Documents, type Located } from './documents.js'
export { Fanout, type FanoutOptions } from './fanout.js'
export type { HistoryRetentionOptions, PrunedDocument } from './history-retention.js'
export {
  type HistoryStore,
  hasHistory,
  type LoggedChange,
  type StoredHistory,
  type StoredVersion,
  type VersionDraft,
  type VersionInfo,
  type VersionKind,
} from './history-store.js'
export {
  AccessDenied,
  type AfterStorePayload,
  type AuthenticateRequest,
  type Authentication,
  type BeforeUnloadPayload,
  type ChangePayload,
  type Hooks,
  type LoadPayload,
  type MemberInfo,
  type MemberPayload,
} from './hooks.js'
export { type Logger, silentLogger } from './logger.js'
export { Member, type MemberOptions, type SyncSocket } from './member.js'
export { MemoryBus, MemoryBusNetwork } from './memory-bus.js'
export { MemoryStore } from './memory-store.js'
export type { MessageBus } from './message-bus.js'
export { MAX_AWARENESS_IDS_PER_MEMBER } from './presence.js'
export type { CreditPart, Room } from './room.js'
export { type StoreArgumentChecks, storeArgumentChecks } from './store-arguments.js'
export { applyStoredParts, dropPendingContent, type StoredPart } from './stored-state.js'
export { type ErrorKind, noMetrics, type SyncMetrics } from './sync-metrics.js'
export { SyncServer, type SyncServerOptions } from './sync-server.js'
export { inspectUpdate, MAX_CLOCK, type UpdateBounds, type UpdateShape } from './update-shape.js'
export { type Unversioned, type VersionScheduleOptions, versionDue } from './version-schedule.js'
export { deltaSnapshot, fullSnapshot, type PrunedHistory, pruneHistory } from './version-snapshots.js'
export { DEFAULT_MAX_MESSAGE_SIZE, defaultWriteLimits, type WriteLimits } from './write-limits.js'
