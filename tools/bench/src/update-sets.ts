import * as Y from 'yjs'
import { prepareConcurrentReplay } from './load/concurrent-replay.js'
import { fanoutInserts } from './load/fanout-clients.js'
import { type ConcurrentTrace, readTrace, type SequentialTrace } from './traces.js'

/** Updates as clients send them (one per transaction), to time what a server does with each without a server. */
export interface UpdateSet {
  /** How the report names the set. */
  name: string
  updates: Uint8Array[]
  /** How many documents the updates belong to: update `i` goes to document `i mod docs`. */
  docs: number
}

/**
 * automerge-paper typed by one client: the update its Y.Doc emits for each transaction, for the first `count`
 * transactions (0: all 259,778, which takes about 3 s).
 */
export function automergePaperUpdates(tracesDir: string, count: number): UpdateSet {
  const trace = readTrace<SequentialTrace>(tracesDir, 'automerge-paper')
  const txns = count > 0 ? trace.txns.slice(0, count) : trace.txns
  const doc = new Y.Doc()
  // A fixed client id, so every run measures byte-identical updates.
  doc.clientID = 42
  const text = doc.getText('content')
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (const txn of txns) {
    doc.transact(() => {
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount)
        if (insert !== '') text.insert(position, insert)
      }
    })
  }
  if (txns.length === trace.txns.length && text.toString() !== trace.endContent) {
    throw new Error('Replaying automerge-paper did not give its endContent.')
  }
  doc.destroy()
  return { name: 'automerge-paper', updates, docs: 1 }
}

/** friendsforever's two people: each transaction's update, from the client of the person who typed it, in trace order. */
export function friendsforeverUpdates(tracesDir: string): UpdateSet {
  const replay = prepareConcurrentReplay(readTrace<ConcurrentTrace>(tracesDir, 'friendsforever'))
  return { name: 'friendsforever', updates: replay.txns.map((txn) => txn.update), docs: 1 }
}

/** The name of the fan-out's set: the one set that needs no editing traces. */
export const FANOUT_INSERTS = 'fan-out inserts'

/** The fan-out scenario's first `count` inserts, by `rooms` × `clientsPerRoom` clients (client `i` in room `i mod rooms`). */
export function fanoutInsertUpdates(count: number, rooms: number, clientsPerRoom: number): UpdateSet {
  return { name: FANOUT_INSERTS, updates: fanoutInserts(count, rooms * clientsPerRoom), docs: rooms }
}
