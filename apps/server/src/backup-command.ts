/**
 * `tandem backup` and `tandem restore`: a consistent copy of a data directory's SQLite database while a server
 * runs on it, and that copy put back into an empty data directory. The work is @tandem/store-sqlite's; this file
 * reads the command line, refuses what would lose data, and reports.
 */
import { existsSync } from 'node:fs'
import { backupSqliteStore, restoreSqliteStore, type SqliteCopyProgress } from '@tandem/store-sqlite'
import { ConfigError, readSharedSettings, sharedSettingFlags, sharedSettingsHelp } from './config.js'

const shared = ['dataDir'] as const

/** The `tandem backup --help` text. */
export function backupHelp(): string {
  return help(
    'Usage: tandem backup <file> [options]',
    [
      'Copies the SQLite database of a data directory to <file> while Tandem runs on it and people edit: a',
      "consistent snapshot of everything saved when the backup began, read through SQLite's online backup without",
      'stopping or blocking the server. <file> is one self-contained SQLite file; "tandem restore" puts it back.',
    ],
    [['--force', 'Replace <file> if it exists.']],
  )
}

/** The `tandem restore --help` text. */
export function restoreHelp(): string {
  return help(
    'Usage: tandem restore <file> [options]',
    [
      'Puts a backup made by "tandem backup" into an empty data directory (created if missing), checking first',
      'that <file> is a sound Tandem database this version can read. Then start Tandem on that directory; it',
      'brings a backup from an older version up to date when it opens it.',
    ],
    [],
  )
}

/** `tandem backup <file>`. Returns the exit status: 0 once written, 1 when refused or failed, 2 for a usage error. */
export async function runBackupCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return run('backup', backupHelp, args, env, async ({ file, force, dataDir }) => {
    if (existsSync(file) && !force) {
      throw new Error(`${file} already exists; choose another file, or pass --force to replace it.`)
    }
    const progress = progressDisplay()
    const report = await backupSqliteStore({ dataDir, destination: file, onProgress: progress.update })
    progress.end()
    console.log(
      `Backed up ${count(report.documents, 'document')} (${report.bytes} bytes, schema version ${report.schemaVersion}) ` +
        `from ${dataDir} to ${report.path}.`,
    )
  })
}

/** `tandem restore <file>`. Returns the exit status: 0 once restored, 1 when refused or failed, 2 for a usage error. */
export async function runRestoreCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return run('restore', restoreHelp, args, env, async ({ file, dataDir }) => {
    const report = await restoreSqliteStore({ source: file, dataDir })
    console.log(
      `Restored ${count(report.documents, 'document')} (${report.bytes} bytes, schema version ${report.schemaVersion}) ` +
        `from ${file} to ${report.path}. Start Tandem with --data-dir ${dataDir}.`,
    )
  })
}

interface Parsed {
  file: string
  force: boolean
  dataDir: string
}

async function run(
  command: 'backup' | 'restore',
  helpText: () => string,
  args: string[],
  env: NodeJS.ProcessEnv,
  work: (parsed: Parsed) => Promise<void>,
): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    console.log(helpText())
    return 0
  }
  let parsed: Parsed
  try {
    parsed = parse(command, args, env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`tandem ${command}: ${error.message} Run "tandem ${command} --help" for the options.`)
    return 2
  }
  try {
    await work(parsed)
    return 0
  } catch (error) {
    console.error(`tandem ${command}: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

function parse(command: 'backup' | 'restore', args: string[], env: NodeJS.ProcessEnv): Parsed {
  const flags = new Map<string, string>()
  const files: string[] = []
  let force = false
  const valued = sharedSettingFlags(shared)
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (!arg.startsWith('-')) {
      files.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg.replace(/^-+/, '') : arg.slice(2, eq)
    if (command === 'backup' && arg === '--force') {
      force = true
    } else if (arg.startsWith('--') && valued.includes(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1)
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`Option "--${name}" needs a value.`)
      flags.set(name, value)
    } else {
      throw new ConfigError(`Unknown option "${arg}".`)
    }
  }
  const [file, extra] = files
  if (file === undefined || file === '')
    throw new ConfigError(`Say which file to ${command}: tandem ${command} <file>.`)
  if (extra !== undefined) throw new ConfigError(`Unexpected argument "${extra}": pass one file.`)
  if (env.DATABASE_URL) {
    throw new ConfigError(
      `DATABASE_URL is set, so Tandem stores its documents in PostgreSQL, not in a data directory: ${command} ` +
        'them with pg_dump and pg_restore (see "Backups and upgrades" in docs/self-hosting.md).',
    )
  }
  return { file, force, ...readSharedSettings(shared, flags, env) }
}

function help(usage: string, about: string[], own: [string, string][]): string {
  const rows = [...sharedSettingsHelp(shared), ...own, ['-h, --help', 'Show this help.'] as [string, string]]
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return [usage, '', ...about, '', 'Options:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`)].join(
    '\n',
  )
}

// Progress goes to stderr, and only once the copy has taken a second: a small database is copied before anyone
// would read it. On a terminal it updates one line in place; otherwise it prints a line a second.
function progressDisplay(): { update: (progress: SqliteCopyProgress) => void; end: () => void } {
  const started = Date.now()
  let shownAt = 0
  const tty = process.stderr.isTTY
  return {
    update({ totalPages, remainingPages }) {
      const now = Date.now()
      if (now - started < 1000 || (!tty && now - shownAt < 1000)) return
      shownAt = now
      const percent = Math.floor(((totalPages - remainingPages) / totalPages) * 100)
      const line = `backing up: ${percent}% (${totalPages - remainingPages} of ${totalPages} pages)`
      process.stderr.write(tty ? `\r${line}` : `${line}\n`)
    },
    end() {
      if (tty && shownAt !== 0) process.stderr.write('\n')
    },
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
