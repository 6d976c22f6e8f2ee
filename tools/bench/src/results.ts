import type { MachineInfo } from './machine.js'
import type { BenchOptions } from './options.js'
import type { ProfileSummary } from './profile-summary.js'
import type { Revision } from './revision.js'
import type { BigDocScenarioResult } from './scenarios/big-doc.js'
import type { BigMemoryScenarioResult } from './scenarios/big-memory.js'
import type { BrowserScenarioResult } from './scenarios/browser.js'
import type { ChecksScenarioResult } from './scenarios/checks.js'
import type { ColdScenarioResult } from './scenarios/cold-load.js'
import type { CollabScenarioResult } from './scenarios/collab.js'
import type { FanoutScenarioResult } from './scenarios/fanout.js'
import type { HistoryCpuScenarioResult } from './scenarios/history-cpu.js'
import type { IdleScenarioResult } from './scenarios/idle.js'
import type { PersistenceScenarioResult } from './scenarios/persistence.js'
import type { ScaleOutScenarioResult } from './scenarios/scale-out.js'
import type { WebhooksScenarioResult } from './scenarios/webhooks.js'

/** Everything one run measured: what `results.json` holds and every report is made from. */
export interface RunResults {
  machine: MachineInfo
  /** The commit measured (absent in reports of runs made before it was recorded). */
  revision?: Revision
  options: Pick<BenchOptions, 'quick' | 'profile' | 'pin' | 'scenarios' | 'servers'> & { rate?: number | null }
  /** Whether taskset pinned the processes. */
  pinned: boolean
  startedAt: string
  finishedAt: string
  durationSec: number
  /** The machine's 1-minute load average, sampled every 10 s through the run. */
  load: { min: number; mean: number; max: number; samples: number[] }
  fanout?: FanoutScenarioResult
  historyCpu?: HistoryCpuScenarioResult
  bigRooms?: FanoutScenarioResult
  checks?: ChecksScenarioResult
  idle?: IdleScenarioResult
  cold?: ColdScenarioResult
  persistence?: PersistenceScenarioResult
  webhooks?: WebhooksScenarioResult
  scaleOut?: ScaleOutScenarioResult
  collab?: CollabScenarioResult
  browser?: BrowserScenarioResult
  bigDoc?: BigDocScenarioResult
  bigMemory?: BigMemoryScenarioResult
  profiles: ProfileSummary[]
  skipped: { scenario: string; reason: string }[]
}
