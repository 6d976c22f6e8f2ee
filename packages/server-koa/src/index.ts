export { AccessPolicy, type AccessPolicyOptions, type UpgradeRefusal } from './access-policy.js'
export { type AccessGrant, MAX_TOKEN_TTL_SECONDS, TokenAuthority, type TokenKeys } from './access-tokens.js'
export { type DocumentEvent, type DocumentRoutesOptions, documentRoutes, MAX_LIST_LIMIT } from './document-routes.js'
export { parseDuration } from './duration.js'
export { type HistoryRoutesOptions, historyRoutes, MAX_VERSION_LABEL } from './history-routes.js'
export { type RoutesOptions, syncRoutes } from './koa-routes.js'
export { type LinkRoutesOptions, linkRoutes } from './link-routes.js'
export { createPrometheusMetrics, type PrometheusMetrics } from './prometheus.js'
export type { RateLimitOptions } from './rate-limits.js'
export { tokenAuthentication } from './token-authentication.js'
export { TokenRevocations, type TokenRevocationsOptions } from './token-revocations.js'
export { type TokenRoutesOptions, tokenRoutes } from './token-routes.js'
export { type WebhookEmitter, WebhookEvents, type WebhookEventsOptions } from './webhook-events.js'
export { createWebhookMetrics } from './webhook-metrics.js'
export {
  type AttemptOutcome,
  type DeliveryResult,
  retryDelayOf,
  type WebhookEvent,
  type WebhookEventType,
  type WebhookMetrics,
  WebhookSender,
  type WebhookSenderOptions,
  webhookDefaults,
} from './webhook-sender.js'
export { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js'
export { DEFAULT_MAX_WRITE_SIZE, type WriteRoutesOptions, writeRoutes } from './write-routes.js'
export { type AttachedEndpoint, type AttachOptions, attachSyncServer, DEFAULT_PING_INTERVAL } from './ws-adapter.js'
