/**
 * The `tandem serve` configuration: every setting has a flag, an environment variable and a default, in one
 * table that also writes `--help`. Flags win over the environment. Every value is checked, and a bad one is
 * refused with a message that names the setting, what it must be and what it got.
 */
import {
  DEFAULT_MAX_DOCUMENT_SIZE,
  DEFAULT_MAX_MESSAGE_SIZE,
  defaultWriteLimits as limits,
  syncDefaults,
} from '@tandem/server'
import { DEFAULT_MAX_WRITE_SIZE, DEFAULT_PING_INTERVAL, parseDuration, webhookDefaults } from '@tandem/server-koa'
import { DEFAULT_WEB_DIR } from './web-app.js'

/** The settings of `tandem serve`. */
export interface ServeConfig {
  port: number
  host: string
  dataDir: string
  store: 'sqlite' | 'memory'
  databaseUrl: string | null
  redisUrl: string | null
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'
  pingInterval: number
  maxMessageSize: number
  maxBufferedBytes: number
  maxUpdateClients: number
  maxUpdateStructs: number
  maxPending: number
  maxPendingAge: number
  maxAwarenessSize: number
  maxDocumentSize: number
  maxMessagesPerSecond: number
  maxBytesPerSecond: number
  maxSyncRequestsPerMinute: number
  unloadDelay: number
  commitDelay: number
  compactAfter: number
  shutdownTimeout: number
  webDir: string
  auth: 'none' | 'token'
  secretFile: string | null
  publicKeyFile: string | null
  adminKeyFile: string | null
  allowedOrigins: string[]
  trustProxy: boolean
  maxConnectionsPerMinute: number
  maxDocsPerIp: number
  authFailureLimit: number
  maxWriteSize: number
  webhookUrls: string[]
  webhookSecretFile: string | null
  webhookDebounce: number
  webhookTimeout: number
  webhookAttempts: number
  webhookQueueSize: number
  listDocuments: boolean
  trashDays: number
  /** How long history is kept, in ms; `null` keeps it forever. */
  historyKeep: number | null
  versionPause: number
  versionMax: number
}

/** A configuration error, for the user: print its message and exit with status 2. */
export class ConfigError extends Error {}

interface Setting<K extends keyof ServeConfig> {
  key: K
  flag: string
  env: string
  value: string
  help: string
  fallback: string
  parse: (raw: string, name: string) => ServeConfig[K]
}

/** The longest automatic-version timing, in ms. */
const DAY_MS = 86_400_000

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

const settings: { [K in keyof ServeConfig]: Setting<K> }[keyof ServeConfig][] = [
  setting('port', 'port', 'PORT', '<n>', 'TCP port to listen on; 0 picks a free one.', '1234', int(0, 65535)),
  setting('host', 'host', 'HOST', '<addr>', 'Address to listen on; 0.0.0.0 for every interface.', 'localhost', text),
  setting('dataDir', 'data-dir', 'DATA_DIR', '<path>', 'Directory of the SQLite database.', './data', text),
  setting(
    'store',
    'store',
    'TANDEM_STORE',
    '<kind>',
    'sqlite, or memory to keep nothing across restarts.',
    'sqlite',
    oneOf(['sqlite', 'memory'] as const),
  ),
  setting(
    'databaseUrl',
    'database-url',
    'DATABASE_URL',
    '<url>',
    'Store documents in PostgreSQL (postgres://user:pass@host/db) instead of SQLite; instances share it.',
    '',
    optionalUrl(['postgres:', 'postgresql:']),
  ),
  setting(
    'redisUrl',
    'redis-url',
    'REDIS_URL',
    '<url>',
    'Redis through which instances on one database edit together (redis://host:6379, rediss:// for TLS).',
    '',
    optionalUrl(['redis:', 'rediss:']),
  ),
  setting('logLevel', 'log-level', 'LOG_LEVEL', '<level>', `One of ${logLevels.join(', ')}.`, 'info', oneOf(logLevels)),
  setting(
    'pingInterval',
    'ping-interval',
    'PING_INTERVAL',
    '<ms>',
    "Ping every connection this often; one that sends neither a pong nor any message before the next ping is dropped. Keep it below your proxy's read timeout.",
    String(DEFAULT_PING_INTERVAL),
    int(100, 3_600_000),
  ),
  setting(
    'maxMessageSize',
    'max-message-size',
    'MAX_MESSAGE_SIZE',
    '<size>',
    'Largest frame accepted (e.g. 16MiB); a larger one closes with 1009.',
    sizeText(DEFAULT_MAX_MESSAGE_SIZE),
    size(1024),
  ),
  setting(
    'maxBufferedBytes',
    'max-buffered',
    'MAX_BUFFERED',
    '<size>',
    'Drop a client that stops reading once this much waits to be sent to it.',
    sizeText(syncDefaults.maxBufferedBytes),
    size(1024),
  ),
  setting(
    'maxUpdateClients',
    'max-update-clients',
    'MAX_UPDATE_CLIENTS',
    '<n>',
    'Most clients one update may carry changes of; more closes the connection with 4422.',
    String(limits.maxUpdateClients),
    int(1, 10_000_000),
  ),
  setting(
    'maxUpdateStructs',
    'max-update-structs',
    'MAX_UPDATE_STRUCTS',
    '<n>',
    'Most structs (and delete ranges) one update may carry; more closes the connection with 4422.',
    String(limits.maxUpdateStructs),
    int(1, 100_000_000),
  ),
  setting(
    'maxPending',
    'max-pending',
    'MAX_PENDING',
    '<size>',
    'Changes one connection may leave waiting for content the server lacks (a document: 4x); more closes with 4002.',
    sizeText(limits.maxPendingBytes),
    size(1024),
  ),
  setting(
    'maxPendingAge',
    'max-pending-age',
    'MAX_PENDING_AGE',
    '<ms>',
    'How long such waiting changes may wait; then their sender is closed with 4002 and resyncs.',
    String(limits.maxPendingAge),
    int(100, 3_600_000),
  ),
  setting(
    'maxAwarenessSize',
    'max-awareness-size',
    'MAX_AWARENESS_SIZE',
    '<size>',
    'Largest presence (awareness) state of one person; larger closes with 4422. A message may carry 16x.',
    sizeText(limits.maxAwarenessSize),
    size(256),
  ),
  setting(
    'maxDocumentSize',
    'max-document-size',
    'TANDEM_MAX_DOCUMENT_SIZE',
    '<size>',
    "Largest document (stored state plus changes since); a change past it closes with 4413, unsaved. The default bounds a newcomer's first sync and a document's memory.",
    sizeText(DEFAULT_MAX_DOCUMENT_SIZE),
    size(1024),
  ),
  setting(
    'maxMessagesPerSecond',
    'max-messages-per-second',
    'MAX_MESSAGES_PER_SECOND',
    '<n>',
    "Messages one connection may send per second, bursts of one second's worth; more closes with 4029.",
    String(limits.messagesPerSecond),
    int(1, 10_000_000),
  ),
  setting(
    'maxBytesPerSecond',
    'max-bytes-per-second',
    'MAX_BYTES_PER_SECOND',
    '<size>',
    "Bytes one connection may send per second, bursts of one second's worth or one largest frame; more closes with 4029.",
    sizeText(limits.bytesPerSecond),
    size(1024),
  ),
  setting(
    'maxSyncRequestsPerMinute',
    'max-sync-requests-per-minute',
    'MAX_SYNC_REQUESTS_PER_MINUTE',
    '<n>',
    'Sync requests (each answered with the document) one connection may send per minute; more closes with 4029.',
    String(limits.syncRequestsPerMinute),
    int(1, 1_000_000),
  ),
  setting(
    'unloadDelay',
    'unload-delay',
    'UNLOAD_DELAY',
    '<ms>',
    'Keep a document in memory this long after its last connection left.',
    String(syncDefaults.unloadDelay),
    int(0, 86_400_000),
  ),
  setting(
    'commitDelay',
    'commit-delay',
    'COMMIT_DELAY',
    '<ms>',
    'Batch updates this long before committing them (at most 50).',
    String(syncDefaults.commitDelay),
    int(0, 50),
  ),
  setting(
    'compactAfter',
    'compact-after',
    'COMPACT_AFTER',
    '<n>',
    'Compact a document once its update log holds this many entries.',
    String(syncDefaults.compactAfter),
    int(1, 1_000_000),
  ),
  setting(
    'shutdownTimeout',
    'shutdown-timeout',
    'SHUTDOWN_TIMEOUT',
    '<ms>',
    'On SIGINT/SIGTERM, exit at the latest after this long.',
    '10000',
    int(100, 600_000),
  ),
  setting(
    'webDir',
    'web-dir',
    'WEB_DIR',
    '<path>',
    'Directory of the built web app, served at / (`pnpm build` makes it); the default is in this checkout.',
    'apps/web/dist',
    webDirectory,
  ),
  setting(
    'auth',
    'auth',
    'TANDEM_AUTH',
    '<mode>',
    'none: anyone who reaches the server may edit; token: every connection and API call needs a token.',
    'none',
    oneOf(['none', 'token'] as const),
  ),
  setting(
    'secretFile',
    'secret-file',
    'TANDEM_SECRET_FILE',
    '<path>',
    'File holding the HS256 token secret (or set TANDEM_SECRET itself).',
    '',
    optionalText,
  ),
  setting(
    'publicKeyFile',
    'public-key-file',
    'TANDEM_PUBLIC_KEY_FILE',
    '<path>',
    'PEM public key to verify tokens another service signs (RS256, ES256, EdDSA).',
    '',
    optionalText,
  ),
  setting(
    'adminKeyFile',
    'admin-key-file',
    'TANDEM_ADMIN_KEY_FILE',
    '<path>',
    'File holding the admin key for POST /api/tokens and /metrics (or set TANDEM_ADMIN_KEY).',
    '',
    optionalText,
  ),
  setting(
    'allowedOrigins',
    'allowed-origins',
    'ALLOWED_ORIGINS',
    '<list>',
    "More browser origins that may connect, comma-separated, or *; the server's own origin always may.",
    '',
    list,
  ),
  setting(
    'trustProxy',
    'trust-proxy',
    'TRUST_PROXY',
    '<bool>',
    'Take client IPs from X-Forwarded-For (only behind your own proxy).',
    'false',
    bool,
  ),
  setting(
    'maxConnectionsPerMinute',
    'max-connections-per-minute',
    'MAX_CONNECTIONS_PER_MINUTE',
    '<n>',
    'Connection attempts and API calls one IP may make per minute (429 beyond).',
    '120',
    int(1, 1_000_000),
  ),
  setting(
    'maxDocsPerIp',
    'max-docs-per-ip',
    'MAX_DOCS_PER_IP',
    '<n>',
    'Different documents one IP may have open at once (429 beyond).',
    '50',
    int(1, 1_000_000),
  ),
  setting(
    'authFailureLimit',
    'auth-failure-limit',
    'AUTH_FAILURE_LIMIT',
    '<n>',
    'Failed authentications from one IP before it must wait (1 s, doubling to 5 min).',
    '5',
    int(1, 1000),
  ),
  setting(
    'maxWriteSize',
    'max-write-size',
    'MAX_WRITE_SIZE',
    '<size>',
    'Largest body of one write through the document API (PUT, PATCH, append); larger gets 413.',
    sizeText(DEFAULT_MAX_WRITE_SIZE),
    size(1),
  ),
  setting(
    'webhookUrls',
    'webhook-url',
    'TANDEM_WEBHOOK_URL',
    '<url>',
    'Send document events to this http(s) URL; repeat the option or separate URLs with commas.',
    '',
    urlList(['http:', 'https:']),
  ),
  setting(
    'webhookSecretFile',
    'webhook-secret-file',
    'TANDEM_WEBHOOK_SECRET_FILE',
    '<path>',
    'File holding the secret that signs webhooks (Tandem-Signature), or set TANDEM_WEBHOOK_SECRET.',
    '',
    optionalText,
  ),
  setting(
    'webhookDebounce',
    'webhook-debounce',
    'TANDEM_WEBHOOK_DEBOUNCE',
    '<ms>',
    'Send document.changed this long after the last change: at most one per document per this long.',
    String(webhookDefaults.debounce),
    int(0, 3_600_000),
  ),
  setting(
    'webhookTimeout',
    'webhook-timeout',
    'TANDEM_WEBHOOK_TIMEOUT',
    '<ms>',
    "Abandon a webhook attempt after this long without the receiver's answer, and retry.",
    String(webhookDefaults.timeout),
    int(100, 600_000),
  ),
  setting(
    'webhookAttempts',
    'webhook-attempts',
    'TANDEM_WEBHOOK_ATTEMPTS',
    '<n>',
    'Attempts per event and receiver (retries back off from 1 s, doubling, up to 5 min) before giving up.',
    String(webhookDefaults.maxAttempts),
    int(1, 100),
  ),
  setting(
    'webhookQueueSize',
    'webhook-queue-size',
    'TANDEM_WEBHOOK_QUEUE_SIZE',
    '<n>',
    'Events waiting per receiver; past this the oldest is dropped (counted in /metrics).',
    String(webhookDefaults.maxPending),
    int(1, 1_000_000),
  ),
  setting(
    'listDocuments',
    'list-documents',
    'LIST_DOCUMENTS',
    '<on|off>',
    'Serve the list of documents at GET /api/docs (only those a token covers); off answers 404.',
    'on',
    bool,
  ),
  setting(
    'trashDays',
    'trash-days',
    'TRASH_DAYS',
    '<days>',
    'Purge a deleted document for good once it has been in the trash this long (a fraction is allowed).',
    '30',
    decimal(0, 36_500),
  ),
  setting(
    'historyKeep',
    'history-keep',
    'TANDEM_HISTORY_KEEP',
    '<duration>',
    'Drop history (past changes and versions) older than this, like 90d or 12h; forever keeps it all.',
    'forever',
    optionalDuration,
  ),
  setting(
    'versionPause',
    'version-pause',
    'TANDEM_VERSION_PAUSE',
    '<duration>',
    'Take an automatic version once editing paused this long, like 30s or 2m.',
    durationText(syncDefaults.versionPause),
    duration(1000, DAY_MS),
  ),
  setting(
    'versionMax',
    'version-max',
    'TANDEM_VERSION_MAX',
    '<duration>',
    'While editing goes on, take an automatic version at least this often.',
    durationText(syncDefaults.maxVersionInterval),
    duration(1000, DAY_MS),
  ),
]

/** The options that may be given more than once; their values add up, as if separated by commas. */
const repeatable = new Set(['webhook-url'])

function setting<K extends keyof ServeConfig>(
  key: K,
  flag: string,
  env: string,
  value: string,
  help: string,
  fallback: string,
  parse: (raw: string, name: string) => ServeConfig[K],
): Setting<K> {
  return { key, flag, env, value, help, fallback, parse }
}

/** Reads the configuration from command-line arguments (after `serve`) and the environment. */
export function readServeConfig(args: readonly string[], env: NodeJS.ProcessEnv): ServeConfig {
  const flags = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    // `pnpm start -- --host 0.0.0.0` passes the `--` on (npm drops it): serve takes no arguments it could end.
    if (arg === '--') continue
    if (!arg.startsWith('--'))
      throw new ConfigError(`Unexpected argument "${arg}". Run "tandem serve --help" for the options.`)
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq)
    if (!settings.some((s) => s.flag === name)) {
      throw new ConfigError(`Unknown option "--${name}". Run "tandem serve --help" for the options.`)
    }
    let value: string | undefined
    if (eq !== -1) value = arg.slice(eq + 1)
    else if ((settings.find((s) => s.flag === name)?.parse as unknown) === bool) {
      // A switch alone means on; `--list-documents off` takes the word after it.
      const next = args[i + 1]?.toLowerCase()
      if (next !== undefined && boolWords.includes(next)) {
        value = next
        i++
      } else value = 'true'
    } else {
      value = args[i + 1]
      i++
    }
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`Option "--${name}" needs a value.`)
    const earlier = flags.get(name)
    flags.set(name, earlier !== undefined && repeatable.has(name) ? `${earlier},${value}` : value)
  }
  const config: Partial<Record<keyof ServeConfig, unknown>> = {}
  for (const s of settings) config[s.key] = resolveSetting(s, flags, env)
  const checked = config as ServeConfig
  if (checked.databaseUrl !== null && checked.store === 'memory') {
    throw new ConfigError('--store memory and --database-url contradict each other; choose one.')
  }
  if (checked.redisUrl !== null && checked.databaseUrl === null) {
    throw new ConfigError(
      '--redis-url needs --database-url: instances that edit documents together must store them in one database.',
    )
  }
  return checked
}

/**
 * Reads some of `tandem serve`'s settings for another command that takes them too (`tandem backup --data-dir`),
 * with the same flags, environment variables, defaults and checks. `flags` maps a flag's name without its dashes
 * (`data-dir`) to the value given on the command line.
 */
export function readSharedSettings<K extends keyof ServeConfig>(
  keys: readonly K[],
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): Pick<ServeConfig, K> {
  const config: Partial<Pick<ServeConfig, K>> = {}
  for (const key of keys) config[key] = resolveSetting(settingOf(key), flags, env)
  return config as Pick<ServeConfig, K>
}

/** The flag names (without dashes) of some of `tandem serve`'s settings, for a command that takes them. */
export function sharedSettingFlags(keys: readonly (keyof ServeConfig)[]): string[] {
  return keys.map((key) => settingOf(key).flag)
}

/** The `--help` rows of some of `tandem serve`'s settings, as [option, description] pairs worded as there. */
export function sharedSettingsHelp(keys: readonly (keyof ServeConfig)[]): [option: string, description: string][] {
  return keys.map((key) => helpRow(settingOf(key)))
}

function settingOf<K extends keyof ServeConfig>(key: K): Setting<K> {
  return settings.find((s) => s.key === key) as unknown as Setting<K>
}

function resolveSetting<K extends keyof ServeConfig>(
  s: Setting<K>,
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): ServeConfig[K] {
  const fromFlag = flags.get(s.flag)
  const fromEnv = env[s.env]
  const [raw, source] =
    fromFlag !== undefined
      ? [fromFlag, `--${s.flag}`]
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, s.env]
        : [s.fallback, `--${s.flag}`]
  return s.parse(raw, source)
}

function helpRow(s: Setting<keyof ServeConfig>): [option: string, description: string] {
  return [`--${s.flag} ${s.value}`, `${s.help} [env ${s.env}, default ${s.fallback || 'none'}]`]
}

/** A URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password !== '') url.password = '***'
    return url.toString()
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
  }
}

/** The `tandem serve --help` text. */
export function serveHelp(): string {
  const rows = settings.map(helpRow)
  const width = Math.max(...rows.map(([left]) => (left as string).length)) + 2
  return [
    'Usage: tandem serve [options]',
    '',
    'Runs the Tandem sync server: the WebSocket endpoint (ws://HOST:PORT/<document>), /healthz, /readyz,',
    '/metrics, /api/docs, and the web app at /. Options can also be given as environment variables; options win.',
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${(left as string).padEnd(width)}${right}`),
    `  ${'-h, --help'.padEnd(width)}Show this help.`,
  ].join('\n')
}

function optionalUrl(protocols: readonly string[]) {
  return (raw: string, name: string): string | null => {
    if (raw.trim() === '') return null
    let url: URL
    try {
      url = new URL(raw.trim())
    } catch {
      throw new ConfigError(`${name} must be a URL like ${protocols[0]}//host (got "${redactUrl(raw)}").`)
    }
    if (!protocols.includes(url.protocol)) {
      throw new ConfigError(
        `${name} must start with ${protocols.map((protocol) => `${protocol}//`).join(' or ')} (got "${redactUrl(raw)}").`,
      )
    }
    return raw.trim()
  }
}

function urlList(protocols: readonly string[]) {
  const check = optionalUrl(protocols)
  return (raw: string, name: string): string[] =>
    list(raw).map((url) => {
      check(url, name)
      return url
    })
}

function optionalText(raw: string): string | null {
  return raw.trim() === '' ? null : raw
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
}

const boolWords = ['true', '1', 'yes', 'on', 'false', '0', 'no', 'off']

function bool(raw: string, name: string): boolean {
  const value = raw.trim().toLowerCase()
  if (['true', '1', 'yes', 'on'].includes(value)) return true
  if (['false', '0', 'no', 'off'].includes(value)) return false
  throw new ConfigError(`${name} must be true or false (got "${raw}").`)
}

function text(raw: string, name: string): string {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty.`)
  return raw
}

function webDirectory(raw: string, name: string): string {
  // The default is the app built in this checkout, wherever the server was started from.
  return raw === 'apps/web/dist' ? DEFAULT_WEB_DIR : text(raw, name)
}

function int(min: number, max: number) {
  return (raw: string, name: string): number => {
    const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`)
    }
    return value
  }
}

function decimal(min: number, max: number) {
  return (raw: string, name: string): number => {
    const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be a number from ${min} to ${max}, like 30 or 0.5 (got "${raw}").`)
    }
    return value
  }
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string, name: string): T => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name} must be one of ${values.join(', ')} (got "${raw}").`)
    }
    return raw as T
  }
}

/** A duration in ms as the duration flags write it: 30s, 5m or 2h. */
function durationText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`
}

/** A duration (90, 30s, 5m, 12h, 7d, 2w) from `min` to `max` ms, in ms. */
function duration(min: number, max: number) {
  return (raw: string, name: string): number => {
    const seconds = parseDuration(raw)
    const ms = seconds === null ? Number.NaN : seconds * 1000
    if (!(ms >= min && ms <= max)) {
      throw new ConfigError(
        `${name} must be a duration from ${durationText(min)} to ${durationText(max)}, like 30s, 5m or 2h (got "${raw}").`,
      )
    }
    return ms
  }
}

/** A duration in ms, or `forever` (`null`). */
function optionalDuration(raw: string, name: string): number | null {
  if (raw.trim().toLowerCase() === 'forever') return null
  const seconds = parseDuration(raw)
  if (seconds === null) {
    throw new ConfigError(`${name} must be forever or a duration like 90d, 12h or 30m (got "${raw}").`)
  }
  return seconds * 1000
}

const units: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}

/** A byte count as the size flags write it: 16MiB, 64KiB or 1000. */
function sizeText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MiB`
  return bytes % 1024 === 0 ? `${bytes / 1024}KiB` : String(bytes)
}

function size(min: number) {
  return (raw: string, name: string): number => {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim())
    const unit = units[(match?.[2] ?? '').toLowerCase()]
    const value = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN
    if (!Number.isSafeInteger(value) || value < min) {
      throw new ConfigError(
        `${name} must be a size of at least ${min} bytes, like 65536, 512KiB or 16MiB (got "${raw}").`,
      )
    }
    return value
  }
}
