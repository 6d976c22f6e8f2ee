import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { freePort } from './reference-server.js'

/** How to start a throwaway PostgreSQL server with {@link startPostgres}. */
export interface PostgresServerOptions {
  /**
   * Whether the server flushes its WAL to disk (`fsync = on`, PostgreSQL's default). `false` runs with
   * `fsync = off`: faster on slow disks, fine for tests that never crash the server, wrong for durability tests.
   * @default true
   */
  readonly fsync?: boolean
  /** More server settings, passed as `-c key=value`, for example `{ wal_writer_delay: '10s' }`. */
  readonly settings?: Readonly<Record<string, string>>
}

/** A PostgreSQL server running as a child process in its own temporary directory. */
export interface PostgresServer {
  /** `postgres://tandem@127.0.0.1:PORT/postgres`: the superuser `tandem`, trusted without a password. */
  readonly url: string
  readonly port: number
  /** The directory holding the cluster and the server's unix socket; removed by `stop()`. */
  readonly dir: string
  /**
   * Creates a new empty database (`createdb`), named `name` or `test_<n>`, and resolves to its URL: for tests that
   * need a database of their own (its locale, `ALTER DATABASE` settings). `createdbArgs` go to `createdb` as they
   * are, for example
   * `['--template=template0', '--locale-provider=icu', '--icu-locale=en-US']`.
   */
  createDatabase(name?: string, createdbArgs?: readonly string[]): Promise<string>
  /**
   * Creates a new empty schema in the `postgres` database and resolves to a URL whose connections use it as
   * their `search_path` (`?options=-c search_path=...`), so tables created through it land there. It takes tens
   * of milliseconds where `createDatabase` takes a few hundred: the way to give each test its own empty store.
   */
  createSchema(): Promise<string>
  /**
   * Ends the server as a crash would: SIGQUIT, an immediate shutdown with no checkpoint, so the next start runs
   * crash recovery from the WAL. Resolves once every server process is gone.
   */
  crash(): Promise<void>
  /** Starts the server again on the same directory and port, after `crash()`; resolves once it accepts connections. */
  restart(): Promise<void>
  /** Shuts the server down (fast shutdown) and removes its directory. Calling it again does nothing. */
  stop(): Promise<void>
}

/** Where Debian and most distributions install the server binaries, newest major version first. */
const DEBIAN_ROOT = '/usr/lib/postgresql'
const START_TIMEOUT_MS = 30_000

/**
 * Starts a new PostgreSQL cluster for a test: `initdb` into a temporary directory, then `postgres` listening on
 * 127.0.0.1 on a free port, with its unix socket in the same directory. Resolves once it accepts connections.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the binaries run as the `postgres` user (made
 * by Debian's package), or `nobody` when there is none. The binaries are found through `POSTGRES_BIN` (a
 * directory), then `PATH`, then `/usr/lib/postgresql/<version>/bin`; when none has them, this rejects with what
 * to install. Call `stop()` in `afterAll`; a server still running when the test process exits is shut down then.
 */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin()
  const owner = process.getuid?.() === 0 ? runAsUser() : undefined
  const dir = await mkdtemp(join(tmpdir(), 'tandem-pg-'))
  const dataDir = join(dir, 'data')
  let child: ChildProcess | undefined
  let port = 0
  const onExit = () => {
    child?.kill('SIGQUIT')
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    if (owner) await chown(dir, owner.uid, owner.gid)
    await run(join(bin, 'initdb'), initdbArgs(dataDir), owner)
    process.once('exit', onExit)
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      try {
        child = await launch(join(bin, 'postgres'), serverArgs(dataDir, dir, port, options), owner)
        break
      } catch (error) {
        // Another process can take the free port between the probe and the server's bind: try another one.
        if (attempt >= 3 || !String(error).includes('could not bind')) throw error
      }
    }
  } catch (error) {
    process.off('exit', onExit)
    await rm(dir, { recursive: true, force: true })
    throw error
  }

  let stopped = false
  let databases = 0
  let schemas = 0
  const connection = (database?: string) => [
    '-h',
    dir,
    '-p',
    String(port),
    '-U',
    'tandem',
    ...(database ? ['-d', database] : []),
  ]
  const urlOf = (database: string) => `postgres://tandem@127.0.0.1:${port}/${encodeURIComponent(database)}`
  return {
    url: urlOf('postgres'),
    port,
    dir,
    async createSchema() {
      const schema = `test_${++schemas}`
      await run(
        join(bin, 'psql'),
        [...connection('postgres'), '-v', 'ON_ERROR_STOP=1', '-c', `CREATE SCHEMA ${schema}`],
        owner,
      )
      return `${urlOf('postgres')}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
    },
    async createDatabase(name = `test_${++databases}`, createdbArgs = []) {
      await run(join(bin, 'createdb'), [...connection(), ...createdbArgs, name], owner)
      return urlOf(name)
    },
    async crash() {
      if (child) await signalAndWait(child, 'SIGQUIT')
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) {
        throw new Error('The PostgreSQL server is still running; call crash() before restart().')
      }
      child = await launch(join(bin, 'postgres'), serverArgs(dataDir, dir, port, options), owner)
    },
    async stop() {
      if (stopped) return
      stopped = true
      process.off('exit', onExit)
      if (child) await signalAndWait(child, 'SIGINT').catch(() => signalAndWait(child!, 'SIGKILL'))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function initdbArgs(dataDir: string): string[] {
  // --no-sync only skips flushing the new cluster's files at the end of initdb: a test never survives a power loss.
  return ['-D', dataDir, '-U', 'tandem', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions']
}

function serverArgs(dataDir: string, socketDir: string, port: number, options: PostgresServerOptions): string[] {
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    fsync: options.fsync === false ? 'off' : 'on',
    max_connections: '200',
    shared_buffers: '32MB',
    ...options.settings,
  }
  return ['-D', dataDir, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])]
}

const BINARIES = ['initdb', 'postgres', 'createdb', 'psql']

/** The directory holding the server binaries and the clients the fixture runs. */
function findPostgresBin(): string {
  const fromEnv = process.env.POSTGRES_BIN
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join(DEBIAN_ROOT, version, 'bin'))
    : []
  const candidates = [fromEnv, ...(process.env.PATH ?? '').split(delimiter), ...versions].filter(Boolean) as string[]
  for (const candidate of candidates) {
    if (!existsSync(join(candidate, 'initdb'))) continue
    // Some systems link initdb into PATH alone (/usr/local/bin here): the other binaries sit beside its target.
    const dir = dirname(realpathSync(join(candidate, 'initdb')))
    if (BINARIES.every((binary) => existsSync(join(dir, binary)))) return dir
  }
  throw new Error(
    'The PostgreSQL tests need the PostgreSQL server binaries (initdb, postgres, createdb and psql), and none ' +
      `were found in POSTGRES_BIN, PATH or ${DEBIAN_ROOT}/<version>/bin. Install them (Debian/Ubuntu: \`apt-get install ` +
      'postgresql`), or set POSTGRES_BIN to the directory that holds them.',
  )
}

interface Owner {
  readonly uid: number
  readonly gid: number
  readonly name: string
}

/** The unprivileged user the server runs as when the tests run as root. */
function runAsUser(): Owner {
  const users = readFileSync('/etc/passwd', 'utf8').split('\n')
  for (const name of ['postgres', 'nobody']) {
    const fields = users.find((line) => line.startsWith(`${name}:`))?.split(':')
    if (fields && fields.length > 3) return { name, uid: Number(fields[2]), gid: Number(fields[3]) }
  }
  throw new Error(
    'PostgreSQL refuses to run as root and this machine has neither a "postgres" nor a "nobody" user. Create one ' +
      '(`useradd --system postgres`) or run the tests as an unprivileged user.',
  )
}

function spawnAs(command: string, args: string[], owner: Owner | undefined): ChildProcess {
  return spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', ...(owner ? { HOME: '/', USER: owner.name } : {}) },
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
  })
}

function run(command: string, args: string[], owner: Owner | undefined): Promise<void> {
  const child = spawnAs(command, args, owner)
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)),
    )
  })
}

/** Starts `postgres` and resolves once it logs that it accepts connections. */
function launch(command: string, args: string[], owner: Owner | undefined): Promise<ChildProcess> {
  const child = spawnAs(command, args, owner)
  // Kept until the server is ready, for the error message; the pipe is drained for as long as the server runs.
  let log: string | undefined = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGQUIT')
      reject(new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS / 1000} s:\n${log}`))
    }, START_TIMEOUT_MS)
    child.stderr?.on('data', (chunk) => {
      if (log === undefined) return
      log += chunk
      if (log.includes('database system is ready to accept connections')) {
        log = undefined
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`PostgreSQL exited (${code ?? signal}) before accepting connections:\n${log}`))
    })
  })
}

/** Sends `signal` to the postmaster and waits for it to exit; it exits after all its backends. */
function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not exit within 15 s of ${signal}.`)),
      START_TIMEOUT_MS / 2,
    )
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })
}
