/**
 * Hostile writers against the real server process: the checks every attack is held to ({@link underAttack}),
 * and the updates attacks are made of, written byte by byte with lib0 for values a real Y.Doc never produces.
 *
 * Update layout (Yjs v1, as `Y.encodeStateAsUpdate` writes it):
 *
 * ```
 * update   varUint(#clients) { varUint(#structs) varUint(client) varUint(clock) struct* }* deleteSet
 * struct   info byte, then by content: GC (info 0): varUint(length)
 *          an item without origins: varUint(1) varString(root type name) content
 *          an item with a left origin (info | 0x80): varUint(client) varUint(clock) content
 * content  ContentDeleted (1): varUint(length); ContentString (4): varString(text)
 * deleteSet varUint(#clients) { varUint(client) varUint(#ranges) { varUint(clock) varUint(length) }* }*
 * ```
 */
import { openSqliteStore, type SqliteStore } from '@tandem/store-sqlite'
import { type CloseInfo, connectClient, type RawClient, type TandemProcess, type TestClient } from '@tandem/test-utils'
import * as encoding from 'lib0/encoding'
import { expect } from 'vitest'
import * as Y from 'yjs'
import { metricValue, scrapeMetrics, within } from './probes.js'

const MiB = 1024 * 1024

/** How long a marker typed in the bystanders' room may take to reach the other bystander, in ms. */
export const RELAY_BOUND_MS = 1000
/**
 * How long `/healthz` may take to answer during an attack, in ms. The attacks these tests guard against stall the
 * event loop for seconds or stop the process; on a quiet machine the slowest answer is about 40 ms, and with the
 * 2-core machine's load average at 10-18 honest code took 240 ms, so the bound is the relay's: generous for a loaded
 * machine, and far below a stall. The measured figures are printed with each attack.
 */
export const HEALTH_BOUND_MS = 1000
/** How much the server's resident memory may grow during an attack. */
export const RSS_GROWTH_BOUND = 200 * MiB
/** How long the server has to close an attacker's connection; generous for a loaded 2-core machine. */
const CLOSE_DEADLINE_MS = 20_000
/** How long a marker is waited for before it counts as lost. */
const MARKER_DEADLINE_MS = 15_000
/** Pauses between probes, so that probing does not load the machine it measures. */
const RELAY_PACE_MS = 25
const HEALTH_PACE_MS = 25
const RSS_PACE_MS = 100

/**
 * How the attacker's connections must end: closed with this code, or still open (`'stays open'`: a claim held
 * back without closing, or writes within every bound). `null` when the attack checks its connections itself.
 */
export type AttackerEnd = number | 'stays open' | null

/** What {@link underAttack} checks, besides what it always checks. */
export interface UnderAttackOptions {
  /** Every document of the test is named `<prefix>/...`; each is loaded again after the restart. */
  readonly prefix: string
  readonly attackerEnd: AttackerEnd
  /**
   * Documents the attack changes with writes the server may accept (a flood's first messages, the valid part of
   * fuzzed updates): after the restart they must hold what the server served before it, not what they held
   * before the attack.
   */
  readonly written?: readonly string[]
  /**
   * Closes the test's own clients before the restart, so that nothing but storage can bring content back to the
   * server (a stock client that reconnects sends what it has).
   */
  readonly disconnect: () => void
  /** Checks of the test while the server still runs after the attack (what a newcomer is sent, metrics). */
  readonly beforeRestart?: () => Promise<void>
  /** Looks into storage while the server is stopped, before it restarts. */
  readonly inStorage?: (store: SqliteStore) => Promise<void>
  /** A token for the bystanders and the document API, for a server in `--auth token` mode. */
  readonly token?: string
}

/** What the probes measured during an attack. */
export interface AttackReport {
  /** How each attacker connection ended: its close, or `'open'`. */
  readonly ends: readonly (CloseInfo | 'open')[]
  readonly relay: { readonly rounds: number; readonly slowestMs: number; readonly lost: readonly string[] }
  readonly health: { readonly probes: number; readonly slowestMs: number; readonly failures: readonly string[] }
  readonly rss: { readonly startBytes: number; readonly peakBytes: number }
}

/**
 * Runs `attack` (which returns the attacker's connections) while probing the server, then holds the server to
 * what every attack must leave intact:
 * - two stock clients in another room keep relaying: a marker typed by one reaches the other within
 *   {@link RELAY_BOUND_MS}, probed continuously;
 * - `/healthz` answers within {@link HEALTH_BOUND_MS}, probed continuously;
 * - the resident memory stays within {@link RSS_GROWTH_BOUND} of its value at the start;
 * - the attacker's connections end as `options.attackerEnd` says;
 * - the process is alive;
 * - after a restart, every document under the prefix loads with the text it had before the attack (or, for
 *   documents the attack may write, the text the server served before the restart).
 *
 * Each check is a soft expectation, so a failing test names every property the attack broke.
 */
export async function underAttack(
  server: TandemProcess,
  options: UnderAttackOptions,
  attack: () => Promise<readonly RawClient[]>,
): Promise<AttackReport> {
  const api = documentApi(server, options.token)
  const bystanders = await startBystanders(server, `${options.prefix}/bystanders`, options.token)
  let attackers: readonly RawClient[] = []
  try {
    const before = await api.texts(options.prefix)
    const probes = startProbes(server, bystanders)
    await probes.started
    let ends: (CloseInfo | 'open')[] = []
    const where = `(${options.prefix})`
    try {
      attackers = await attack()
      ends = await Promise.all(attackers.map((attacker) => endOf(attacker, options.attackerEnd)))
    } catch (error) {
      // Reported, and the server still held to everything else.
      expect.soft(failure(error), `the attack itself ${where}`).toBeUndefined()
    } finally {
      await probes.stop()
    }
    const report: AttackReport = { ends, ...probes.results() }
    console.log(
      `${options.prefix}: slowest relay ${Math.round(report.relay.slowestMs)} ms, slowest /healthz ` +
        `${Math.round(report.health.slowestMs)} ms, RSS +${((report.rss.peakBytes - report.rss.startBytes) / MiB).toFixed(1)} MiB`,
    )

    expect.soft(report.relay.lost, `markers that never reached the other bystander ${where}`).toEqual([])
    expect.soft(report.relay.slowestMs, `the slowest relay of a marker, in ms ${where}`).toBeLessThan(RELAY_BOUND_MS)
    expect.soft(report.health.failures, `failed /healthz probes ${where}`).toEqual([])
    expect.soft(report.health.slowestMs, `the slowest /healthz answer, in ms ${where}`).toBeLessThan(HEALTH_BOUND_MS)
    expect
      .soft(report.rss.peakBytes - report.rss.startBytes, `the growth of the server's resident memory ${where}`)
      .toBeLessThan(RSS_GROWTH_BOUND)
    for (const end of ends) {
      const what = `how the server ended an attacker's connection ${where}`
      if (options.attackerEnd === 'stays open') expect.soft(end, what).toBe('open')
      else if (options.attackerEnd !== null) expect.soft(end, what).toMatchObject({ code: options.attackerEnd })
    }
    expect.soft(processState(server), `the server process after the attack ${where}`).toBe('running')
    try {
      await options.beforeRestart?.()
    } catch (error) {
      expect.soft(failure(error), `the test's checks before the restart ${where}`).toBeUndefined()
    }

    // What the server serves now, then what it loads from storage after a restart.
    const served = await api.texts(options.prefix).catch((error: unknown) => {
      expect.soft(String(error), `listing the documents after the attack ${where}`).toBe('listed')
      return new Map<string, Served>()
    })
    const bystanderText = bystanders[0].text.toString()
    for (const bystander of bystanders) bystander.destroy()
    for (const attacker of attackers) attacker.ws.terminate()
    options.disconnect()
    await server.stop()
    if (options.inStorage) {
      const store = await openSqliteStore({ dataDir: server.dataDir })
      try {
        await options.inStorage(store)
      } catch (error) {
        expect.soft(failure(error), `the test's checks of storage ${where}`).toBeUndefined()
      } finally {
        await store.close()
      }
    }
    await server.restart()
    const after = await api.texts(options.prefix)
    const written = new Set([...(options.written ?? []), `${options.prefix}/bystanders`])
    for (const [name, loaded] of after) {
      const want = name === `${options.prefix}/bystanders` ? { status: 200, body: bystanderText } : undefined
      const expected = want ?? (written.has(name) || !before.has(name) ? served.get(name) : before.get(name))
      expect.soft(loaded, `the text of ${name} after the restart`).toEqual(expected)
    }
    for (const name of before.keys()) expect.soft(after.has(name), `${name} is still stored`).toBe(true)
    return report
  } finally {
    for (const bystander of bystanders) bystander.destroy()
    for (const attacker of attackers) attacker.ws.terminate()
  }
}

/** A document's text as the API serves it. */
export interface Served {
  readonly status: number
  readonly body: string
}

/** The document API of `server`, with a token when it runs in `--auth token` mode. */
export function documentApi(server: TandemProcess, token?: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  const api = {
    async text(name: string): Promise<Served> {
      const response = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}/text`, { headers })
      return { status: response.status, body: await response.text() }
    },
    /** Every stored document: name and size in bytes. */
    async list(): Promise<{ name: string; size: number }[]> {
      const response = await fetch(`${server.httpUrl}/api/docs`, { headers })
      if (response.status !== 200) throw new Error(`GET /api/docs answered ${response.status}`)
      return ((await response.json()) as { documents: { name: string; size: number }[] }).documents
    },
    /** The text of every stored document named `<prefix>/...`. */
    async texts(prefix: string): Promise<Map<string, Served>> {
      const names = (await api.list()).map((doc) => doc.name).filter((name) => name.startsWith(`${prefix}/`))
      return new Map(await Promise.all(names.map(async (name) => [name, await api.text(name)] as const)))
    },
  }
  return api
}

/** A failed check, as one short line: an assertion's message is what says what went wrong. */
function failure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.length > 1000 ? `${message.slice(0, 1000)}…` : message
}

function processState(server: TandemProcess): string {
  const { exitCode, signalCode } = server.child
  if (exitCode !== null) return `exited with code ${exitCode}`
  if (signalCode !== null) return `killed by ${signalCode}`
  return 'running'
}

/** Waits for the server to close `attacker` when a close is expected; reports `'open'` otherwise. */
async function endOf(attacker: RawClient, expected: AttackerEnd): Promise<CloseInfo | 'open'> {
  if (typeof expected !== 'number') return attacker.ws.readyState === attacker.ws.OPEN ? 'open' : attacker.closed
  try {
    return await within(attacker.closed, CLOSE_DEADLINE_MS, "the server to close the attacker's connection")
  } catch {
    return 'open'
  }
}

async function startBystanders(server: TandemProcess, room: string, token?: string): Promise<[TestClient, TestClient]> {
  const params = token ? { token } : undefined
  const a = connectClient(server.url, room, { params })
  const b = connectClient(server.url, room, { params })
  try {
    await Promise.all([a.synced(), b.synced()])
    a.text.insert(0, 'the bystanders were here\n')
    await arrival(b, 'the bystanders were here\n', MARKER_DEADLINE_MS)
    // Stored, so that it is listed among the documents to check after the restart.
    const api = documentApi(server, token)
    const deadline = Date.now() + MARKER_DEADLINE_MS
    while (!(await api.list()).some((doc) => doc.name === room)) {
      if (Date.now() > deadline) throw new Error(`${room} was not stored within ${MARKER_DEADLINE_MS} ms.`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } catch (error) {
    a.destroy()
    b.destroy()
    throw error
  }
  return [a, b]
}

/** Resolves with the ms it took until `client`'s text contains `marker`, or `null` after `timeoutMs`. */
function arrival(client: TestClient, marker: string, timeoutMs: number): Promise<number | null> {
  const started = performance.now()
  if (client.text.toString().includes(marker)) return Promise.resolve(0)
  return new Promise((resolve) => {
    const done = (ms: number | null) => {
      clearTimeout(timer)
      client.doc.off('update', onUpdate)
      resolve(ms)
    }
    const onUpdate = () => {
      if (client.text.toString().includes(marker)) done(performance.now() - started)
    }
    const timer = setTimeout(() => done(null), timeoutMs)
    client.doc.on('update', onUpdate)
  })
}

/**
 * The continuous probes: markers relayed between the bystanders, `/healthz` and the resident memory. `stop()`
 * lets each probe finish at least one more round, so that each also measures the server after the attack.
 */
function startProbes(server: TandemProcess, [a, b]: [TestClient, TestClient]) {
  let stopping = false
  const relay = { rounds: 0, slowestMs: 0, lost: [] as string[] }
  const health = { probes: 0, slowestMs: 0, failures: [] as string[] }
  const rss = { startBytes: 0, peakBytes: 0 }
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  const relayLoop = async () => {
    let afterStop = 0
    while (!stopping || afterStop < 2) {
      if (stopping) afterStop++
      const [writer, reader] = relay.rounds % 2 === 0 ? [a, b] : [b, a]
      const marker = `<marker ${relay.rounds}>`
      writer.text.insert(writer.text.length, marker)
      const ms = await arrival(reader, marker, MARKER_DEADLINE_MS)
      relay.rounds++
      if (ms !== null) relay.slowestMs = Math.max(relay.slowestMs, ms)
      else {
        relay.lost.push(marker)
        // A dead server loses every marker: one says it.
        if (processState(server) !== 'running') return
      }
      await pause(RELAY_PACE_MS)
    }
  }
  const healthLoop = async () => {
    let afterStop = 0
    while (!stopping || afterStop < 2) {
      if (stopping) afterStop++
      const started = performance.now()
      try {
        const response = await fetch(`${server.httpUrl}/healthz`, { signal: AbortSignal.timeout(MARKER_DEADLINE_MS) })
        await response.text()
        if (response.status !== 200) health.failures.push(`status ${response.status}`)
      } catch (error) {
        health.failures.push(String(error))
      }
      health.slowestMs = Math.max(health.slowestMs, performance.now() - started)
      health.probes++
      // A dead server fails every probe: one failure says it.
      if (health.failures.length > 0 && processState(server) !== 'running') return
      await pause(HEALTH_PACE_MS)
    }
  }
  const rssLoop = async () => {
    while (!stopping) {
      try {
        const metrics = await scrapeMetrics(server.httpUrl)
        rss.peakBytes = Math.max(rss.peakBytes, metricValue(metrics, 'process_resident_memory_bytes'))
      } catch {
        // A server that cannot answer is reported by the other probes.
        if (processState(server) !== 'running') return
      }
      await pause(RSS_PACE_MS)
    }
  }

  const started = (async () => {
    rss.startBytes = metricValue(await scrapeMetrics(server.httpUrl), 'process_resident_memory_bytes')
    rss.peakBytes = rss.startBytes
  })()
  const loops = started.then(() => Promise.all([relayLoop(), healthLoop(), rssLoop()]))
  return {
    started,
    async stop() {
      stopping = true
      await loops
    },
    results: () => ({ relay, health, rss }),
  }
}

// --- Hand-made updates -------------------------------------------------------------------------------------

/** The root type every Tandem client edits. */
const ROOT = 'content'

/** One struct of a hand-made update. */
export type Struct =
  /** Text in the root type, with no origins. */
  | { readonly text: string; readonly after?: undefined }
  /** Text inserted after the item at `after` (its left origin). */
  | { readonly text: string; readonly after: { readonly client: number; readonly clock: number } }
  /** A garbage-collected range of `gc` clocks. */
  | { readonly gc: number }
  /** Deleted content of `deleted` clocks in the root type. */
  | { readonly deleted: number }

/** The structs of one client in a hand-made update, starting at `clock`. */
export interface ClientStructs {
  readonly client: number
  readonly clock: number
  readonly structs: readonly Struct[]
}

/** One range of a hand-made update's delete set. */
export interface DeleteRange {
  readonly client: number
  readonly clock: number
  readonly length: number
}

/** Writes a Yjs v1 update by hand, for values a real Y.Doc never produces. */
export function writeUpdate(clients: readonly ClientStructs[], deletes: readonly DeleteRange[] = []): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, clients.length)
  for (const { client, clock, structs } of clients) {
    encoding.writeVarUint(encoder, structs.length)
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
    for (const struct of structs) writeStruct(encoder, struct)
  }
  const byClient = new Map<number, DeleteRange[]>()
  for (const range of deletes) byClient.set(range.client, [...(byClient.get(range.client) ?? []), range])
  encoding.writeVarUint(encoder, byClient.size)
  for (const [client, ranges] of byClient) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, ranges.length)
    for (const range of ranges) {
      encoding.writeVarUint(encoder, range.clock)
      encoding.writeVarUint(encoder, range.length)
    }
  }
  return encoding.toUint8Array(encoder)
}

function writeStruct(encoder: encoding.Encoder, struct: Struct): void {
  if ('gc' in struct) {
    encoding.writeUint8(encoder, 0)
    encoding.writeVarUint(encoder, struct.gc)
    return
  }
  const contentRef = 'deleted' in struct ? 1 : 4
  if ('text' in struct && struct.after) {
    encoding.writeUint8(encoder, contentRef | 0x80)
    encoding.writeVarUint(encoder, struct.after.client)
    encoding.writeVarUint(encoder, struct.after.clock)
  } else {
    encoding.writeUint8(encoder, contentRef)
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarString(encoder, ROOT)
  }
  if ('deleted' in struct) encoding.writeVarUint(encoder, struct.deleted)
  else encoding.writeVarString(encoder, struct.text)
}

/** An update of one text struct of `client` at `clock`, in the root type. */
export function textAt(client: number, clock: number, text: string): Uint8Array {
  return writeUpdate([{ client, clock, structs: [{ text }] }])
}

/**
 * Whether `update` has structs or deletions of any of `clients`. An update that does not decode counts as
 * theirs: every update an honest client sends decodes.
 */
export function mentionsClients(update: Uint8Array, clients: ReadonlySet<number>): boolean {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch {
    return true
  }
  return (
    decoded.structs.some((struct) => clients.has(struct.id.client)) ||
    [...decoded.ds.clients.keys()].some((client) => clients.has(client))
  )
}

/** The largest clock a server keeps: no struct, origin or deletion it accepts reaches past it. */
export const MAX_CLOCK = 2 ** 40

/**
 * What in `update` is past the bounds every accepted update keeps (clocks up to {@link MAX_CLOCK}, client ids
 * up to 2^53 - 1), or `null` when nothing is. An update that does not decode is past them.
 */
export function pastBounds(update: Uint8Array): string | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (error) {
    return `it does not decode (${error instanceof Error ? error.message : String(error)})`
  }
  const ids: { client: number; clock: number; what: string }[] = []
  for (const struct of decoded.structs) {
    ids.push({ ...struct.id, clock: struct.id.clock + struct.length, what: 'a struct ends at' })
    if (struct instanceof Y.Item) {
      if (struct.origin) ids.push({ ...struct.origin, what: 'an origin is at' })
      if (struct.rightOrigin) ids.push({ ...struct.rightOrigin, what: 'a right origin is at' })
      if (struct.parent instanceof Y.ID) ids.push({ ...struct.parent, what: 'a parent is at' })
    }
  }
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) ids.push({ client, clock: range.clock + range.len, what: 'a deletion ends at' })
  }
  for (const { client, clock, what } of ids) {
    if (!Number.isSafeInteger(client)) return `client id ${client}`
    if (clock > MAX_CLOCK) return `${what} clock ${clock} of client ${client}`
  }
  return null
}

/** Whether a state vector names any of `clients`; one that does not decode counts as naming them. */
export function stateVectorNames(stateVector: Uint8Array, clients: ReadonlySet<number>): boolean {
  try {
    return [...Y.decodeStateVector(stateVector).keys()].some((client) => clients.has(client))
  } catch {
    return true
  }
}
