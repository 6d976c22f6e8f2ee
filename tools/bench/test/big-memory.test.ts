// The big-memory scenario's judgement: the target compares how far each server's resident memory rose above its
// own baseline at its highest (upload or sync), Tandem's against the reference server's.
import { describe, expect, it } from 'vitest'
import { evaluateTargets } from '../src/report/targets.js'
import type { RunResults } from '../src/results.js'
import type { BigMemoryRun } from '../src/scenarios/big-memory.js'

const TARGET = 'A 40 MiB document: peak server memory rise ≤ the reference server’s'
const MiB = 1048576

function run(server: BigMemoryRun['server'], baseline: number, upload: number, sync: number): BigMemoryRun {
  return {
    server,
    baselineRss: baseline * MiB,
    uploadPeakRss: upload * MiB,
    syncPeakRss: sync * MiB,
    storagePeakRss: null,
    storageBaselineRss: null,
  }
}

function target(runs: BigMemoryRun[]) {
  const results = {
    options: { rate: null },
    bigMemory: { stateBytes: 0, textLength: 0, runs },
  } as unknown as RunResults
  return evaluateTargets(results).find((t) => t.target === TARGET)
}

describe('the big-memory target', () => {
  it('compares the highest rise of each server over its own baseline', () => {
    // Tandem starts higher but rises less (300 MiB at its sync peak) than the reference (309 MiB at its upload).
    expect(target([run('tandem-sqlite', 90, 250, 390), run('reference', 60, 369, 200)])).toEqual({
      target: TARGET,
      measured: '300 MiB vs 309 MiB = 0.97×',
      met: true,
    })
    expect(target([run('tandem-sqlite', 90, 505, 300), run('reference', 60, 369, 200)])).toMatchObject({
      measured: '415 MiB vs 309 MiB = 1.34×',
      met: false,
    })
  })

  it('is not judged without both servers', () => {
    expect(target([run('tandem-sqlite', 90, 250, 390)])).toEqual({
      target: TARGET,
      measured: 'not measured in this run',
      met: null,
    })
  })
})
