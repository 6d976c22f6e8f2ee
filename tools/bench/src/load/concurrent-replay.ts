import * as Y from 'yjs'
import type { ConcurrentTrace } from '../traces.js'

/** One transaction of a concurrent trace, ready to send: the Yjs update its person's client makes for it. */
export interface ReplayTxn {
  agent: number
  update: Uint8Array
  /** The other person's Yjs clock this transaction's author must have received before typing it. */
  needsOtherClock: number
  /** The author's Yjs clock once this transaction is integrated (unchanged by a deletion-only one). */
  clockAfter: number
  /** Only deletions: it cannot be told apart by the state vector, so it is left out of latency figures. */
  deleteOnly: boolean
}

/** A concurrent trace turned into the updates two clients send. */
export interface PreparedReplay {
  txns: ReplayTxn[]
  /** Yjs client id of each person. */
  clientIds: number[]
  endContent: string
}

/**
 * Turns a two-person concurrent trace into the Yjs updates each person's client produces, offline, with the
 * exact document each transaction was made on: a transaction applies to its parents' merged state, which
 * (because each person's own transactions form a chain) is the author's replica after it received the other
 * person's first N transactions. Positions in the trace are only valid on that state, so the updates are made
 * here, and the live replay only sends them, in order and after their dependencies.
 */
export function prepareConcurrentReplay(trace: ConcurrentTrace): PreparedReplay {
  if (trace.numAgents !== 2) throw new Error(`The replay handles two people; this trace has ${trace.numAgents}.`)
  const clientIds = [101, 202]
  const docs = clientIds.map((clientId) => {
    const doc = new Y.Doc()
    doc.clientID = clientId
    return doc
  })
  const byAgent: [Uint8Array[], Uint8Array[]] = [[], []]
  // How many of the other person's transactions each person's replica has applied.
  const applied = new Int32Array(2)
  const versions: [number, number][] = []
  const txns: ReplayTxn[] = []
  for (const [index, txn] of trace.txns.entries()) {
    const version: [number, number] = [0, 0]
    for (const parent of txn.parents) {
      const parentVersion = versions[parent] as [number, number]
      version[0] = Math.max(version[0], parentVersion[0])
      version[1] = Math.max(version[1], parentVersion[1])
    }
    const agent = txn.agent
    const other = 1 - agent
    const mine = byAgent[agent] as Uint8Array[]
    const theirs = byAgent[other] as Uint8Array[]
    if (version[agent] !== mine.length) {
      throw new Error(`Transaction ${index} does not follow its author's previous one; the replay cannot run it.`)
    }
    const doc = docs[agent] as Y.Doc
    const wanted = version[other] as number
    let have = applied[agent] as number
    if (have > wanted) throw new Error(`Transaction ${index} goes back in the other's history.`)
    while (have < wanted) Y.applyUpdate(doc, theirs[have++] as Uint8Array)
    applied[agent] = have
    const needsOtherClock = Y.getState(doc.store, clientIds[other] as number)
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => {
      update = u
    }
    doc.on('update', capture)
    const text = doc.getText('content')
    doc.transact(() => {
      for (const [position, deleteCount, insert] of txn.patches) {
        if (deleteCount > 0) text.delete(position, deleteCount)
        if (insert !== '') text.insert(position, insert)
      }
    })
    doc.off('update', capture)
    if (update === null) throw new Error(`Transaction ${index} changed nothing.`)
    mine.push(update)
    version[agent] = mine.length
    versions.push(version)
    txns.push({
      agent,
      update,
      needsOtherClock,
      clockAfter: Y.getState(doc.store, clientIds[agent] as number),
      deleteOnly: txn.patches.every(([, , insert]) => insert === ''),
    })
  }
  const check = new Y.Doc()
  for (const txn of txns) Y.applyUpdate(check, txn.update)
  if (check.getText('content').toString() !== trace.endContent) {
    throw new Error('The prepared replay does not end at the trace endContent.')
  }
  check.destroy()
  for (const doc of docs) doc.destroy()
  return { txns, clientIds, endContent: trace.endContent }
}

/** The text after the first `count` transactions (a prefix of the trace is closed under its parents). */
export function textAfter(replay: PreparedReplay, count: number): string {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.mergeUpdates(replay.txns.slice(0, count).map((txn) => txn.update)))
  const text = doc.getText('content').toString()
  doc.destroy()
  return text
}
