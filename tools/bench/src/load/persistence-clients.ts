import { encodeUpdateMessage } from '@tandem/protocol'
import { CpuWindow, OtherCpu, ProcMeter } from '../proc-meter.js'
import { Samples, type Summary } from '../stats.js'
import { encodeInsertUpdate } from '../wire.js'
import { connectMany, type LiteClient } from './lite-client.js'
import { progress } from './progress.js'
import { waitFor } from './wait.js'

/** A commit-throughput measurement: writers that keep a window of unacknowledged updates in flight. */
export interface ThroughputSetup {
  url: string
  serverPid: number
  /** One writer per room. */
  rooms: number
  /** Updates each writer keeps sent but not yet acknowledged as saved. */
  window: number
  durationMs: number
  roomPrefix: string
}

/** What it measured. */
export interface ThroughputResult {
  rooms: number
  window: number
  /** Updates acknowledged as committed per second, over the sending period. */
  committedPerSec: number
  sent: number
  acked: number
  /** Delay from sending an update to its saved acknowledgement. */
  ack: Summary
  serverCpuCores: number
  serverRssEndBytes: number
  /** CPU other processes used meanwhile (see `StageResult.otherCpuCores`). */
  otherCpuCores: number
}

const CLIENT_ID_BASE = 3_000_000

interface Writer {
  lite: LiteClient
  clientId: number
  clock: number
  acked: number
  sentAt: number[]
}

/**
 * Saturates the server's commit path: each writer sends small inserts as fast as its acknowledgements come
 * back, keeping `window` in flight, for `durationMs`. Only acknowledged updates count: Tandem acknowledges after
 * the storage commit (with SQLite, a `synchronous = FULL` WAL commit), so this is the durable throughput.
 */
export async function runCommitThroughput(setup: ThroughputSetup): Promise<ThroughputResult> {
  const meter = new ProcMeter(setup.serverPid)
  const delays = new Samples(1 << 16)
  let sending = false
  let ackedInWindow = 0
  let started = 0
  const writers: Writer[] = []
  const send = (writer: Writer) => {
    const update = encodeInsertUpdate(writer.clientId, writer.clock, 'x')
    writer.clock += 1
    writer.sentAt[writer.lite.changesSent] = performance.now()
    writer.lite.sendChange(encodeUpdateMessage(update))
  }
  const { clients, failed } = await connectMany(setup.rooms, (index) => ({
    url: setup.url,
    room: `${setup.roomPrefix}-${index}`,
    serverSyncs: true,
    saved: true,
    handlers: {
      saved: (count) => {
        const writer = writers[index]
        if (!writer) return
        const now = performance.now()
        while (writer.acked < count) {
          const sentAt = writer.sentAt[writer.acked]
          writer.acked++
          if (sentAt !== undefined && sentAt >= started) {
            delays.push(now - sentAt)
            if (sending) ackedInWindow++
          }
        }
        while (sending && writer.lite.changesSent - writer.acked < setup.window) send(writer)
      },
    },
  }))
  if (failed > 0) throw new Error(`${failed} writers failed to connect.`)
  clients.forEach((lite, index) => {
    writers[index] = { lite: lite as LiteClient, clientId: CLIENT_ID_BASE + index, clock: 0, acked: 0, sentAt: [] }
  })
  // The handshake's own step 2 is acknowledged first; start from a clean slate.
  await waitFor(() => writers.every((w) => w.acked >= w.lite.changesSent), 10_000)
  const cpu = new CpuWindow(meter)
  const others = new OtherCpu()
  started = performance.now()
  sending = true
  for (const writer of writers) while (writer.lite.changesSent - writer.acked < setup.window) send(writer)
  await new Promise((resolve) => setTimeout(resolve, setup.durationMs))
  sending = false
  const elapsed = performance.now() - started
  const serverCpuCores = cpu.cores()
  const otherCpuCores = others.cores(serverCpuCores)
  await waitFor(() => writers.every((w) => w.acked >= w.lite.changesSent), 10_000)
  const sent = writers.reduce((total, w) => total + w.lite.changesSent, 0)
  const acked = writers.reduce((total, w) => total + w.acked, 0)
  const result: ThroughputResult = {
    rooms: setup.rooms,
    window: setup.window,
    committedPerSec: (ackedInWindow * 1000) / elapsed,
    sent,
    acked,
    ack: delays.summary(),
    serverCpuCores,
    serverRssEndBytes: meter.rssBytes(),
    otherCpuCores,
  }
  progress(
    `    ${setup.rooms} writers × window ${setup.window}: ${Math.round(result.committedPerSec).toLocaleString('en')} ` +
      `committed updates/s, saved p50 ${result.ack.p50.toFixed(1)} ms, p99 ${result.ack.p99.toFixed(1)} ms`,
  )
  for (const writer of writers) writer.lite.close()
  return result
}
