// What keeping history costs on the automerge-paper trace: the bytes stored with history (the snapshot kept
// without garbage collection, the author spans compaction folds the log into, and the versions' snapshots)
// against the final encoded state without history, and how long opening a version takes (text ready).
// Not part of `pnpm test`:
//
//   node --conditions=source --import tsx tools/bench/src/history-size.ts [tracesDir] [versionEveryMinutes]
import { performance } from 'node:perf_hooks'
import { deltaSnapshot, fullSnapshot, MemoryStore, syncDefaults, textAt, type VersionDraft } from '@tandem/server'
import * as Y from 'yjs'
import { readTrace, type SequentialTrace, TRACES_ATTRIBUTION } from './traces.js'

const tracesDir = process.argv[2] ?? '/work/shared/traces'
const versionEvery = Number(process.argv[3] ?? 5) * 60_000
const trace = readTrace<SequentialTrace>(tracesDir, 'automerge-paper')
const author = { id: 'user:writer', name: 'Writer', verified: true }

const store = new MemoryStore()
const doc = new Y.Doc({ gc: false })
// A fixed client id of a typical size (5 bytes as a varint, as most random ids are), for repeatable byte counts.
doc.clientID = 1_234_567_890
const text = doc.getText('content')
let pending: Uint8Array[] = []
doc.on('update', (update: Uint8Array) => pending.push(update))
// The trace's times are real but sparse; the replay is timed one second per transaction from its first time.
const start = Date.parse(trace.txns[0]?.time ?? '2026-01-01T00:00:00Z')
let logged = 0
let lastVersion = start
let previous: Y.Snapshot | null = null
const versionIds: number[] = []
const replayStarted = process.cpuUsage()
for (const [index, txn] of trace.txns.entries()) {
  doc.transact(() => {
    for (const [position, deleteCount, insert] of txn.patches) {
      if (deleteCount > 0) text.delete(position, deleteCount)
      if (insert !== '') text.insert(position, insert)
    }
  })
  const at = new Date(start + index * 1000)
  await store.append(pending.map((update) => ({ name: 'paper', update, author, at })))
  logged += pending.length
  pending = []
  // As the commit queue does: compact once the log holds compactAfter entries.
  if (logged >= syncDefaults.compactAfter) {
    await store.compact('paper', Y.encodeStateAsUpdate(doc))
    logged = 0
  }
  if (at.getTime() - lastVersion >= versionEvery) {
    lastVersion = at.getTime()
    const now = Y.snapshot(doc)
    const version: VersionDraft = {
      kind: 'auto',
      label: null,
      by: null,
      at,
      snapshot: deltaSnapshot(now, previous),
      authors: [author],
      inserted: 0,
      deleted: 0,
      restoredFrom: null,
    }
    versionIds.push((await store.addVersion('paper', version))?.id ?? 0)
    previous = now
  }
}
await store.compact('paper', Y.encodeStateAsUpdate(doc))
const replaySeconds = cpuSeconds(replayStarted)
if (text.toString() !== trace.endContent) throw new Error('The replay did not reach the trace’s end content.')

const plain = new Y.Doc()
Y.applyUpdate(plain, Y.encodeStateAsUpdate(doc))
// gc on: what storing the final state without history takes.
const withoutHistory = Y.encodeStateAsUpdate(rebuiltWithGc(plain))
const info = await store.info('paper')
const content = info?.size ?? 0
const history = info?.historySize ?? 0
const spans = history - (await versionBytes())
const total = content + history

// Opening a version as the server does: load the stored state into a Y.Doc without GC, read the text at it.
const middle = versionIds[Math.floor(versionIds.length / 2)] ?? 1
const opened: number[] = []
for (let run = 0; run < 5; run++) {
  const began = performance.now()
  const stored = await store.load('paper')
  const loaded = new Y.Doc({ gc: false })
  if (stored?.snapshot) Y.applyUpdate(loaded, stored.snapshot)
  const deltas: Uint8Array[] = []
  for (const id of versionIds.filter((id) => id <= middle)) deltas.push((await store.version('paper', id))!.snapshot)
  const versionText = textAt(loaded, fullSnapshot(deltas))
  opened.push(performance.now() - began)
  if (run === 0) console.log(`version ${middle} has ${versionText.length} characters`)
}
opened.sort((a, b) => a - b)

// A proxy of the CPU history adds to storing changes (not the whole server): the same replay and compactions
// into a MemoryStore with a garbage-collected Y.Doc and no authors or times, against the timed replay above
// (which also took the versions).
const baselineStarted = process.cpuUsage()
{
  const bare = new MemoryStore()
  const collected = new Y.Doc()
  const bareText = collected.getText('content')
  let queued: Uint8Array[] = []
  let count = 0
  collected.on('update', (update: Uint8Array) => queued.push(update))
  for (const txn of trace.txns) {
    collected.transact(() => {
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) bareText.delete(position, deleteCount)
        if (insert !== '') bareText.insert(position, insert)
      }
    })
    await bare.append(queued.map((update) => ({ name: 'paper', update })))
    count += queued.length
    queued = []
    if (count >= syncDefaults.compactAfter) {
      await bare.compact('paper', Y.encodeStateAsUpdate(collected))
      count = 0
    }
  }
}
const baselineSeconds = cpuSeconds(baselineStarted)

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
console.log(
  `automerge-paper: ${trace.txns.length} transactions replayed and stored in ${replaySeconds.toFixed(1)} s of CPU`,
)
console.log(`final encoded state without history (gc on):       ${kb(withoutHistory.byteLength)}`)
console.log(`snapshot kept without gc:                           ${kb(content)}`)
console.log(`author spans:                                       ${kb(spans)}`)
console.log(
  `versions (${versionIds.length}, one per ${versionEvery / 60_000} min of replay):     ${kb(history - spans)}`,
)
console.log(`stored with history: ${kb(total)} = ${(total / withoutHistory.byteLength).toFixed(2)}x the final state`)
console.log(`  without the versions: ${((content + spans) / withoutHistory.byteLength).toFixed(2)}x`)
console.log(`opening version ${middle} (load + text ready), median of 5: ${opened[2]?.toFixed(0)} ms`)
console.log(
  `replay + store CPU proxy: ${replaySeconds.toFixed(1)} s of CPU with history, ${baselineSeconds.toFixed(1)} s without ` +
    `(+${((replaySeconds / baselineSeconds - 1) * 100).toFixed(0)} %)`,
)
console.log(TRACES_ATTRIBUTION)

async function versionBytes(): Promise<number> {
  let bytes = 0
  for (const id of versionIds) bytes += (await store.version('paper', id))?.snapshot.byteLength ?? 0
  return bytes
}

function rebuiltWithGc(source: Y.Doc): Y.Doc {
  const collected = new Y.Doc({ gc: true })
  Y.applyUpdate(collected, Y.encodeStateAsUpdate(source))
  return collected
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1e6
}
