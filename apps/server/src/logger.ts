import pino from 'pino'
import pretty from 'pino-pretty'
import type { ServeConfig } from './config.js'

/** Structured JSON logs on stdout; human-readable when stdout is a terminal. */
export function createLogger(level: ServeConfig['logLevel']): pino.Logger {
  const destination = process.stdout.isTTY ? pretty({ sync: true }) : pino.destination({ dest: 1, sync: true })
  return pino({ level, base: { service: 'tandem' } }, destination)
}
