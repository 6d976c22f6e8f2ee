import { encodeUpdateMessage } from '@tandem/protocol'
import { buildColdDoc, type ColdDoc, type ColdDocKind } from './cold-docs.js'
import { DocClient, type SyncTimings } from './doc-client.js'
import { LiteClient } from './lite-client.js'
import { progress } from './progress.js'
import { sleep, waitFor } from './wait.js'

const docs = new Map<ColdDocKind, ColdDoc>()
const holders = new Map<string, LiteClient>()
const SYNC_TIMEOUT_MS = 120_000

/** Builds (once per load process) a cold-load document; returns its sizes. */
export function prepareColdDoc(
  kind: ColdDocKind,
  tracesDir: string | null,
): { textLength: number; stateBytes: number; edits: number; updates: number } {
  let doc = docs.get(kind)
  if (!doc) {
    const started = performance.now()
    doc = buildColdDoc(kind, tracesDir)
    docs.set(kind, doc)
    progress(
      `    built ${kind}: ${doc.edits.toLocaleString('en')} edits, ${doc.textLength.toLocaleString('en')} characters, ` +
        `${(doc.stateBytes / 1e6).toFixed(2)} MB of state, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }
  return { textLength: doc.textLength, stateBytes: doc.stateBytes, edits: doc.edits, updates: doc.updates.length }
}

/**
 * Sends a document's updates to `room` from one client, which stays connected (so that the server keeps the
 * document in memory) until {@link releaseHolders}. With `saved`, resolves once Tandem acknowledged every
 * update as committed; otherwise once a second client sees the whole text.
 */
export async function uploadColdDoc(options: {
  url: string
  room: string
  kind: ColdDocKind
  saved: boolean
}): Promise<{ ms: number }> {
  const doc = docs.get(options.kind)
  if (!doc) throw new Error(`Call prepareColdDoc("${options.kind}") first.`)
  const started = performance.now()
  let acked = 0
  const client = await LiteClient.connect({
    url: options.url,
    room: options.room,
    serverSyncs: true,
    saved: options.saved,
    handlers: {
      saved: (count) => {
        acked = count
      },
    },
  })
  await client.synced
  holders.set(options.room, client)
  // A window of unacknowledged updates, as an editor has at most its pending changes in flight.
  const window = 64
  let sent = 0
  const total = doc.updates.length
  while (sent < total) {
    if (!options.saved || client.changesSent - acked < window) {
      client.sendChange(encodeUpdateMessage(doc.updates[sent] as Uint8Array))
      sent++
    } else if (!(await waitFor(() => client.changesSent - acked < window, 30_000, 1))) {
      throw new Error('The server stopped acknowledging the upload for 30 s.')
    }
  }
  if (options.saved) {
    if (!(await waitFor(() => acked >= client.changesSent, SYNC_TIMEOUT_MS, 2))) {
      throw new Error('The upload was not acknowledged as saved in time.')
    }
  } else {
    // Without acknowledgements, the server has it all once a new client gets all of it.
    let complete = false
    for (let attempt = 0; attempt < 300 && !complete; attempt++) {
      complete = (await syncFresh({ url: options.url, room: options.room, kind: options.kind })).complete
      if (!complete) await sleep(200)
    }
    if (!complete) throw new Error('A minute after the upload, a fresh client still did not get the whole document.')
  }
  return { ms: performance.now() - started }
}

/** Closes the clients that kept uploaded documents in memory. */
export function releaseHolders(): void {
  for (const client of holders.values()) client.close()
  holders.clear()
}

/** What a fresh client's sync of a whole document took. */
export interface FreshSync extends SyncTimings {
  /** From the connection attempt until the document was applied, in ms. */
  totalMs: number
  complete: boolean
}

/** A fresh client (a new Y.Doc) connects and syncs the whole document; resolves when it holds all of it. */
export async function syncFresh(options: { url: string; room: string; kind: ColdDocKind }): Promise<FreshSync> {
  const doc = docs.get(options.kind)
  if (!doc) throw new Error(`Call prepareColdDoc("${options.kind}") first.`)
  const client = new DocClient({ url: options.url, room: options.room, serverSyncs: true })
  try {
    await client.waitSynced(SYNC_TIMEOUT_MS)
    const t = client.timings
    return { ...t, totalMs: t.applied - t.started, complete: client.text.length === doc.textLength }
  } finally {
    client.close()
  }
}
