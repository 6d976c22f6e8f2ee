/**
 * The logging interface the sync core writes to: the shape of pino's methods, so a pino logger can be
 * passed as it is, without the core depending on pino.
 */
export interface Logger {
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
}

const discard = (): void => {}

/** A {@link Logger} that writes nothing: the default. */
export const silentLogger: Logger = { debug: discard, info: discard, warn: discard, error: discard }
