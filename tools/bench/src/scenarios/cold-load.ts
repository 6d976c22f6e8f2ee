import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FreshSync } from '../load/cold-clients.js'
import type { ColdDocKind } from '../load/cold-docs.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind, ServerUnderTest } from '../servers/server-under-test.js'
import { median } from '../stats.js'

/** How one document loaded on one server. */
export interface ColdDocResult {
  doc: ColdDocKind
  server: ServerKind
  uploadMs: number
  /** A fresh client's full sync while the document is in memory: every repetition, and their median. */
  fromMemory: FreshSync[]
  fromMemoryMs: number
  /** Tandem + SQLite: the first sync after a restart (the document loads from storage), per restart. */
  fromStorage: FreshSync[]
  fromStorageMs: number | null
  /** Tandem: the document's stored size (`/api/docs`), after the upload and after a restart's compaction. */
  storedBytes: number | null
  storedBytesAfterRestart: number | null
  error?: string
}

/** The cold-load scenario's results. */
export interface ColdScenarioResult {
  docs: { doc: ColdDocKind; edits: number; textLength: number; stateBytes: number; updates: number }[]
  runs: ColdDocResult[]
  /** Tandem + SQLite's database files after the restarts (main file, WAL), in bytes. */
  databaseBytes: number | null
}

/**
 * A document built from 100k single-character edits at random positions, and one built from the
 * automerge-paper trace, each uploaded as ~1,000 updates. Then a fresh client syncs it: from memory on every
 * server, and on Tandem + SQLite from storage, as the first client after a restart.
 */
export async function runColdLoad(ctx: RunContext): Promise<ColdScenarioResult> {
  const kinds: ColdDocKind[] = ctx.options.tracesDir ? ['random-100k', 'automerge-paper'] : ['random-100k']
  if (ctx.options.quick) kinds.splice(1)
  const repeats = ctx.options.quick ? 2 : 5
  const restarts = ctx.options.quick ? 1 : 3
  ctx.log(`\n▶ cold load: ${kinds.join(', ')}`)
  const result: ColdScenarioResult = { docs: [], runs: [], databaseBytes: null }
  for (const doc of kinds) {
    result.docs.push({ doc, ...(await ctx.load.call('prepareColdDoc', doc, ctx.options.tracesDir)) })
  }
  // The raw broadcaster keeps no document: there is nothing for a fresh client to load from it.
  for (const server of ctx.servers((kind) => kind !== 'raw')) {
    ctx.log(`  ${server}`)
    try {
      await ctx.withServer(server, 'cold-load', async (running) => {
        const runs = new Map<ColdDocKind, ColdDocResult>()
        for (const doc of kinds) {
          const room = `cold-${doc}`
          const upload = await ctx.load.call('uploadColdDoc', {
            url: running.url,
            room,
            kind: doc,
            saved: running.sendsSaved,
          })
          const fromMemory: FreshSync[] = []
          for (let i = 0; i < repeats; i++)
            fromMemory.push(await ctx.load.call('syncFresh', { url: running.url, room, kind: doc }))
          const run: ColdDocResult = {
            doc,
            server,
            uploadMs: upload.ms,
            fromMemory,
            fromMemoryMs: median(fromMemory.map((sync) => sync.totalMs)),
            fromStorage: [],
            fromStorageMs: null,
            storedBytes: null,
            storedBytesAfterRestart: null,
          }
          runs.set(doc, run)
          ctx.log(`    ${doc}: from memory ${run.fromMemoryMs.toFixed(0)} ms (median of ${repeats})`)
        }
        if (running.sendsSaved) await recordStoredSizes(running, runs, 'storedBytes')
        await ctx.load.call('releaseHolders')
        if (server === 'tandem-sqlite') {
          for (let i = 0; i < restarts; i++) {
            await running.restart()
            for (const doc of kinds) {
              const sync = await ctx.load.call('syncFresh', { url: running.url, room: `cold-${doc}`, kind: doc })
              runs.get(doc)?.fromStorage.push(sync)
            }
          }
          await recordStoredSizes(running, runs, 'storedBytesAfterRestart')
          for (const run of runs.values()) {
            run.fromStorageMs = median(run.fromStorage.map((sync) => sync.totalMs))
            ctx.log(
              `    ${run.doc}: from storage after a restart ${run.fromStorageMs.toFixed(0)} ms (median of ${restarts})`,
            )
          }
          await running.stop()
          result.databaseBytes = await directoryBytes(running.dataDir as string)
        }
        result.runs.push(...runs.values())
      })
    } catch (error) {
      ctx.log(`    failed: ${(error as Error).message}`)
      for (const doc of kinds) {
        result.runs.push({
          doc,
          server,
          uploadMs: Number.NaN,
          fromMemory: [],
          fromMemoryMs: Number.NaN,
          fromStorage: [],
          fromStorageMs: null,
          storedBytes: null,
          storedBytesAfterRestart: null,
          error: (error as Error).message,
        })
      }
    }
  }
  return result
}

async function recordStoredSizes(
  server: ServerUnderTest,
  runs: Map<ColdDocKind, ColdDocResult>,
  field: 'storedBytes' | 'storedBytesAfterRestart',
): Promise<void> {
  const response = await fetch(`${server.httpUrl}/api/docs`)
  const { documents } = (await response.json()) as { documents: { name: string; size: number }[] }
  for (const run of runs.values()) {
    run[field] = documents.find((doc) => doc.name === `cold-${run.doc}`)?.size ?? null
  }
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0
  for (const file of await readdir(dir)) total += (await stat(join(dir, file))).size
  return total
}
