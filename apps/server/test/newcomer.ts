/**
 * `pnpm test:newcomer`: the walkthrough of docs/self-hosting.md, "From a fresh Debian server to https://", followed
 * on a really fresh Debian 13 (debootstrap, minbase) in a chroot, as root, block by block as the page marks them
 * (support/newcomer-path.ts), changing only the clone's address, the domain, the ports and the certificate. Then it
 * checks what a person would: https:// through nginx, an edit over wss:// saved, the nightly backup's file, and
 * the document kept across the upgrade's restart under PM2. Not part of `pnpm test`: it takes minutes. The help
 * text (HELP below) says what it caches.
 */
import { spawn, spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { createWriteStream, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { get } from 'node:https'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { connectClient, freePort, repoRoot, storedText, type TestClient, waitFor } from '@tandem/test-utils'
import {
  commandLines,
  documentedNewcomerActions,
  NEWCOMER_ORDER,
  type NewcomerAction,
} from './support/newcomer-path.js'

const HELP = `Usage: pnpm test:newcomer [options]

Follows docs/self-hosting.md's "From a fresh Debian server to https://" on a fresh Debian 13 (trixie), made
with debootstrap (minbase), in a chroot, as root: every block the page marks, in order, as written, changing
only the clone's address (a bare clone of this checkout's HEAD), the domain (tandem.test), the ports (free
ones on 127.0.0.1 in place of 443, 80 and 1234) and the certificate (a self-signed one from openssl at
certbot's paths, which the chroot trusts, in place of certbot's). A chroot has no systemd: nginx is started
with \`nginx\` where the page reloads it. Then: https://tandem.test/readyz through nginx answers 200, a
y-websocket client from this machine edits over wss:// and its edit is saved, the crontab's backup line
writes a backup that holds the edit, and after the upgrade step (which pulls a new commit and restarts
Tandem under PM2) the document is still there.

Needs root on Debian or Ubuntu (it installs debootstrap with apt if missing) and the network to Debian's
mirror and the npm registry. The chroot shares this machine's network, DNS and the CA certificates this
machine adds (/usr/local/share/ca-certificates, NODE_EXTRA_CA_CERTS, proxy variables).

Cached between runs, in $XDG_CACHE_HOME/tandem/newcomer (~/.cache/tandem/newcomer):
  trixie-minbase.tgz  debootstrap's packages of the base system (--make-tarball), remade after 7 days
  apt/                apt's downloaded .debs; apt-get update still reads fresh indexes every run, and
                      apt uses a cached .deb only if it is the version (and hash) they name
  npm/                npm's cache (pnpm, pm2), still resolved against the registry every run
  pnpm-store/         pnpm's store, checked against the lockfile's hashes; dependencies are still built
                      every run (better-sqlite3 compiles: pnpm's side-effects cache is off)
Not cached: the unpacked system, the clone, node_modules, the build, the certificate, every step's work.
The chroot itself is in root/ there, removed before and after each run.

Options:
  --cold      Empty the caches first, as on a new machine.
  --keep      Leave the chroot's files in the cache's root/ afterwards (its processes are still stopped
              and everything is unmounted).
  --verbose   Show every step's output as it runs (otherwise in .tmp/newcomer/, and shown on failure).
  -h, --help  Show this help.`

const DOMAIN = 'tandem.example.com'
const TEST_DOMAIN = 'tandem.test'
const CLONE_URL = 'https://git.example.com/you/tandem.git'
const MIRROR = 'http://deb.debian.org/debian'
const SUITE = 'trixie'
const TARBALL_MAX_AGE_MS = 7 * 24 * 3600 * 1000
const STEP_TIMEOUT_MS = 15 * 60 * 1000

const options = { cold: false, keep: false, verbose: false }
for (const arg of process.argv.slice(2)) {
  if (arg === '-h' || arg === '--help') {
    console.log(HELP)
    process.exit(0)
  } else if (arg === '--cold') options.cold = true
  else if (arg === '--keep') options.keep = true
  else if (arg === '--verbose') options.verbose = true
  else {
    console.error(`pnpm test:newcomer: unknown option ${arg}. See pnpm test:newcomer --help.`)
    process.exit(2)
  }
}

const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tandem', 'newcomer')
const tarball = join(cacheDir, `${SUITE}-minbase.tgz`)
const root = join(cacheDir, 'root')
const logDir = join(repoRoot, '.tmp', 'newcomer')
/** Host directories of the caches, and where each is mounted in the chroot. */
const caches = [
  { host: join(cacheDir, 'apt'), chroot: '/var/cache/apt/archives' },
  { host: join(cacheDir, 'npm'), chroot: '/root/.npm' },
  { host: join(cacheDir, 'pnpm-store'), chroot: '/root/.local/share/pnpm/store' },
]

const started = performance.now()
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`
const abort = new AbortController()

class StepFailed extends Error {}

function fail(message: string): never {
  throw new StepFailed(message)
}

/** Runs `title`, printing it and how long it took. */
async function phase<T>(title: string, body: () => Promise<T>): Promise<T> {
  console.log(`\n▶ ${title}`)
  const since = performance.now()
  const result = await body()
  console.log(`✓ ${title} (${seconds(since)})`)
  return result
}

let logCount = 0
/**
 * Runs a command on this machine (or, through `chroot`, in the chroot), its output into a log file (and the
 * terminal with --verbose). Resolves with its standard output; rejects with the last lines of all its output when
 * it fails or times out.
 */
function run(
  command: string,
  args: readonly string[],
  { label, timeoutMs = STEP_TIMEOUT_MS, env }: { label: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const logPath = join(logDir, `${String(++logCount).padStart(2, '0')}-${label.replace(/[^\w.-]+/g, '-')}.log`)
  const log = createWriteStream(logPath)
  return new Promise((resolve, reject) => {
    let output = ''
    let stdout = ''
    const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      log.write(chunk)
      if (options.verbose) process.stdout.write(chunk)
    }
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      onData(chunk)
    })
    child.stderr.on('data', onData)
    const kill = () => child.kill('SIGKILL')
    const timer = setTimeout(kill, timeoutMs)
    abort.signal.addEventListener('abort', kill, { once: true })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (status, signal) => {
      clearTimeout(timer)
      abort.signal.removeEventListener('abort', kill)
      log.end()
      if (status === 0) return resolve(stdout)
      const why = signal
        ? `was killed (${signal}${abort.signal.aborted ? ', interrupted' : ', timed out?'})`
        : `exited ${status}`
      const tail = output.trimEnd().split('\n').slice(-60).join('\n')
      reject(new StepFailed(`${label} ${why}; its last lines (all of them in ${logPath}):\n${tail}`))
    })
  })
}

/** The environment of every command in the chroot: a root login's, and how this machine reaches the network. */
function chrootEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    DEBIAN_FRONTEND: 'noninteractive',
    // The pnpm store is cached: without this, pnpm would reuse better-sqlite3 as compiled by an earlier run.
    pnpm_config_side_effects_cache: 'false',
  }
  for (const name of ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
    if (process.env[name]) env[name] = process.env[name]
  }
  // The system's CA bundle inside the chroot, once ca-certificates is installed with this machine's extra CAs.
  if (process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt'
  return env
}

function inChroot(script: string, label: string, timeoutMs?: number): Promise<string> {
  return run('chroot', [root, '/bin/bash', '-e', '-x', '-c', script], { label, timeoutMs, env: chrootEnv() })
}

/** Replaces `from` by `to` in `text`, failing when the documented text no longer holds `from`. */
function change(text: string, from: string | RegExp, to: string, where: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text)
  if (!found) fail(`${where} no longer holds ${from}: update apps/server/test/newcomer.ts with the page.`)
  return typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to)
}

interface Ports {
  https: number
  http: number
  tandem: number
}

/** The changes to a step's shell block: only the clone's address, the domain, ports, certbot and systemctl. */
function testScript(action: Extract<NewcomerAction, { kind: 'step' }>, ports: Ports): string {
  const where = `The newcomer step "${action.name}"`
  let script = action.script
  if (action.name === 'build') script = change(script, CLONE_URL, '/srv/tandem.git', where)
  if (action.name === 'certificate') {
    const live = `/etc/letsencrypt/live/${TEST_DOMAIN}`
    script = change(
      script,
      /^certbot certonly .*$/m,
      [
        `mkdir -p ${live}`,
        `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=${TEST_DOMAIN} -addext subjectAltName=DNS:${TEST_DOMAIN} -keyout ${live}/privkey.pem -out ${live}/fullchain.pem`,
        `cp ${live}/fullchain.pem /usr/local/share/ca-certificates/${TEST_DOMAIN}.crt`,
        'update-ca-certificates',
      ].join('\n'),
      where,
    )
  }
  if (action.name === 'nginx') script = change(script, /^systemctl reload nginx$/m, 'nginx', where)
  if (script.includes(`https://${DOMAIN}`))
    script = script.split(`https://${DOMAIN}`).join(`https://${TEST_DOMAIN}:${ports.https}`)
  return script.split(DOMAIN).join(TEST_DOMAIN)
}

/** The changes to a documented file: the domain, and the ports nginx listens on and Tandem listens on. */
function testFile(action: Extract<NewcomerAction, { kind: 'file' }>, ports: Ports): string {
  const where = `The documented ${action.path}`
  let content = action.content
  if (action.path.endsWith('ecosystem.config.cjs'))
    content = change(content, "PORT: '1234'", `PORT: '${ports.tandem}'`, where)
  if (action.path.startsWith('/etc/nginx/')) {
    content = change(content, /listen 443 ssl;/, `listen 127.0.0.1:${ports.https} ssl;`, where)
    content = change(content, /listen 80;/, `listen 127.0.0.1:${ports.http};`, where)
    content = change(content, /server 127\.0\.0\.1:1234;/, `server 127.0.0.1:${ports.tandem};`, where)
  }
  return content.split(DOMAIN).join(TEST_DOMAIN)
}

/** GET over HTTPS from this machine, to nginx in the chroot, as a browser at https://tandem.test:<port> would. */
function httpsGet(port: number, path: string, ca: string) {
  return new Promise<{ status: number; body: string; authorized: boolean; fingerprint: string }>((resolve, reject) => {
    get(
      { host: '127.0.0.1', port, path, servername: TEST_DOMAIN, headers: { Host: `${TEST_DOMAIN}:${port}` }, ca },
      (response) => {
        const socket = response.socket as TLSSocket
        const { authorized } = socket
        const fingerprint = socket.getPeerCertificate().fingerprint256
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          body += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, authorized, fingerprint }))
      },
    ).on('error', reject)
  })
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok
  } catch {
    return false
  }
}

/** Processes whose root directory is the chroot's. */
function chrootProcesses(): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readlinkSync(`/proc/${entry}/root`) === root) pids.push(Number(entry))
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids
}

/** Mount points at or under the chroot, deepest first. */
function chrootMounts(): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((point): point is string => !!point && (point === root || point.startsWith(`${root}/`)))
  return [...new Set(points)].sort((a, b) => b.length - a.length)
}

/** Stops everything the run left in the chroot and unmounts it; removes it unless `keep`. Safe to call twice. */
async function cleanUp(keep: boolean): Promise<void> {
  if (!existsSync(root)) return
  const quietly = (args: string[]) =>
    spawnSync('chroot', [root, ...args], { env: chrootEnv(), stdio: 'ignore', timeout: 20_000 })
  if (existsSync(join(root, 'usr/local/bin/pm2')) && existsSync(join(root, 'home/tandem'))) {
    quietly(['runuser', '-u', 'tandem', '--', 'pm2', 'kill'])
  }
  if (existsSync(join(root, 'run/nginx.pid'))) quietly(['nginx', '-s', 'quit'])
  // Whatever is still running there (a step that was interrupted, a daemon that did not stop): TERM, then KILL.
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const pids = chrootProcesses()
    if (pids.length === 0) break
    for (const pid of pids) {
      try {
        process.kill(pid, signal)
      } catch {
        // Already gone.
      }
    }
    const deadline = Date.now() + 10_000
    while (chrootProcesses().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  }
  const left = chrootProcesses()
  if (left.length > 0) console.error(`✖ Processes still running in the chroot: ${left.join(', ')}`)
  for (const point of chrootMounts()) {
    if (spawnSync('umount', [point], { stdio: 'ignore' }).status !== 0) {
      spawnSync('umount', ['--lazy', '--recursive', point], { stdio: 'inherit' })
    }
  }
  const mounted = chrootMounts()
  if (mounted.length > 0) {
    // Never remove files under a mount: /dev is the machine's own.
    console.error(`✖ Still mounted, so ${root} is left in place: ${mounted.join(', ')}`)
    return
  }
  if (!keep) spawnSync('rm', ['-rf', '--one-file-system', root], { stdio: 'inherit' })
}

async function mount(args: string[], point: string): Promise<void> {
  await mkdir(point, { recursive: true })
  await run('mount', [...args, point], { label: `mount ${point}` })
}

/** Installs debootstrap with apt when it is missing. */
async function ensureDebootstrap(): Promise<void> {
  if (existsSync('/usr/sbin/debootstrap')) return
  if (!existsSync('/etc/debian_version')) fail('This test needs debootstrap; install it (it runs on Debian or Ubuntu).')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  await run('apt-get', ['update'], { label: 'apt-get update (host)', env })
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'debootstrap'], {
    label: 'install debootstrap',
    env,
  })
}

async function git(...args: string[]): Promise<string> {
  return (await run('git', args, { label: `git ${args[0]}` })).trim()
}

async function main(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    fail('Run it as root on Linux: it uses debootstrap and chroot.')
  await mkdir(logDir, { recursive: true })
  for (const file of readdirSync(logDir)) await rm(join(logDir, file), { force: true })

  const actions = await documentedNewcomerActions()
  const ids = actions.map((action) => action.id)
  if (ids.join('\n') !== NEWCOMER_ORDER.join('\n')) {
    fail(
      `docs/self-hosting.md marks these newcomer blocks:\n  ${ids.join('\n  ')}\nbut this test knows:\n  ${NEWCOMER_ORDER.join('\n  ')}`,
    )
  }
  const head = await git('-C', repoRoot, 'rev-parse', 'HEAD')
  console.log(`The newcomer's path of docs/self-hosting.md, on a fresh Debian 13, cloning ${head.slice(0, 12)} (HEAD).`)
  if (spawnSync('git', ['-C', repoRoot, 'diff', '--quiet', 'HEAD', '--', 'docs/self-hosting.md']).status !== 0) {
    console.log('Note: docs/self-hosting.md differs from HEAD; its blocks are run as they are in the work tree.')
  }

  await cleanUp(false)
  if (options.cold) {
    await phase('Empty the caches (--cold)', async () => {
      for (const path of [tarball, ...caches.map((cache) => cache.host)])
        await rm(path, { recursive: true, force: true })
    })
  }

  await phase('A fresh Debian 13 (debootstrap --variant=minbase)', async () => {
    await ensureDebootstrap()
    await mkdir(cacheDir, { recursive: true })
    const fresh = existsSync(tarball) && Date.now() - statSync(tarball).mtimeMs < TARBALL_MAX_AGE_MS
    if (!fresh) {
      console.log(`  fetching the base system's packages into ${tarball}`)
      const scratch = await mkdtemp(join(tmpdir(), 'tandem-debootstrap-'))
      const partial = `${tarball}.partial`
      try {
        await run('debootstrap', ['--variant=minbase', `--make-tarball=${partial}`, SUITE, scratch, MIRROR], {
          label: 'debootstrap make-tarball',
        })
        await rename(partial, tarball)
      } finally {
        await rm(scratch, { recursive: true, force: true })
        await rm(partial, { force: true })
      }
    } else {
      console.log(`  the base system's packages from ${tarball}`)
    }
    await run('debootstrap', ['--variant=minbase', `--unpack-tarball=${tarball}`, SUITE, root, MIRROR], {
      label: 'debootstrap',
    })
  })

  const ports: Ports = { https: await freePort(), http: await freePort(), tandem: await freePort() }
  await phase(
    `The server's surroundings: mounts, network, ports ${ports.https} (443), ${ports.http} (80), ${ports.tandem} (1234)`,
    async () => {
      await mount(['-t', 'proc', 'proc'], join(root, 'proc'))
      await mount(['-t', 'sysfs', 'sysfs'], join(root, 'sys'))
      await mount(['--rbind', '/dev'], join(root, 'dev'))
      await run('mount', ['--make-rslave', join(root, 'dev')], { label: 'mount rslave dev' })
      for (const cache of caches) {
        await mkdir(cache.host, { recursive: true })
        await mount(['--bind', cache.host], join(root, cache.chroot))
      }
      // What a server on a network has: DNS, a name for the site, and (on this machine) the CAs of its network.
      await copyFile('/etc/resolv.conf', join(root, 'etc/resolv.conf'))
      await writeFile(join(root, 'etc/hosts'), `127.0.0.1 localhost\n127.0.0.1 ${TEST_DOMAIN}\n`)
      const extraCas = '/usr/local/share/ca-certificates'
      if (existsSync(extraCas)) {
        await mkdir(join(root, extraCas), { recursive: true })
        for (const file of readdirSync(extraCas)) await copyFile(join(extraCas, file), join(root, extraCas, file))
      }
      // Packages must not start their services here: the chroot shares this machine's ports (nginx's default
      // site would take port 80). The steps start what they start themselves.
      await writeFile(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 })
      await git('clone', '--bare', '--quiet', repoRoot, join(root, 'srv/tandem.git'))
      const cloned = await git('-C', join(root, 'srv/tandem.git'), 'rev-parse', 'HEAD')
      if (cloned !== head) fail(`The bare clone's HEAD is ${cloned}, not the checkout's ${head}.`)
    },
  )

  let certificate = ''
  let client: TestClient | undefined
  const room = 'newcomer/first-document'
  const edit = 'typed over wss:// through nginx'
  const dataDir = join(root, 'var/lib/tandem')
  let upgradeCommit = ''
  try {
    for (const [index, action] of actions.entries()) {
      const title = `[${index + 1}/${actions.length}] ${action.id}`
      if (action.kind === 'file') {
        await phase(title, async () => {
          const content = testFile(action, ports)
          await mkdir(dirname(join(root, action.path)), { recursive: true })
          await writeFile(join(root, action.path), content)
          console.log(`  saved the documented block as ${action.path}`)
        })
        continue
      }
      if (action.name === 'upgrade') {
        // Something to upgrade to: a new commit (of the same files) on the branch the server cloned.
        const bare = join(root, 'srv/tandem.git')
        upgradeCommit = (
          await run(
            'git',
            ['-C', bare, 'commit-tree', 'HEAD^{tree}', '-p', 'HEAD', '-m', 'The next release, for the upgrade step'],
            {
              label: 'git commit-tree',
              env: {
                ...process.env,
                GIT_AUTHOR_NAME: 'newcomer test',
                GIT_AUTHOR_EMAIL: 'newcomer@tandem.test',
                GIT_COMMITTER_NAME: 'newcomer test',
                GIT_COMMITTER_EMAIL: 'newcomer@tandem.test',
              },
            },
          )
        ).trim()
        await git('-C', bare, 'update-ref', 'HEAD', upgradeCommit)
      }
      const script = testScript(action, ports)
      const output = await phase(title, async () => {
        for (const line of commandLines(script)) console.log(`  $ ${line}`)
        return inChroot(script, action.id)
      })

      if (action.name === 'start') {
        await waitFor(
          () => answers(`http://127.0.0.1:${ports.tandem}/readyz`),
          'Tandem under PM2 to be ready',
          30_000,
        ).catch(async (error: Error) => {
          const logs = join(root, 'home/tandem/.pm2/logs')
          const tails = existsSync(logs)
            ? await Promise.all(
                readdirSync(logs).map(async (name) => {
                  const lines = (await readFile(join(logs, name), 'utf8')).trimEnd().split('\n').slice(-15)
                  return `${name}:\n${lines.join('\n')}`
                }),
              )
            : ['(PM2 wrote no logs)']
          fail(`${error.message} PM2's logs in /home/tandem/.pm2/logs:\n${tails.join('\n')}`)
        })
        console.log(`  Tandem answers /readyz on 127.0.0.1:${ports.tandem}`)
      }
      if (action.name === 'certificate') {
        certificate = await readFile(join(root, `etc/letsencrypt/live/${TEST_DOMAIN}/fullchain.pem`), 'utf8')
      }
      if (action.name === 'check') {
        // The outputs the page shows (its comment lines) are what the commands printed.
        const expected = action.script
          .split('\n')
          .filter((line) => /^# \S/.test(line))
          .map((line) => line.slice(2))
        for (const line of expected) {
          if (!output.split('\n').some((printed) => printed.trim() === line)) {
            fail(`The check step did not print "${line}", as the page says it does. It printed:\n${output}`)
          }
        }
        console.log(`  printed ${expected.map((line) => `"${line}"`).join(' and ')}, as the page says`)
        await phase('From this machine: https:// and wss:// through nginx', async () => {
          const ready = await httpsGet(ports.https, '/readyz', certificate)
          if (ready.status !== 200 || !ready.authorized) fail(`https /readyz answered ${ready.status}: ${ready.body}`)
          if (ready.fingerprint !== new X509Certificate(certificate).fingerprint256) {
            fail('nginx presented a certificate other than the one at certbot’s path.')
          }
          console.log(`  https://${TEST_DOMAIN}:${ports.https}/readyz: 200 ${ready.body.trim()}, certificate verified`)
          client = connectClient(`wss://127.0.0.1:${ports.https}`, room, {
            ca: certificate,
            servername: TEST_DOMAIN,
            headers: { Host: `${TEST_DOMAIN}:${ports.https}` },
            saved: true,
          })
          const writer = client
          await writer.synced(20_000)
          writer.text.insert(0, edit)
          await waitFor(
            () => writer.saves.sent > 0 && writer.saves.saved,
            'the saved acknowledgement over wss://',
            20_000,
          )
          const stored = await storedText(dataDir, room)
          if (stored !== edit) fail(`The data directory holds "${stored}" for ${room}, not "${edit}".`)
          console.log(`  a y-websocket client typed "${edit}"; saved in /var/lib/tandem/tandem.sqlite`)
          writer.destroy()
          client = undefined
        })
      }
      if (action.name === 'backups') {
        await phase('The crontab line, run as cron runs it', async () => {
          const crontab = await inChroot('crontab -u tandem -l', 'crontab -l')
          const entries = crontab.split('\n').filter((line) => /^[\d*]/.test(line))
          if (entries.length !== 1) fail(`The tandem user's crontab has ${entries.length} entries, not 1:\n${crontab}`)
          const fields = (entries[0] as string).split(/\s+/)
          let command = fields.slice(5).join(' ')
          // cron ends the command at an unescaped % (the rest is its standard input) and turns \% into %.
          if (/(^|[^\\])%/.test(command)) fail(`The crontab line has an unescaped %: ${entries[0]}`)
          command = command.replace(/\\%/g, '%')
          console.log(`  ${fields.slice(0, 5).join(' ')}: ${command}`)
          // As cron runs a user's line: that user's HOME, /bin/sh, cron's PATH.
          await run(
            'chroot',
            [
              root,
              'runuser',
              '-u',
              'tandem',
              '--',
              '/usr/bin/env',
              '-i',
              'HOME=/home/tandem',
              'SHELL=/bin/sh',
              'PATH=/usr/bin:/bin',
              'LOGNAME=tandem',
              '/bin/sh',
              '-c',
              command,
            ],
            { label: 'cron line', env: chrootEnv() },
          )
          const dir = join(root, 'var/backups/tandem')
          const written = readdirSync(dir).filter((name) => /^tandem-\d{4}-\d{2}-\d{2}\.sqlite$/.test(name))
          if (written.length !== 1)
            fail(`The backup line wrote ${readdirSync(dir).join(', ') || 'nothing'} in /var/backups/tandem.`)
          const scratch = await mkdtemp(join(tmpdir(), 'tandem-newcomer-backup-'))
          try {
            await copyFile(join(dir, written[0] as string), join(scratch, 'tandem.sqlite'))
            const backedUp = await storedText(scratch, room)
            if (backedUp !== edit) fail(`The backup holds "${backedUp}", not "${edit}".`)
          } finally {
            await rm(scratch, { recursive: true, force: true })
          }
          console.log(`  /var/backups/tandem/${written[0]} holds the document`)
        })
      }
      if (action.name === 'upgrade') {
        await phase('After the upgrade: the new commit runs, and the document is still there', async () => {
          const running = await git('-C', join(root, 'opt/tandem'), 'rev-parse', 'HEAD')
          if (running !== upgradeCommit) fail(`/opt/tandem is at ${running}, not the pulled ${upgradeCommit}.`)
          if (!existsSync(join(root, 'var/backups/tandem/before-upgrade.sqlite'))) {
            fail('The upgrade step wrote no /var/backups/tandem/before-upgrade.sqlite.')
          }
          await waitFor(
            async () =>
              (await httpsGet(ports.https, '/readyz', certificate).catch(() => ({ status: 0 }))).status === 200,
            'Tandem to be ready through nginx after `pm2 start`',
            30_000,
          )
          client = connectClient(`wss://127.0.0.1:${ports.https}`, room, {
            ca: certificate,
            servername: TEST_DOMAIN,
            headers: { Host: `${TEST_DOMAIN}:${ports.https}` },
            saved: true,
          })
          const reader = client
          await reader.synced(20_000)
          if (reader.text.toString() !== edit) fail(`After the restart ${room} reads "${reader.text.toString()}".`)
          reader.text.insert(edit.length, ', and after the upgrade')
          await waitFor(() => reader.saves.sent > 0 && reader.saves.saved, 'an edit saved after the upgrade', 20_000)
          const stored = await storedText(dataDir, room)
          if (stored !== `${edit}, and after the upgrade`)
            fail(`After the upgrade the data directory holds "${stored}".`)
          console.log(
            `  ${upgradeCommit.slice(0, 12)} runs; a client synced "${edit}" over wss:// and saved one more edit`,
          )
          reader.destroy()
          client = undefined
        })
      }
    }
  } finally {
    client?.destroy()
  }
}

let status = 0
const onSignal = (signal: NodeJS.Signals) => {
  console.error(`\n✖ ${signal}: stopping, then cleaning up.`)
  status = 130
  abort.abort()
}
process.once('SIGINT', onSignal)
process.once('SIGTERM', onSignal)
try {
  await main()
  console.log(`\n✓ A newcomer's path from a fresh Debian 13 to https:// works (${seconds(started)}).`)
} catch (error) {
  status = status || 1
  console.error(`\n✖ ${error instanceof StepFailed ? error.message : (error as Error).stack}`)
} finally {
  const since = performance.now()
  await cleanUp(options.keep)
  const mounts = chrootMounts()
  const processes = existsSync(root) ? chrootProcesses() : []
  console.log(
    mounts.length === 0 && processes.length === 0
      ? `Cleaned up: nothing mounted or running in the chroot${options.keep ? `, its files kept in ${root}` : ''} (${seconds(since)}).`
      : `✖ Left behind: ${[...mounts, ...processes.map(String)].join(', ')}`,
  )
  if (mounts.length > 0 || processes.length > 0) status = status || 1
}
process.exit(status)
