/**
 * The real editing traces (`shared/traces`) replayed into Y.Docs, for tests that need real documents: one person
 * writing a paper, and two people writing together.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { expect } from 'vitest'
import * as Y from 'yjs'

/** The update one transaction on `doc` makes. */
export function updateOf(doc: Y.Doc, change: () => void): Uint8Array {
  let update: Uint8Array | null = null
  const capture = (u: Uint8Array) => {
    update = u
  }
  doc.on('update', capture)
  doc.transact(change)
  doc.off('update', capture)
  if (update === null) throw new Error('The transaction changed nothing.')
  return update
}

export function docOf(clientID: number): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = clientID
  return doc
}

/** Where the editing traces are: `TANDEM_TRACES`, else `shared/traces` beside the repository (as the bench). */
export const tracesDir = [
  process.env.TANDEM_TRACES,
  fileURLToPath(new URL('../../../../shared/traces', import.meta.url)),
]
  .filter((dir): dir is string => dir !== undefined)
  .find((dir) => existsSync(join(dir, 'friendsforever.json.gz')))

type Patch = [position: number, deleteCount: number, insert: string]

function readTrace<T>(name: string): T {
  return JSON.parse(gunzipSync(readFileSync(join(tracesDir as string, `${name}.json.gz`))).toString('utf8')) as T
}

function applyPatches(type: Y.Text, patches: Patch[]): void {
  for (const [position, deleteCount, insert] of patches) {
    if (deleteCount > 0) type.delete(position, deleteCount)
    if (insert !== '') type.insert(position, insert)
  }
}

/** Every update of one person typing the sequential trace, and their document. */
function replaySequential(): Replayed {
  const trace = readTrace<{ endContent: string; txns: { patches: Patch[] }[] }>('automerge-paper')
  const doc = docOf(1)
  const type = doc.getText('content')
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (const { patches } of trace.txns) doc.transact(() => applyPatches(type, patches))
  expect(updates.length).toBe(trace.txns.length)
  expect(type.toString()).toBe(trace.endContent)
  return { updates, doc }
}

/**
 * Every update of the two-person trace, each made on its author's replica with exactly the other's
 * transactions it was typed on (the other's first N: each person's own transactions form a chain).
 */
function replayConcurrent(): Replayed {
  const trace = readTrace<{ endContent: string; txns: { parents: number[]; agent: number; patches: Patch[] }[] }>(
    'friendsforever',
  )
  const docs = [docOf(101), docOf(202)]
  const byAgent: Uint8Array[][] = [[], []]
  const received = [0, 0]
  const versions: number[][] = []
  const updates: Uint8Array[] = []
  for (const { parents, agent, patches } of trace.txns) {
    const version = [0, 0]
    for (const parent of parents) {
      for (const person of [0, 1]) version[person] = Math.max(version[person]!, versions[parent]![person]!)
    }
    const other = 1 - agent
    const doc = docs[agent]!
    while (received[agent]! < version[other]!) Y.applyUpdate(doc, byAgent[other]![received[agent]!++]!)
    const update = updateOf(doc, () => applyPatches(doc.getText('content'), patches))
    byAgent[agent]!.push(update)
    updates.push(update)
    version[agent] = byAgent[agent]!.length
    versions.push(version)
  }
  // Applied one by one rather than merged: Y.mergeUpdates of many updates takes seconds.
  const merged = new Y.Doc()
  for (const update of updates) Y.applyUpdate(merged, update)
  expect(merged.getText('content').toString()).toBe(trace.endContent)
  return { updates, doc: merged }
}

/** A replayed trace: every update, and the document they make. */
export interface Replayed {
  updates: Uint8Array[]
  doc: Y.Doc
}

let sequential: Replayed | undefined
let concurrent: Replayed | undefined

/** Both traces, replayed once, on first use (seconds: Yjs typing 260,000 transactions). */
export function traces(): { sequential: Replayed; concurrent: Replayed } {
  sequential ??= replaySequential()
  return { sequential, concurrent: concurrentTrace() }
}

/** The two-person trace alone, replayed once, on first use. */
export function concurrentTrace(): Replayed {
  concurrent ??= replayConcurrent()
  return concurrent
}
