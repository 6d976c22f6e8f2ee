import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AccessRecords,
  type DocStore,
  hasAccessRecords,
  type Logger,
  MemoryStore,
  type MessageBus,
  SyncServer,
} from '@tandem/server'
import {
  AccessPolicy,
  attachSyncServer,
  createPrometheusMetrics,
  createWebhookMetrics,
  linkRoutes,
  syncRoutes,
  TokenAuthority,
  TokenRevocations,
  tokenAuthentication,
  tokenRoutes,
  WebhookEvents,
  WebhookSender,
  writeRoutes,
} from '@tandem/server-koa'
import { openSqliteStore } from '@tandem/store-sqlite'
import Koa from 'koa'
import { ConfigError, redactUrl, type ServeConfig } from './config.js'
import type { Secrets } from './secrets.js'
import { webApp } from './web-app.js'

/** A running Tandem server. */
export interface RunningServer {
  /** The port it listens on (useful with port 0). */
  readonly port: number
  /** Stops accepting, closes every connection with 1001, saves everything. Resolves whether all was saved. */
  close(): Promise<boolean>
}

/**
 * Builds the access rules from the configuration; a configuration that cannot work is a {@link ConfigError}. With
 * `records` (the store's share links and revocations), tokens are checked against revocations too.
 */
export async function createAccessPolicy(
  config: ServeConfig,
  secrets: Secrets,
  records?: AccessRecords,
  logger?: Logger,
): Promise<AccessPolicy> {
  let authority: TokenAuthority | undefined
  if (config.auth === 'token') {
    if (!secrets.secret && !secrets.publicKey) {
      throw new ConfigError('--auth token needs a key: set TANDEM_SECRET (or --secret-file), or --public-key-file.')
    }
    try {
      authority = await TokenAuthority.create({
        secret: secrets.secret ?? undefined,
        publicKey: secrets.publicKey ?? undefined,
      })
    } catch (error) {
      throw new ConfigError((error as Error).message)
    }
  }
  return new AccessPolicy({
    mode: config.auth,
    authority,
    ...(authority && records ? { revocations: new TokenRevocations(records, { logger }) } : {}),
    allowedOrigins: config.allowedOrigins,
    trustProxy: config.trustProxy,
    attemptsPerMinute: config.maxConnectionsPerMinute,
    docsPerIp: config.maxDocsPerIp,
    failuresBeforeBackoff: config.authFailureLimit,
  })
}

/** Opens the configured store: PostgreSQL with a database URL, else SQLite in the data directory, or memory. */
async function openStore(config: ServeConfig): Promise<DocStore> {
  if (config.databaseUrl !== null) {
    const { openPostgresStore } = await import('@tandem/store-postgres')
    return openPostgresStore({ url: config.databaseUrl })
  }
  return config.store === 'memory' ? new MemoryStore() : openSqliteStore({ dataDir: config.dataDir })
}

/** The webhook sender and the hooks that feed it, when `--webhook-url` names receivers. */
function startWebhooks(
  config: ServeConfig,
  secrets: Secrets,
  logger: Logger,
  registry: Parameters<typeof createWebhookMetrics>[0],
): { sender: WebhookSender; events: WebhookEvents } | null {
  if (config.webhookUrls.length === 0) return null
  let sender: WebhookSender | null = null
  const metrics = createWebhookMetrics(registry, () => sender?.pending ?? 0)
  sender = new WebhookSender({
    urls: config.webhookUrls,
    secret: secrets.webhookSecret,
    timeout: config.webhookTimeout,
    maxAttempts: config.webhookAttempts,
    maxPending: config.webhookQueueSize,
    logger,
    metrics,
  })
  if (secrets.webhookSecret === null) logger.warn({}, 'webhooks are not signed: set TANDEM_WEBHOOK_SECRET')
  return { sender, events: new WebhookEvents(sender, { debounce: config.webhookDebounce }) }
}

/**
 * Whether rooms keep history, from `TANDEM_HISTORY` (`on`, the default, or `off`). It is not a `tandem serve`
 * setting: it exists so the benchmark can measure what history costs against the same server without it.
 */
export function keepHistoryFrom(env: NodeJS.ProcessEnv): boolean {
  const raw = env.TANDEM_HISTORY ?? 'on'
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(`TANDEM_HISTORY must be on or off (got "${raw}").`)
  return raw === 'on'
}

/**
 * Starts the whole server (store, sync core, WebSocket endpoint, HTTP routes) as configured; `keepHistory`: see
 * {@link keepHistoryFrom}.
 */
export async function startServer(
  config: ServeConfig,
  secrets: Secrets,
  logger: Logger,
  { keepHistory = true }: { keepHistory?: boolean } = {},
): Promise<RunningServer> {
  const store = await openStore(config)
  let policy: AccessPolicy
  try {
    policy = await createAccessPolicy(config, secrets, hasAccessRecords(store) ? store : undefined, logger)
  } catch (error) {
    await store.close()
    throw error
  }
  let bus: MessageBus | undefined
  if (config.redisUrl !== null) {
    try {
      // Loaded only when scaled out: a single instance never loads ioredis or pg.
      const { openRedisBus } = await import('@tandem/redis')
      bus = await openRedisBus({ url: config.redisUrl, logger })
    } catch (error) {
      await store.close()
      throw error
    }
  }
  if (config.databaseUrl !== null) {
    logger.info(
      { database: redactUrl(config.databaseUrl), redis: bus ? redactUrl(config.redisUrl ?? '') : null },
      'scaled-out storage',
    )
  }
  const prometheus = createPrometheusMetrics()
  const webhooks = startWebhooks(config, secrets, logger, prometheus.registry)
  const sync = new SyncServer({
    store,
    bus,
    logger,
    keepHistory,
    metrics: prometheus.metrics,
    hooks: [
      ...(policy.authority ? [tokenAuthentication(policy.authority, policy.revocations ?? undefined)] : []),
      ...(webhooks ? [webhooks.events.hooks()] : []),
    ],
    unloadDelay: config.unloadDelay,
    commitDelay: config.commitDelay,
    compactAfter: config.compactAfter,
    versionPause: config.versionPause,
    maxVersionInterval: config.versionMax,
    historyKeep: config.historyKeep,
    maxBufferedBytes: config.maxBufferedBytes,
    maxMessageSize: config.maxMessageSize,
    maxDocumentSize: config.maxDocumentSize,
    limits: {
      maxUpdateClients: config.maxUpdateClients,
      maxUpdateStructs: config.maxUpdateStructs,
      maxPendingBytes: config.maxPending,
      maxPendingAge: config.maxPendingAge,
      maxAwarenessSize: config.maxAwarenessSize,
      messagesPerSecond: config.maxMessagesPerSecond,
      bytesPerSecond: config.maxBytesPerSecond,
      syncRequestsPerMinute: config.maxSyncRequestsPerMinute,
    },
  })
  prometheus.observe(sync)
  const unwatchRevocations = policy.revocations?.watch(sync)

  const app = new Koa()
  // Behind a trusted proxy, ctx.ip is the last X-Forwarded-For entry: the one that proxy added.
  app.proxy = config.trustProxy
  app.maxIpsCount = 1
  app.on('error', (error, ctx) => {
    if ((error as { status?: number }).status !== undefined && (error as { status: number }).status < 500) return
    logger.error({ err: error, path: ctx?.path }, 'HTTP request failed')
  })
  // The routes under /api/docs/<name>/ that are not the document API's own come before it: it answers 404 to any
  // other sub-path.
  app.use(writeRoutes(sync, { policy, maxWriteSize: config.maxWriteSize }))
  app.use(tokenRoutes(policy, { adminKey: secrets.adminKey ?? undefined }))
  app.use(linkRoutes(policy, { adminKey: secrets.adminKey ?? undefined }))
  app.use(
    syncRoutes(sync, {
      registry: prometheus.registry,
      policy,
      metricsKey: secrets.adminKey ?? undefined,
      adminKey: secrets.adminKey ?? undefined,
      listDocuments: config.listDocuments,
      trashDays: config.trashDays,
      onDocument: webhooks ? (event) => webhooks.events.documentEvent(event) : undefined,
    }),
  )
  app.use(webApp({ dir: config.webDir }))
  app.use((ctx) => {
    ctx.status = 404
    ctx.body = 'Not found. Tandem serves documents over WebSocket at ws://HOST:PORT/<document>.\n'
  })

  // Node's default 16 KiB of headers answers a longer URL with a bare 431 before Koa sees it; a person who
  // opens a link with an absurdly long document name should get Tandem's page saying so (414). 64 KiB bounds what
  // one request may make the server hold while reading its headers; past it Node's 431 stays.
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app.callback())
  const endpoint = attachSyncServer(server, sync, {
    maxPayload: config.maxMessageSize,
    pingInterval: config.pingInterval,
    metrics: prometheus.metrics,
    policy,
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const sweep = startHousekeeping(sync, policy.revocations, config.trashDays, logger)

  let closing: Promise<boolean> | null = null
  return {
    port,
    close() {
      closing ??= (async () => {
        sweep.stop()
        endpoint.close()
        unwatchRevocations?.()
        server.close()
        const saved = await sync.close(Math.max(config.shutdownTimeout - 1000, 100))
        webhooks?.events.close()
        webhooks?.sender.close()
        server.closeAllConnections()
        return saved
      })()
      return closing
    },
  }
}

/** The most bytes of request headers (the URL included) the HTTP server reads; Node's default is 16 KiB. */
const MAX_HEADER_BYTES = 64 * 1024

/** The longest wait between two sweeps of the trash, in ms. */
const MAX_SWEEP_INTERVAL = 3_600_000

/**
 * Purges the documents that have been in the trash longer than `trashDays`, and with `revocations` drops the
 * revocations of tokens that have expired (see `TokenRevocations.prune`): once at start, then every hour, or
 * every quarter of the trash time when that is shorter (at least every second), so a document never outstays
 * it by more than that.
 */
function startHousekeeping(
  sync: SyncServer,
  revocations: TokenRevocations | null,
  trashDays: number,
  logger: Logger,
): { stop(): void } {
  const keepMs = trashDays * 86_400_000
  const sweep = () => {
    sync.documents.purgeTrashed(new Date(Date.now() - keepMs)).catch((error: unknown) => {
      logger.error({ err: error }, 'purging documents out of the trash failed; the next sweep tries again')
    })
    revocations?.prune().then(
      (dropped) => {
        if (dropped > 0) logger.info({ revocations: dropped }, 'dropped the revocations of tokens that have expired')
      },
      (error: unknown) => {
        logger.error({ err: error }, 'dropping the revocations of expired tokens failed; the next sweep tries again')
      },
    )
  }
  sweep()
  const timer = setInterval(sweep, Math.max(1000, Math.min(MAX_SWEEP_INTERVAL, keepMs / 4)))
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
