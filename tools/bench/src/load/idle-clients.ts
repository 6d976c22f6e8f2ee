import { encodeAwarenessMessage, readAwarenessEntries, writeAwarenessEntries } from '@tandem/protocol'
import { CpuWindow, OtherCpu, ProcMeter } from '../proc-meter.js'
import { connectMany, type LiteClient } from './lite-client.js'
import { progress } from './progress.js'
import { sleep, waitFor } from './wait.js'

/** An idle-capacity measurement: many connections that join, show their presence, and then do nothing. */
export interface IdleSetup {
  url: string
  serverPid: number
  serverSyncs: boolean
  connections: number
  rooms: number
  roomPrefix: string
  /** How long the connections stay idle after everyone sees everyone, before memory is read. */
  holdMs: number
}

/** What an idle measurement found. */
export interface IdleResult {
  connections: number
  rooms: number
  /** From the first connection attempt until every connection is open and synced. */
  connectMs: number
  /**
   * Until, in addition, every client has seen the awareness state of every other client of its room (on the
   * servers that keep awareness; on the raw broadcaster it equals `connectMs`).
   */
  allPresentMs: number
  /** Connections that could not be opened or synced, and those that closed during the hold. */
  failed: number
  dropped: number
  /** Clients that never saw everyone in their room. */
  incomplete: number
  rssBeforeBytes: number
  rssAfterBytes: number
  /** (RSS after − RSS before) / connections. */
  rssPerConnectionBytes: number
  serverCpuSeconds: number
  /** CPU other processes used while connecting (see `StageResult.otherCpuCores`). */
  otherCpuCores: number
}

const CLIENT_ID_BASE = 2_000_000
const PRESENCE_TIMEOUT_MS = 60_000

/**
 * Opens `connections` clients over `rooms` rooms (client i in room i mod rooms). Each sets an awareness state
 * as a y-websocket client does on connect; the run is complete when every client sees every other one of its
 * room, whichever server relays it. Then the connections idle for `holdMs` and the server's RSS is read.
 */
export async function runIdle(setup: IdleSetup): Promise<IdleResult> {
  const result = await openIdle(setup)
  closeIdle()
  return result
}

let open: LiteClient[] = []

/** {@link runIdle} without the end: the connections stay open (for a heap snapshot) until {@link closeIdle}. */
export async function openIdle(setup: IdleSetup): Promise<IdleResult> {
  closeIdle()
  const meter = new ProcMeter(setup.serverPid)
  const rssBeforeBytes = meter.rssBytes()
  const cpu = new CpuWindow(meter)
  const others = new OtherCpu()
  const expected = (index: number) => Math.ceil((setup.connections - (index % setup.rooms)) / setup.rooms) - 1
  const seen: Set<number>[] = Array.from({ length: setup.connections }, () => new Set())
  let complete = 0
  let dropped = 0
  const started = performance.now()
  const { clients, failed } = await connectMany(
    setup.connections,
    (index) => {
      const own = CLIENT_ID_BASE + index
      const room = index % setup.rooms
      const mine = seen[index] as Set<number>
      // The raw broadcaster keeps no presence: a client there only hears of those who join after it, so
      // "everyone sees everyone" is checked on the servers that keep awareness state.
      const wanted = setup.serverSyncs ? expected(index) : 0
      if (wanted === 0) complete++
      return {
        url: setup.url,
        room: `${setup.roomPrefix}-${room}`,
        serverSyncs: setup.serverSyncs,
        handlers: {
          awareness: (update) => {
            for (const { clientId } of readAwarenessEntries(update)) {
              if (clientId === own || mine.has(clientId) || mine.size >= wanted) continue
              mine.add(clientId)
              if (mine.size === wanted) complete++
            }
          },
          dropped: () => {
            dropped++
          },
        },
      }
    },
    // Every client announces itself as soon as it is synced, as a y-websocket provider does.
    (client, index) =>
      client.send(
        encodeAwarenessMessage(
          writeAwarenessEntries([
            {
              clientId: CLIENT_ID_BASE + index,
              clock: 1,
              state: JSON.stringify({ user: { name: `person ${index}`, color: '#30bced' }, cursor: null }),
            },
          ]),
        ),
      ),
  )
  const connectMs = performance.now() - started
  const otherCpuCores = others.cores(cpu.cores())
  await waitFor(() => complete >= setup.connections - failed, PRESENCE_TIMEOUT_MS, 20)
  const allPresentMs = performance.now() - started
  progress(
    `    ${setup.connections.toLocaleString('en')} connections: synced in ${(connectMs / 1000).toFixed(2)} s, ` +
      `everyone present in ${(allPresentMs / 1000).toFixed(2)} s`,
  )
  await sleep(setup.holdMs)
  const rssAfterBytes = meter.rssBytes()
  const result: IdleResult = {
    connections: setup.connections,
    rooms: setup.rooms,
    connectMs,
    allPresentMs,
    failed,
    dropped,
    incomplete: setup.connections - failed - complete,
    rssBeforeBytes,
    rssAfterBytes,
    rssPerConnectionBytes: (rssAfterBytes - rssBeforeBytes) / setup.connections,
    serverCpuSeconds: cpu.seconds(),
    otherCpuCores,
  }
  open = clients.filter((client): client is LiteClient => client !== undefined)
  return result
}

/** Closes the connections {@link openIdle} left open. */
export function closeIdle(): void {
  for (const client of open) client.close()
  open = []
}
