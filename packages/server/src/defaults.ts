/**
 * The defaults of the sync core's settings, declared once: the core falls back to them, and the `tandem` CLI's
 * `--help` and docs read them from here.
 */
export const syncDefaults = {
  /** How long a document stays in memory after its last member left, in ms. */
  unloadDelay: 3000,
  /** How long an update may wait to be committed together with others, in ms. */
  commitDelay: 20,
  /** Compact a document once its stored log holds this many entries. */
  compactAfter: 500,
  /** The longest wait between retries of a failing commit, in ms. */
  maxRetryDelay: 5000,
  /** Cut a member off once this many bytes wait to be sent to it. */
  maxBufferedBytes: 8 * 1024 * 1024,
  /** How long a member has to answer a probe (a ping out of turn), in ms. */
  probeTimeout: 5000,
  /** How long another instance's update may stay unconfirmed before this instance stores it, in ms. */
  peerCommitTimeout: 10_000,
  /** An automatic version is taken once editing paused this long, in ms. */
  versionPause: 30_000,
  /** While editing goes on, an automatic version is taken at least this often, in ms. */
  maxVersionInterval: 5 * 60_000,
} as const
