/** How the editor waits between attempts to reconnect. */
export interface ReconnectOptions {
  /** The longest wait before the first retry, in ms. @default 250 */
  minDelay?: number
  /** The longest wait between two attempts, in ms: the cap of the exponential backoff. @default 10000 */
  maxDelay?: number
}

/** The defaults of {@link ReconnectOptions}. */
export const DEFAULT_RECONNECT: Required<ReconnectOptions> = { minDelay: 250, maxDelay: 10_000 }

/**
 * The wait before retry number `attempt` (0 for the first): exponential backoff capped at `maxDelay`, with
 * "equal jitter", a random wait between half the step and the full step. The random half spreads out the
 * editors that all lost the same server at the same moment, so they do not return in one wave; the fixed half
 * keeps any of them from retrying in a tight loop.
 */
export function reconnectDelay(
  attempt: number,
  { minDelay, maxDelay }: Required<ReconnectOptions>,
  random: () => number = Math.random,
): number {
  const step = Math.min(maxDelay, minDelay * 2 ** Math.min(attempt, 30))
  return step / 2 + random() * (step / 2)
}

/** Checks {@link ReconnectOptions} and fills in the defaults. @internal */
export function resolveReconnect(options: ReconnectOptions | undefined): Required<ReconnectOptions> {
  const resolved = { ...DEFAULT_RECONNECT, ...options }
  for (const key of ['minDelay', 'maxDelay'] as const) {
    if (!(Number.isFinite(resolved[key]) && resolved[key] > 0)) {
      throw new RangeError(`reconnect.${key} must be a positive number of milliseconds; got ${resolved[key]}.`)
    }
  }
  if (resolved.maxDelay < resolved.minDelay) {
    throw new RangeError('reconnect.maxDelay must be at least reconnect.minDelay.')
  }
  return resolved
}
