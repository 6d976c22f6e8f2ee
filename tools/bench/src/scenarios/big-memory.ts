import { ProcMeter } from '../proc-meter.js'
import type { RunContext } from '../run-context.js'
import type { ServerKind, ServerUnderTest } from '../servers/server-under-test.js'

/** The document: 40 MiB of text, uploaded by one client as 1,000 updates (see cold-docs.ts). */
const DOC = 'big-40mib' as const
const ROOM = 'memory-big-40mib'

/** What one server's memory did with the big document, in bytes of resident memory. */
export interface BigMemoryRun {
  server: ServerKind
  /** Before the upload: the server with no document open. */
  baselineRss: number
  /** The highest while the document was uploaded, and while two newcomers each synced all of it. */
  uploadPeakRss: number
  syncPeakRss: number
  /** Tandem: after a restart, the highest while the first newcomer's sync loaded it from storage; else `null`. */
  storagePeakRss: number | null
  /** Tandem: the baseline of that restarted server. */
  storageBaselineRss: number | null
  /**
   * How long each of the two newcomers took to hold the whole document, from opening its connection, in ms:
   * Tandem sends it in pieces, the reference server in one message. Missing in results from before it was measured.
   */
  syncMs?: number[]
  error?: string
}

/** How far a server's resident memory rose above its baseline at its highest, uploading or syncing. */
export function peakRise(run: BigMemoryRun): number {
  return Math.max(run.uploadPeakRss, run.syncPeakRss) - run.baselineRss
}

/** The big-memory scenario's results. */
export interface BigMemoryScenarioResult {
  stateBytes: number
  textLength: number
  runs: BigMemoryRun[]
}

/**
 * What a 40 MiB document costs a server in memory: its resident memory before, and at its highest while the
 * document is uploaded, while two newcomers sync it, and (Tandem, which stores it) while the first newcomer after a
 * restart has it loaded from storage. Peaks are the kernel's own high-water mark (`VmHWM`, reset before each phase
 * through `/proc/<pid>/clear_refs`), so that a spike between two samples is not missed.
 */
export async function runBigMemory(ctx: RunContext): Promise<BigMemoryScenarioResult> {
  ctx.log('\n▶ big-memory: a 40 MiB document, uploaded, synced by two newcomers, and loaded from storage')
  const built = await ctx.load.call('prepareColdDoc', DOC, null)
  const result: BigMemoryScenarioResult = { stateBytes: built.stateBytes, textLength: built.textLength, runs: [] }
  for (const server of ctx.servers((kind) => kind === 'tandem-sqlite' || kind === 'reference')) {
    try {
      result.runs.push(await ctx.withServer(server, 'big-memory', (running) => measure(ctx, server, running)))
    } catch (error) {
      const message = (error as Error).message.split('\n')[0] ?? ''
      ctx.log(`  ${server}: failed: ${message}`)
      result.runs.push({
        server,
        baselineRss: Number.NaN,
        uploadPeakRss: Number.NaN,
        syncPeakRss: Number.NaN,
        storagePeakRss: null,
        storageBaselineRss: null,
        syncMs: [],
        error: message,
      })
    }
  }
  return result
}

async function measure(ctx: RunContext, server: ServerKind, running: ServerUnderTest): Promise<BigMemoryRun> {
  const meter = () => new ProcMeter(running.pid)
  const baselineRss = meter().rssBytes()
  const uploadPeakRss = await peakDuring(meter(), () =>
    ctx.load.call('uploadColdDoc', { url: running.url, room: ROOM, kind: DOC, saved: running.sendsSaved }),
  )
  const syncMs: number[] = []
  const syncPeakRss = await peakDuring(meter(), async () => {
    for (let i = 0; i < 2; i++) syncMs.push(await syncWhole(ctx, running))
  })
  await ctx.load.call('releaseHolders')
  const run: BigMemoryRun = {
    server,
    baselineRss,
    uploadPeakRss,
    syncPeakRss,
    storagePeakRss: null,
    storageBaselineRss: null,
    syncMs,
  }
  if (server === 'tandem-sqlite') {
    await running.restart()
    run.storageBaselineRss = meter().rssBytes()
    run.storagePeakRss = await peakDuring(meter(), () => syncWhole(ctx, running))
  }
  const mib = (bytes: number | null) => (bytes === null ? '—' : `${(bytes / 1048576).toFixed(0)} MiB`)
  ctx.log(
    `  ${server}: before ${mib(baselineRss)}, upload peak ${mib(uploadPeakRss)}, sync peak ${mib(syncPeakRss)}` +
      ` (newcomers synced in ${syncMs.map((ms) => ms.toFixed(0)).join(' and ')} ms)` +
      (run.storagePeakRss === null
        ? ''
        : `; after a restart ${mib(run.storageBaselineRss)}, load from storage peak ${mib(run.storagePeakRss)}`),
  )
  return run
}

/** One newcomer's whole sync, in ms from opening its connection; throws when it did not get the whole text. */
async function syncWhole(ctx: RunContext, running: ServerUnderTest): Promise<number> {
  const sync = await ctx.load.call('syncFresh', { url: running.url, room: ROOM, kind: DOC })
  if (!sync.complete) throw new Error('A newcomer did not receive the whole document.')
  return sync.totalMs
}

/** The process's highest resident memory while `work` runs: the kernel's high-water mark, else samples. */
async function peakDuring(meter: ProcMeter, work: () => Promise<unknown>): Promise<number> {
  const kernelPeak = meter.resetHighWaterMark()
  const stopSampling = meter.watchPeakRss(20)
  try {
    await work()
  } catch (error) {
    stopSampling()
    throw error
  }
  const sampled = stopSampling()
  const peak = kernelPeak ? meter.highWaterMarkBytes() : Number.NaN
  return Number.isFinite(peak) ? Math.max(peak, sampled) : sampled
}
