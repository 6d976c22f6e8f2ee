import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { repoRoot } from './server-process.js'

/** A self-signed certificate for `localhost`, `127.0.0.1` and more names, as files for nginx and as PEM for clients. */
export interface TestCertificate {
  /** Path of the certificate, for `ssl_certificate`. */
  readonly certificatePath: string
  /** Path of its private key, for `ssl_certificate_key`. */
  readonly keyPath: string
  /** The certificate as PEM: a client that trusts it (`ca`) verifies the server for real. */
  readonly pem: string
}

/**
 * Makes a self-signed certificate with `openssl` in `dir`, valid for a day for `localhost`, `127.0.0.1` and the
 * DNS `names` (e.g. `tandem.test`, a name that is not localhost, for a client that maps it to 127.0.0.1).
 * Rejects with what to install when there is no `openssl`.
 */
export async function makeCertificate(dir: string, names: readonly string[] = []): Promise<TestCertificate> {
  const certificatePath = join(dir, 'certificate.pem')
  const keyPath = join(dir, 'key.pem')
  const subjectAltName = ['DNS:localhost', 'IP:127.0.0.1', ...names.map((name) => `DNS:${name}`)].join(',')
  const made = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=localhost', '-addext', `subjectAltName=${subjectAltName}`],
      ...['-keyout', keyPath, '-out', certificatePath],
    ],
    { encoding: 'utf8' },
  )
  if (made.error) {
    throw new Error('These tests need openssl. Install it (Debian/Ubuntu: `apt-get install openssl`).')
  }
  if (made.status !== 0) throw new Error(`openssl could not make a certificate:\n${made.stderr}`)
  return { certificatePath, keyPath, pem: await readFile(certificatePath, 'utf8') }
}

/** Which parts of a documented nginx block to change, so that it runs on this machine. */
export interface DocumentedNginxOptions {
  /** The loopback port that replaces `listen 443 ssl`. */
  port: number
  /** Tandem ports that replace the upstream's `server` lines in order; documented servers beyond them are dropped. */
  upstreams: readonly number[]
  /** The certificate that replaces the `ssl_certificate` paths; without one, TLS is left out and `port` is plain HTTP. */
  tls?: TestCertificate
  /** The loopback port that replaces the redirect server's `listen 80`; without one, that server is left out. */
  redirectPort?: number
  /** Values that replace the documented ones, e.g. `{ proxy_read_timeout: '2s' }`; each must be in the block. */
  directives?: Record<string, string>
}

/**
 * The first ```nginx block of `docs/<doc>`, changed only as `options` says: ports, certificate paths and the
 * given directives. Throws when the block lacks what is to be changed, so that a test cannot quietly run a
 * configuration other than the documented one.
 */
export function documentedNginxConfig(doc: string, options: DocumentedNginxOptions): string {
  const text = readFileSync(join(repoRoot, 'docs', doc), 'utf8')
  const block = /```nginx\n([\s\S]*?)```/.exec(text)?.[1]
  if (!block) throw new Error(`docs/${doc} has no nginx block.`)
  const replace = (config: string, pattern: RegExp, by: string | ((...groups: string[]) => string), what: string) => {
    if (!pattern.test(config)) throw new Error(`The nginx block of docs/${doc} has no ${what}.`)
    return config.replace(pattern, by as (...groups: string[]) => string)
  }
  let config = replace(
    block,
    /listen 443 ssl;/,
    `listen 127.0.0.1:${options.port}${options.tls ? ' ssl' : ''};`,
    '`listen 443 ssl`',
  )
  const { tls } = options
  config = tls
    ? replace(
        config,
        /^(\s*)(ssl_certificate(?:_key)?)(\s+)\S+;/gm,
        (_, indent, directive, space) =>
          `${indent}${directive}${space}${directive === 'ssl_certificate' ? tls.certificatePath : tls.keyPath};`,
        'ssl_certificate',
      )
    : config.replace(/^\s*ssl_certificate.*\n/gm, '')
  const redirect = /server \{\n\s+listen 80;[\s\S]*?\n\}\n/
  config =
    options.redirectPort === undefined
      ? config.replace(redirect, '')
      : replace(config, /listen 80;/, `listen 127.0.0.1:${options.redirectPort};`, 'redirect server (`listen 80`)')
  let servers = 0
  config = config.replace(/^(\s*)server [\d.]+:\d+(.*)$/gm, (_, indent: string, rest: string) => {
    const upstream = options.upstreams[servers++]
    return upstream === undefined ? '' : `${indent}server 127.0.0.1:${upstream}${rest}`
  })
  if (servers < options.upstreams.length) {
    throw new Error(
      `The upstream of docs/${doc} has ${servers} servers, fewer than the ${options.upstreams.length} given.`,
    )
  }
  for (const [name, value] of Object.entries(options.directives ?? {})) {
    config = replace(config, new RegExp(`^(\\s*${name}\\s+)[^;]+;`, 'm'), `$1${value};`, `\`${name}\``)
  }
  return config
}

/** An nginx server running as a child process in a temporary prefix directory. */
export interface NginxProcess {
  /** What nginx wrote to its error log so far. */
  errorLog(): Promise<string>
  /** Stops nginx (SIGTERM), waits for it to exit and removes its directory. Calling it again does nothing. */
  stop(): Promise<void>
}

/** The nginx binary: `NGINX` (a path), then `PATH`, then the sbin directories; throws with what to install. */
export function findNginx(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin']
  const found = [process.env.NGINX, ...dirs.map((dir) => dir && join(dir, 'nginx'))].find(
    (path) => path && existsSync(path),
  )
  if (!found) {
    throw new Error(
      'These tests need nginx. Install it (Debian/Ubuntu: `apt-get install nginx`) or set NGINX to its path.',
    )
  }
  return found
}

const START_TIMEOUT_MS = 15_000

/**
 * Runs nginx in the foreground with `httpBlock` inside its `http` block (checked with `nginx -t` first), and
 * resolves once it accepts connections on every port of `ports`. Call `stop()` when done; an nginx still running
 * when the test process exits is killed then.
 */
export async function startNginx(httpBlock: string, ports: readonly number[]): Promise<NginxProcess> {
  const nginx = findNginx()
  const prefix = await mkdtemp(join(tmpdir(), 'tandem-nginx-'))
  await mkdir(join(prefix, 'logs'))
  const errorLogPath = join(prefix, 'logs/error.log')
  const conf = [
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${errorLogPath} info;`,
    // As root, nginx would otherwise switch to `nobody`, who cannot read the temporary directory.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'events { worker_connections 256; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(prefix, kind)};`),
    httpBlock,
    '}',
  ].join('\n')
  const confPath = join(prefix, 'nginx.conf')
  await writeFile(confPath, conf)
  const check = spawnSync(nginx, ['-t', '-p', prefix, '-c', confPath], { encoding: 'utf8' })
  if (check.status !== 0) {
    await rm(prefix, { recursive: true, force: true })
    throw new Error(`nginx -t refused the configuration:\n${check.stderr}\n${conf}`)
  }
  const child = spawn(nginx, ['-p', prefix, '-c', confPath], { stdio: 'ignore' })
  const onExit = () => child.kill('SIGKILL')
  process.once('exit', onExit)
  let stopped = false
  const running: NginxProcess = {
    errorLog: () => readFile(errorLogPath, 'utf8').catch(() => ''),
    async stop() {
      if (stopped) return
      stopped = true
      process.off('exit', onExit)
      await signalAndWait(child, 'SIGTERM')
      await rm(prefix, { recursive: true, force: true })
    },
  }
  try {
    await Promise.all(ports.map((port) => untilListening(child, port)))
  } catch (error) {
    const log = await running.errorLog()
    await running.stop()
    throw new Error(`${(error as Error).message}\n${log}`)
  }
  return running
}

/** Resolves once a TCP connection to 127.0.0.1:`port` succeeds; rejects if `child` exits or time runs out. */
async function untilListening(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`nginx exited before listening on ${port}.`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within ${START_TIMEOUT_MS} ms.`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}
