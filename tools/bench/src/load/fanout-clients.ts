import { encodeUpdateMessage } from '@tandem/protocol'
import { DISTURBED_CORES, OtherCpu, ownCores, ProcMeter, ProcTreeMeter } from '../proc-meter.js'
import { type Cdf, cdfOf, Samples, type Summary, summarize } from '../stats.js'
import { encodeInsertUpdate, markersInUpdate, markerText } from '../wire.js'
import { connectMany, type LiteClient } from './lite-client.js'
import { progress } from './progress.js'
import { sleep, waitFor } from './wait.js'

/** A fan-out session: rooms of clients that stay connected across the stages of a sweep. */
export interface FanoutSetup {
  url: string
  /**
   * More instances serving the same rooms: each room's clients are spread round-robin over `url` and these (the
   * room's first client on `url`, its second on the first of these, ...), and the completeness check asks every
   * one of them. @default none
   */
  moreUrls?: string[]
  /**
   * Other processes whose CPU (and memory) each stage reports beside the server's: the other instances, Redis,
   * PostgreSQL. Their CPU is not counted as other processes' disturbing the stage. @default none
   */
  watched?: WatchedProcess[]
  /** The server's pid, to read its CPU and memory from /proc. */
  serverPid: number
  serverSyncs: boolean
  rooms: number
  clientsPerRoom: number
  /** Room names are `<prefix>-<n>`: a new prefix gives new, empty documents. */
  roomPrefix: string
  /** Every client opts in to Tandem's saved acknowledgement, and ack delays are measured. @default false */
  saved?: boolean
}

/** A process a fan-out session measures beside the server. */
export interface WatchedProcess {
  name: string
  pid: number
  /** Count the CPU of its child processes too (PostgreSQL's backends); its RSS is then not read. @default false */
  tree?: boolean
}

/** What a stage measured of one watched process. */
export interface WatchedStage {
  name: string
  /** CPU while the inserts were sent, in cores. */
  cpuCores: number
  /** CPU seconds from the stage's start until its last delivery arrived (or the drain ended). */
  cpuSeconds: number
  /** Peak RSS during the stage (NaN for a process tree). */
  rssPeakBytes: number
}

/** One stage: every client inserting at a combined `rate` for `durationMs`. */
export interface StageOptions {
  /** Inserts per second, over all clients together. */
  rate: number
  durationMs: number
  /** After the last insert, how long to wait for the missing deliveries before calling them lost. */
  drainMs: number
}

/** What one stage measured. */
export interface StageResult {
  rate: number
  /** Inserts actually sent per second (lower than `rate` when the load generator could not keep up). */
  sentRate: number
  sent: number
  /** Marker receptions by clients other than the sender, and how many there should have been. */
  deliveries: number
  expectedDeliveries: number
  /** Deliveries still missing after the drain. */
  lost: number
  /** Markers received more than once by one client (should be 0). */
  duplicates: number
  /** Connections that closed without the load generator asking. */
  dropped: number
  deliveriesPerSec: number
  /** Frames the clients received per second, echoes of their own changes included. */
  framesPerSec: number
  latency: Summary
  latencyCdf: Cdf
  /** Saved acknowledgement delays (send to ack), when the session opted in. */
  ack: Summary | null
  /** Inserts sent in the stage that were never acknowledged as saved by the end of the drain. */
  unacked: number
  serverCpuCores: number
  serverRssPeakBytes: number
  serverRssEndBytes: number
  /** The server's CPU seconds from the stage's start until its last delivery arrived (or the drain ended). */
  serverCpuSeconds?: number
  /** The watched processes, in the order of the session's setup (none when it watched none). */
  watched?: WatchedStage[]
  /** CPU of the load generator itself: near 1.0 it, not the server, is the limit. */
  loadCpuCores: number
  /**
   * CPU that other processes on the machine used during the stage (the machine's busy cores less the
   * server's and the load generator's). Well above zero, something else competed for the cores.
   */
  otherCpuCores: number
}

interface SimClient {
  index: number
  room: number
  clientId: number
  clock: number
  lite: LiteClient
  /** Send time of each document-changing message, by its 1-based count minus one (saved acks). */
  changeTimes: number[]
  acked: number
}

interface Session {
  setup: FanoutSetup
  clients: SimClient[]
  meter: ProcMeter
  watched: { process: WatchedProcess; cpu: () => number; rss: ProcMeter | null }[]
  /** Per marker: when it was sent, by which client, and how many others received it. */
  sentAt: Float64Array
  senderOf: Int32Array
  received: Uint16Array
  nextMarker: number
  /** Markers from this id on belong to the running stage (earlier ones may still trickle in). */
  stageFirstMarker: number
  stageStartedAt: number
  latencies: Samples
  ackDelays: Samples
  deliveries: number
  duplicates: number
  dropped: number
}

let session: Session | null = null

// Yjs client ids of the load clients; any unique numbers will do.
const CLIENT_ID_BASE = 1_000_000

/** Connects every client of a fan-out session and waits until all are synced. */
export async function openFanout(setup: FanoutSetup): Promise<{ connectMs: number }> {
  if (session) await closeFanout()
  const count = setup.rooms * setup.clientsPerRoom
  const capacity = 1 << 20
  const s: Session = {
    setup,
    clients: [],
    meter: new ProcMeter(setup.serverPid),
    watched: (setup.watched ?? []).map((process) => {
      const meter = process.tree ? new ProcTreeMeter(process.pid) : new ProcMeter(process.pid)
      return { process, cpu: () => meter.cpuSeconds(), rss: process.tree ? null : new ProcMeter(process.pid) }
    }),
    sentAt: new Float64Array(capacity),
    senderOf: new Int32Array(capacity),
    received: new Uint16Array(capacity),
    nextMarker: 0,
    stageFirstMarker: 0,
    stageStartedAt: 0,
    latencies: new Samples(),
    ackDelays: new Samples(),
    deliveries: 0,
    duplicates: 0,
    dropped: 0,
  }
  session = s
  const started = performance.now()
  const byIndex: SimClient[] = new Array(count)
  const urls = [setup.url, ...(setup.moreUrls ?? [])]
  const { clients, failed } = await connectMany(count, (index) => {
    // Consecutive clients are in different rooms, so the round-robin sender spreads every burst over rooms.
    const room = index % setup.rooms
    const sim: SimClient = {
      index,
      room,
      clientId: CLIENT_ID_BASE + index,
      clock: 0,
      lite: null as unknown as LiteClient,
      changeTimes: [],
      acked: 0,
    }
    byIndex[index] = sim
    return {
      // The room's n-th client: clients of one room are spread round-robin over the instances.
      url: urls[Math.floor(index / setup.rooms) % urls.length] as string,
      room: `${setup.roomPrefix}-${room}`,
      serverSyncs: setup.serverSyncs,
      saved: setup.saved,
      handlers: {
        update: (update) => markersInUpdate(update, (id) => onMarker(s, sim, id)),
        saved: (count) => onSaved(s, sim, count),
        dropped: () => {
          s.dropped++
        },
      },
    }
  })
  if (failed > 0) throw new Error(`${failed} of ${count} fan-out clients failed to connect and sync.`)
  clients.forEach((lite, i) => {
    ;(byIndex[i] as SimClient).lite = lite as LiteClient
  })
  s.clients = byIndex
  return { connectMs: performance.now() - started }
}

function onMarker(s: Session, receiver: SimClient, id: number): void {
  if (id >= s.nextMarker || s.senderOf[id] === receiver.index) return
  const count = ++(s.received as Uint16Array)[id]!
  if (count > s.setup.clientsPerRoom - 1) {
    s.duplicates++
    return
  }
  s.deliveries++
  if (id >= s.stageFirstMarker) s.latencies.push(performance.now() - (s.sentAt[id] as number))
}

function onSaved(s: Session, client: SimClient, count: number): void {
  const now = performance.now()
  while (client.acked < count) {
    const sentAt = client.changeTimes[client.acked]
    client.acked++
    if (sentAt !== undefined && sentAt >= s.stageStartedAt) s.ackDelays.push(now - sentAt)
  }
}

/** A fan-out client's next insert: the update that inserts marker `id` after its previous one; its clock moves on. */
function nextInsert(client: { clientId: number; clock: number }, id: number): Uint8Array {
  const text = markerText(id)
  const update = encodeInsertUpdate(client.clientId, client.clock, text)
  client.clock += text.length
  return update
}

/**
 * The first `count` inserts of a fan-out session of `clients` clients, as its first stage sends them: clients
 * take turns, markers are numbered from 0. For measuring what a server does with each, without one.
 */
export function fanoutInserts(count: number, clients: number): Uint8Array[] {
  const senders = Array.from({ length: clients }, (_, index) => ({ clientId: CLIENT_ID_BASE + index, clock: 0 }))
  return Array.from({ length: count }, (_, id) => nextInsert(senders[id % clients]!, id))
}

function sendInsert(s: Session, client: SimClient): void {
  const id = s.nextMarker
  if (id >= s.sentAt.length) grow(s)
  const message = encodeUpdateMessage(nextInsert(client, id))
  s.senderOf[id] = client.index
  s.nextMarker = id + 1
  const now = performance.now()
  s.sentAt[id] = now
  if (s.setup.saved) client.changeTimes[client.lite.changesSent] = now
  client.lite.sendChange(message)
}

function grow(s: Session): void {
  const size = s.sentAt.length * 2
  const sentAt = new Float64Array(size)
  sentAt.set(s.sentAt)
  const senderOf = new Int32Array(size)
  senderOf.set(s.senderOf)
  const received = new Uint16Array(size)
  received.set(s.received)
  Object.assign(s, { sentAt, senderOf, received })
}

/**
 * Runs one stage: an open-loop sender that keeps the combined insert rate whatever the server does (a
 * saturated server shows as latency, not as a slower sender), then a drain. Clients take turns, so each
 * inserts every `clients / rate` seconds.
 */
export async function runFanoutStage(options: StageOptions): Promise<StageResult> {
  const s = session
  if (!s) throw new Error('No fan-out session is open; call openFanout() first.')
  const { rate, durationMs, drainMs } = options
  const clients = s.clients
  const total = Math.max(1, Math.round((rate * durationMs) / 1000))
  s.latencies = new Samples(total * (s.setup.clientsPerRoom - 1))
  s.ackDelays = new Samples(s.setup.saved ? total : 16)
  s.stageFirstMarker = s.nextMarker
  const deliveriesBefore = s.deliveries
  const duplicatesBefore = s.duplicates
  const droppedBefore = s.dropped
  const framesBefore = framesReceived(clients)
  const stopRss = s.meter.watchPeakRss()
  const cpuBefore = s.meter.cpuSeconds()
  const watchedBefore = s.watched.map((w) => w.cpu())
  const watchedRss = s.watched.map((w) => w.rss?.watchPeakRss() ?? (() => Number.NaN))
  const ownBefore = process.cpuUsage()
  const others = new OtherCpu()
  const started = performance.now()
  s.stageStartedAt = started
  let sent = 0
  let turn = 0
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000))
      while (sent < due) {
        const client = clients[turn] as SimClient
        turn = (turn + 1) % clients.length
        if (client.lite.isOpen) sendInsert(s, client)
        sent++
      }
      if (sent >= total) resolve()
      else setTimeout(tick, 1)
    }
    tick()
  })
  const sendMs = performance.now() - started
  const serverCpuCores = (s.meter.cpuSeconds() - cpuBefore) / (sendMs / 1000)
  const loadCpuCores = ownCores(ownBefore, started)
  const watchedSent = s.watched.map((w, i) => w.cpu() - (watchedBefore[i] as number))
  const watchedCores = watchedSent.map((seconds) => seconds / (sendMs / 1000))
  const otherCpuCores = others.cores(serverCpuCores + watchedCores.reduce((sum, cores) => sum + cores, 0))
  const framesPerSec = ((framesReceived(clients) - framesBefore) * 1000) / sendMs
  const expected = total * (s.setup.clientsPerRoom - 1)
  const stageDeliveries = () => s.deliveries - deliveriesBefore
  await waitFor(() => stageDeliveries() >= expected && (!s.setup.saved || unackedCount(s) === 0), drainMs)
  const deliveries = stageDeliveries()
  const serverCpuSeconds = s.meter.cpuSeconds() - cpuBefore
  const watched: WatchedStage[] = s.watched.map((w, i) => ({
    name: w.process.name,
    cpuCores: watchedCores[i] as number,
    cpuSeconds: w.cpu() - (watchedBefore[i] as number),
    rssPeakBytes: (watchedRss[i] as () => number)(),
  }))
  const latencies = s.latencies.sorted()
  const result: StageResult = {
    rate,
    sentRate: (sent * 1000) / sendMs,
    sent,
    deliveries,
    expectedDeliveries: expected,
    lost: Math.max(0, expected - deliveries),
    duplicates: s.duplicates - duplicatesBefore,
    dropped: s.dropped - droppedBefore,
    deliveriesPerSec: (deliveries * 1000) / sendMs,
    framesPerSec,
    latency: summarize(latencies),
    latencyCdf: cdfOf(latencies),
    ack: s.setup.saved ? s.ackDelays.summary() : null,
    unacked: s.setup.saved ? unackedCount(s) : 0,
    serverCpuCores,
    serverRssPeakBytes: stopRss(),
    serverRssEndBytes: s.meter.rssBytes(),
    serverCpuSeconds,
    ...(watched.length > 0 ? { watched } : {}),
    loadCpuCores,
    otherCpuCores,
  }
  progress(
    `    ${rate.toLocaleString('en')} inserts/s: p50 ${result.latency.p50.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms, ` +
      `lost ${result.lost}, server ${result.serverCpuCores.toFixed(2)} cores, load ${result.loadCpuCores.toFixed(2)} cores` +
      (otherCpuCores > DISTURBED_CORES ? `, other processes ${otherCpuCores.toFixed(2)} cores` : '') +
      (result.ack ? `, saved p99 ${result.ack.p99.toFixed(1)} ms` : ''),
  )
  // Let stragglers of a failed stage settle before the next one starts.
  if (result.lost > 0) await sleep(1000)
  return result
}

function unackedCount(s: Session): number {
  let unacked = 0
  for (const client of s.clients) unacked += client.lite.changesSent - client.acked
  return unacked
}

function framesReceived(clients: SimClient[]): number {
  let frames = 0
  for (const client of clients) frames += client.lite.framesReceived
  return frames
}

/**
 * Ends the session. On a server that keeps documents, a fresh client joins every room and checks that every
 * marker ever sent to it is in the room's document (the completeness check); with several instances, on every
 * one of them, and the markers missing are summed over the instances.
 */
export async function closeFanout(): Promise<{ markers: number; missingInDocs: number | null }> {
  const s = session
  if (!s) return { markers: 0, missingInDocs: null }
  session = null
  let missingInDocs: number | null = null
  if (s.setup.serverSyncs) {
    missingInDocs = 0
    for (const url of [s.setup.url, ...(s.setup.moreUrls ?? [])]) missingInDocs += await missingOn(s, url)
  }
  for (const client of s.clients) client.lite.close()
  return { markers: s.nextMarker, missingInDocs }
}

/** How many of the session's markers a fresh client of each room on `url` does not find in the room's document. */
async function missingOn(s: Session, url: string): Promise<number> {
  const present = new Uint8Array(s.nextMarker)
  const { failed, clients } = await connectMany(s.setup.rooms, (room) => ({
    url,
    room: `${s.setup.roomPrefix}-${room}`,
    serverSyncs: true,
    handlers: {
      synced: (update) =>
        markersInUpdate(update, (id) => {
          if (id < present.length) present[id] = 1
        }),
    },
  }))
  for (const client of clients) client?.close()
  return failed > 0 ? s.nextMarker : present.reduce((missing, seen) => missing + (seen ? 0 : 1), 0)
}
