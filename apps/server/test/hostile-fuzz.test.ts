/**
 * Fuzzing the real server process with real updates gone wrong: the incremental updates of two real editing
 * traces (one person writing a paper, two people writing together), replayed through Y.Docs, then mutated with a
 * seeded PRNG (bit flips, varUints bumped to huge values, truncation, splicing two updates, duplicated structs)
 * and sent over many connections. Every connection the server ends gets a named close code, and `underAttack`
 * holds the server to what every attack must leave intact. The seed is printed; `FUZZ_SEED=<seed>` replays it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import {
  CloseCode,
  encodeQueryAwarenessMessage,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  readMessage,
} from '@tandem/protocol'
import { type CloseInfo, openRawClient, type RawClient, startTandem, type TandemProcess } from '@tandem/test-utils'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { seededRandom } from './support/malformed-frames.js'
import { pastBounds, underAttack } from './support/under-attack.js'

const TRACES = '/work/shared/traces'
/** Consecutive incremental updates taken from each trace. */
const UPDATES_PER_TRACE = 2000
/** Connections sending at once; each walks a trace, sending every update intact and a mutation of it. */
const WORKERS = 12
/** Mutated updates each connection's worker sends: 12 × 1,700 = 20,400 in all. */
const MUTATIONS_PER_WORKER = 1700
/** Rooms per trace; the workers of a trace share them. */
const ROOMS_PER_TRACE = 3
/** The close codes a mutated update may get. */
const NAMED_CODES: readonly number[] = [
  CloseCode.protocolError,
  CloseCode.invalidPayload,
  CloseCode.pendingUnresolved,
  CloseCode.rateLimited,
  CloseCode.updateRefused,
]

/** A patch of a trace: at a character offset, delete so many characters, then insert a text. */
type Patch = [position: number, deleted: number, inserted: string]
/** A trace, as /work/shared/traces/README.md describes it; the concurrent one has parents, children and agents. */
type Trace = { txns: { patches: Patch[]; parents?: number[]; numChildren?: number; agent?: number }[] }

function readTrace(file: string): Trace {
  return JSON.parse(gunzipSync(readFileSync(join(TRACES, file))).toString()) as Trace
}

function applyPatches(text: Y.Text, patches: readonly Patch[]): void {
  for (const [position, deleted, inserted] of patches) {
    if (deleted > 0) text.delete(position, deleted)
    if (inserted !== '') text.insert(position, inserted)
  }
}

/** The first `count` transactions of a sequential trace (one writer), each as the update it makes. */
function sequentialUpdates(trace: Trace, count: number): Uint8Array[] {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (const txn of trace.txns.slice(0, count)) doc.transact(() => applyPatches(doc.getText('content'), txn.patches))
  return updates
}

/**
 * The first `count` transactions of a concurrent trace, each as the update it makes on the merged state of its
 * parents: one Y.Doc per branch, each agent writing as its own client.
 */
function concurrentUpdates(trace: Trace, count: number): Uint8Array[] {
  const branches = new Map<number, { doc: Y.Doc; children: number }>()
  /** The document at transaction `index`: its own Y.Doc for its last child, a copy for the others. */
  const take = (index: number): Y.Doc => {
    const branch = branches.get(index)!
    if (--branch.children === 0) {
      branches.delete(index)
      return branch.doc
    }
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(branch.doc))
    return copy
  }
  const updates: Uint8Array[] = []
  trace.txns.slice(0, count).forEach((txn, index) => {
    const [first, ...others] = txn.parents ?? []
    const doc = first === undefined ? new Y.Doc() : take(first)
    for (const other of others) {
      const merged = take(other)
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(merged, Y.encodeStateVector(doc)))
    }
    doc.clientID = 1000 + (txn.agent ?? 0)
    const before = Y.encodeStateVector(doc)
    doc.transact(() => applyPatches(doc.getText('content'), txn.patches))
    updates.push(Y.encodeStateAsUpdate(doc, before))
    if ((txn.numChildren ?? 0) > 0) branches.set(index, { doc, children: txn.numChildren! })
  })
  return updates
}

/** The ways an update is mutated. */
type Mutation = 'bit-flip' | 'huge-varint' | 'truncation' | 'splice' | 'duplicated-structs'
const MUTATIONS: readonly Mutation[] = ['bit-flip', 'huge-varint', 'truncation', 'splice', 'duplicated-structs']

/** One step of a worker: a real update as it was, then a mutation of it. */
interface Step {
  readonly intact: Uint8Array
  readonly mutated: Uint8Array
  readonly mutation: Mutation
  /** Which update of which trace, and the mutation, for failure messages. */
  readonly what: string
}

/** The steps of worker `worker`, from the seed alone: the same seed gives the same frames. */
function workerSteps(seed: number, worker: number, name: string, updates: readonly Uint8Array[]): Step[] {
  const random = seededRandom(seed + worker * 7919)
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const huge = () =>
    [2 ** 40 + int(0, 1000), 2 ** 41, 2 ** 53 - 5, 2 ** 53 + 10, 2 ** 60, int(2 ** 32, 2 ** 40), 2 ** 31 + int(0, 9)][
      int(0, 6)
    ]!
  const steps: Step[] = []
  for (let k = 0; k < MUTATIONS_PER_WORKER; k++) {
    const update = updates[k % updates.length]!
    const mutation = MUTATIONS[int(0, MUTATIONS.length - 1)]!
    const payload = mutate(mutation, update, updates[int(0, updates.length - 1)]!, int, huge)
    const asStep2 = random() < 0.3
    steps.push({
      intact: encodeUpdateMessage(update),
      mutated: asStep2 ? encodeSyncStep2Message(payload) : encodeUpdateMessage(payload),
      mutation,
      what: `${name} update #${k % updates.length}, ${mutation}${asStep2 ? ' in a sync step 2' : ''}`,
    })
  }
  return steps
}

function mutate(
  mutation: Mutation,
  update: Uint8Array,
  other: Uint8Array,
  int: (min: number, max: number) => number,
  huge: () => number,
): Uint8Array {
  switch (mutation) {
    case 'bit-flip': {
      const copy = update.slice()
      for (let flips = int(1, 3); flips > 0; flips--) {
        const at = int(0, copy.length - 1)
        copy[at] = copy[at]! ^ (1 << int(0, 7))
      }
      return copy
    }
    case 'huge-varint': {
      // Any byte may start a varUint: replace the one that starts there with a huge value.
      const at = int(0, update.length - 1)
      let end = at
      while (end < update.length - 1 && end - at < 9 && update[end]! >= 0x80) end++
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, huge())
      return concat(update.subarray(0, at), encoding.toUint8Array(encoder), update.subarray(end + 1))
    }
    case 'truncation':
      return update.slice(0, int(1, Math.max(1, update.length - 1)))
    case 'splice':
      return concat(update.subarray(0, int(0, update.length)), other.subarray(int(0, other.length)))
    case 'duplicated-structs': {
      // A slice of the structs written twice, and the first client's struct count raised to match.
      const decoder = decoding.createDecoder(update)
      const clients = decoding.readVarUint(decoder)
      const structs = decoding.readVarUint(decoder)
      const bodyAt = decoder.pos
      const from = int(bodyAt, update.length - 1)
      const to = int(from, update.length)
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, clients)
      encoding.writeVarUint(encoder, structs + int(1, 3))
      return concat(
        encoding.toUint8Array(encoder),
        update.subarray(bodyAt, to),
        update.subarray(from, to),
        update.subarray(to),
      )
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    result.set(part, at)
    at += part.length
  }
  return result
}

/** How one connection of the fuzz ended, with the step whose frames it was handling. */
interface FuzzClose {
  readonly close: CloseInfo
  readonly step: Step
}

describe('real updates gone wrong', () => {
  let server: TandemProcess
  beforeAll(async () => {
    server = await startTandem({
      args: ['--max-connections-per-minute', '1000000', '--max-docs-per-ip', '1000000'],
    })
  })
  afterAll(async () => {
    await server?.dispose()
  })

  it('get named close codes, never 1011, and leave the server and every document intact', async () => {
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 32)
    console.log(`hostile fuzz: seed ${seed} (replay with FUZZ_SEED=${seed})`)
    const traces = [
      { name: 'paper', updates: sequentialUpdates(readTrace('automerge-paper.json.gz'), UPDATES_PER_TRACE) },
      { name: 'friends', updates: concurrentUpdates(readTrace('friendsforever.json.gz'), UPDATES_PER_TRACE) },
    ]
    const workers = Array.from({ length: WORKERS }, (_, worker) => {
      const trace = traces[worker % traces.length]!
      const room = `fuzz/${trace.name}-${Math.floor(worker / traces.length) % ROOMS_PER_TRACE}`
      return { room, steps: workerSteps(seed, worker, trace.name, trace.updates) }
    })
    const rooms = [...new Set(workers.map((worker) => worker.room))]
    const closes: FuzzClose[] = []
    const unreachable: string[] = []
    /** Updates the server sent past the bounds: relayed to the fuzz's connections, or served to a newcomer. */
    const sentPastBounds: string[] = []
    /** Checks what the server sent on a connection that ended, or at the end. */
    const checkSent = (raw: RawClient, room: string) => {
      for (const frame of raw.received) {
        const message = readMessage(frame)
        const past =
          message.type === 'sync-step-2' || message.type === 'sync-update' ? pastBounds(message.update) : null
        if (past !== null) sentPastBounds.push(`relayed in ${room}: ${past}`)
      }
    }
    /** What a newcomer to `room` is sent: the whole document, pending content included. */
    const checkNewcomer = async (room: string, when: string) => {
      const raw = await openRawClient(server.url, room)
      try {
        raw.send(encodeSyncStep1Message(new Uint8Array([0])))
        const { update } = await raw.nextMessage('sync-step-2')
        const past = pastBounds(update)
        if (past !== null) sentPastBounds.push(`sent to a newcomer to ${room} ${when}: ${past}`)
      } catch (error) {
        sentPastBounds.push(`a newcomer to ${room} ${when} got no document: ${String(error)}`)
      } finally {
        raw.ws.terminate()
      }
    }
    let mutatedSent = 0

    /** Sends a worker's steps, replacing every connection the server closes. */
    const run = async ({ room, steps }: (typeof workers)[number]): Promise<RawClient[]> => {
      const open = () => openRawClient(server.url, room)
      let raw = await open()
      for (const step of steps) {
        const seen = raw.received.length
        raw.send(step.intact)
        raw.send(step.mutated)
        raw.send(encodeQueryAwarenessMessage())
        mutatedSent++
        const closed = await Promise.race([
          raw
            .next((frame) => readMessage(frame).type === 'awareness' && raw.received.indexOf(frame) >= seen, 20_000)
            .then(() => null),
          raw.closed,
        ])
        if (closed === null) continue
        closes.push({ close: closed, step })
        checkSent(raw, room)
        try {
          raw = await open()
          // The intact update may have gone with the connection; the next one needs it.
          raw.send(step.intact)
        } catch (error) {
          unreachable.push(`${room}: ${String(error)}`)
          return []
        }
      }
      checkSent(raw, room)
      return [raw]
    }

    const started = performance.now()
    await underAttack(server, { prefix: 'fuzz', attackerEnd: null, written: rooms, disconnect: () => {} }, async () =>
      (await Promise.all(workers.map(run))).flat(),
    )
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    // After the restart: what storage held.
    for (const room of rooms) await checkNewcomer(room, 'after the restart')

    const byCode = new Map<number, number>()
    for (const { close } of closes) byCode.set(close.code, (byCode.get(close.code) ?? 0) + 1)
    console.log(
      `hostile fuzz: ${mutatedSent} mutated updates in ${seconds} s, connections closed by code ` +
        `${JSON.stringify(Object.fromEntries(byCode))} (seed ${seed})`,
    )
    expect(unreachable, `workers that could not reconnect (seed ${seed})`).toEqual([])
    expect(mutatedSent).toBeGreaterThanOrEqual(20_000)
    const unnamed = closes
      .filter(({ close }) => !NAMED_CODES.includes(close.code))
      .map(({ close, step }) => `${close.code} "${close.reason}" after ${step.what}`)
    expect(unnamed, `closes with a code outside ${NAMED_CODES.join(', ')} (seed ${seed})`).toEqual([])
    expect(byCode.get(CloseCode.internalError) ?? 0, `internal errors (seed ${seed})`).toBe(0)
    expect(sentPastBounds.slice(0, 20), `updates past the bounds the server sent (seed ${seed})`).toEqual([])
  })
})
