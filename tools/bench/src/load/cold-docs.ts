import * as Y from 'yjs'
import { readTrace, type SequentialTrace } from '../traces.js'

/** The documents of the cold-load scenario. */
export type ColdDocKind = 'random-100k' | 'automerge-paper' | 'big-40mib'

/** A document, as the updates that build it (about a thousand, as typing would send them) and its final text. */
export interface ColdDoc {
  kind: ColdDocKind
  updates: Uint8Array[]
  textLength: number
  /** `Y.encodeStateAsUpdate` of the finished document, in bytes. */
  stateBytes: number
  /** How many single edits it took. */
  edits: number
}

const UPLOAD_UPDATES = 1000
const RANDOM_EDITS = 100_000
/** The big document: 40 MiB of text, pasted by one person in 1,000 pieces of 40 KiB. */
const BIG_BYTES = 40 * 1024 * 1024

/** Builds a cold-load document in a Y.Doc, capturing the updates a client would send for it. */
export function buildColdDoc(kind: ColdDocKind, tracesDir: string | null): ColdDoc {
  const doc = new Y.Doc()
  // A fixed client id, so every run builds byte-identical documents.
  doc.clientID = 42
  const text = doc.getText('content')
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  let edits = 0
  if (kind === 'random-100k') {
    const random = seededRandom(6)
    const perUpdate = RANDOM_EDITS / UPLOAD_UPDATES
    for (let u = 0; u < UPLOAD_UPDATES; u++) {
      doc.transact(() => {
        for (let i = 0; i < perUpdate; i++) {
          const letter = String.fromCharCode(97 + Math.floor(random() * 26))
          text.insert(Math.floor(random() * (text.length + 1)), letter)
        }
      })
    }
    edits = RANDOM_EDITS
  } else if (kind === 'big-40mib') {
    // Lines of words from a seeded generator: text, as a log or a data dump is, not one repeated character.
    const random = seededRandom(40)
    const piece = Math.floor(BIG_BYTES / UPLOAD_UPDATES)
    for (let u = 0; u < UPLOAD_UPDATES; u++) {
      let chunk = ''
      while (chunk.length < piece) {
        chunk += `${Math.floor(random() * 1e9).toString(36)} ${random() < 0.1 ? '\n' : ''}`
      }
      text.insert(text.length, chunk.slice(0, piece))
      edits++
    }
  } else {
    if (!tracesDir) throw new Error('The automerge-paper document needs the editing traces.')
    const trace = readTrace<SequentialTrace>(tracesDir, 'automerge-paper')
    const perUpdate = Math.ceil(trace.txns.length / UPLOAD_UPDATES)
    for (let start = 0; start < trace.txns.length; start += perUpdate) {
      doc.transact(() => {
        for (const txn of trace.txns.slice(start, start + perUpdate)) {
          for (const [position, deleteCount, insert] of txn.patches) {
            if (deleteCount > 0) text.delete(position, deleteCount)
            if (insert !== '') text.insert(position, insert)
            edits++
          }
        }
      })
    }
    if (text.toString() !== trace.endContent) throw new Error('Replaying automerge-paper did not give its endContent.')
  }
  const result: ColdDoc = {
    kind,
    updates,
    textLength: text.length,
    stateBytes: Y.encodeStateAsUpdate(doc).byteLength,
    edits,
  }
  doc.destroy()
  return result
}

// mulberry32: a tiny, well-distributed PRNG, so the random document is the same in every run.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
