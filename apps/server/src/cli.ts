#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { runBackupCommand, runRestoreCommand } from './backup-command.js'
import { ConfigError, readServeConfig, serveHelp } from './config.js'
import { createLogger } from './logger.js'
import { readSecrets } from './secrets.js'
import { keepHistoryFrom, startServer } from './tandem-server.js'
import { runTokenCommand } from './token-command.js'

const usage = `Usage: tandem <command> [options]

Tandem: a self-hostable collaborative text editor.

Commands:
  serve        Run the sync server (see "tandem serve --help").
  token        Print an access token (see "tandem token --help").
  backup       Copy a data directory's database while Tandem runs (see "tandem backup --help").
  restore      Put a backup into an empty data directory (see "tandem restore --help").
  help         Show this help.

Options:
  -h, --help     Show this help.
  -v, --version  Print the version.`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '-h' || command === '--help') {
    console.log(usage)
    return command === undefined ? 2 : 0
  }
  if (command === '-v' || command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    console.log(pkg.version)
    return 0
  }
  if (command === 'token') return runTokenCommand(rest, process.env)
  if (command === 'backup') return runBackupCommand(rest, process.env)
  if (command === 'restore') return runRestoreCommand(rest, process.env)
  if (command !== 'serve') {
    console.error(`tandem: unknown command "${command}". Run "tandem --help" for the commands.`)
    return 2
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    console.log(serveHelp())
    return 0
  }
  return serve(rest)
}

async function serve(args: string[]): Promise<number> {
  let config: ReturnType<typeof readServeConfig>
  let secrets: Awaited<ReturnType<typeof readSecrets>>
  let keepHistory: boolean
  try {
    config = readServeConfig(args, process.env)
    secrets = await readSecrets(config, process.env)
    keepHistory = keepHistoryFrom(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`tandem: ${error.message}`)
    return 2
  }
  const logger = createLogger(config.logLevel)
  // The last resort: every room and connection catches its own failures, so an error that still gets here is a
  // bug in one operation. Ending the process for it would end every room of every person: log it and keep serving.
  process.on('uncaughtException', (error) => {
    logger.error({ err: error }, 'an unexpected error escaped its operation; Tandem keeps serving')
  })
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'an unexpected rejection escaped its operation; Tandem keeps serving')
  })
  let server: Awaited<ReturnType<typeof startServer>>
  try {
    server = await startServer(config, secrets, logger, { keepHistory })
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tandem: ${error.message}`)
      return 2
    }
    logger.fatal({ err: error }, `Tandem could not start: ${error instanceof Error ? error.message : error}`)
    return 1
  }
  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.info({ signal }, 'already shutting down')
        return
      }
      stopping = true
      logger.info({ signal }, 'shutting down: closing connections and saving every document')
      const deadline = setTimeout(() => {
        logger.error({}, `shutdown took longer than ${config.shutdownTimeout} ms; exiting`)
        resolve(1)
      }, config.shutdownTimeout)
      deadline.unref()
      server.close().then(
        (saved) => {
          clearTimeout(deadline)
          logger.info(
            { saved },
            saved ? 'stopped; every document is saved' : 'stopped, but some changes could not be saved',
          )
          resolve(saved ? 0 : 1)
        },
        (error) => {
          logger.error({ err: error }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    // Handle signals before announcing that the server listens: whoever waits for that line (a supervisor, a
    // test) may stop the server right away, and a signal with no handler yet would kill it without a shutdown.
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)

    // Before "listening": whoever waits for that line has seen this one too.
    if (config.auth === 'none' && config.listDocuments) {
      logger.warn(
        {},
        'the document list is on with no access control: anyone who can reach the server sees the name and title ' +
          'of every document at /api/docs (turn it off with --list-documents off)',
      )
    }
    const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host
    logger.info(
      {
        port: server.port,
        host: config.host,
        dataDir: config.store === 'sqlite' && config.databaseUrl === null ? config.dataDir : null,
      },
      `listening on http://${shownHost}:${server.port} (WebSocket ws://${shownHost}:${server.port}/<document>)`,
    )
    if (config.auth === 'none' && !['localhost', '127.0.0.1', '::1'].includes(config.host)) {
      logger.warn(
        { host: config.host },
        'listening beyond this machine with no access control: anyone who can reach it can edit every document',
      )
    }
  })
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error)
    process.exit(1)
  },
)
