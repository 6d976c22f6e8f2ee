import { prepareColdDoc, releaseHolders, syncFresh, uploadColdDoc } from './cold-clients.js'
import { prepareCollab, runCollabReplay } from './collab-clients.js'
import { closeFanout, openFanout, runFanoutStage } from './fanout-clients.js'
import { closeIdle, openIdle, runIdle } from './idle-clients.js'
import { runCommitThroughput } from './persistence-clients.js'
import { closeWatchers, openWatchers } from './watch-clients.js'

/**
 * Everything the load process can be asked to do, by name. The orchestrator calls these through
 * {@link LoadProcess} (or in its own process, in tests); arguments and results are structured-cloneable.
 */
export const loadHandlers = {
  openFanout,
  runFanoutStage,
  closeFanout,
  runIdle,
  openIdle,
  closeIdle,
  prepareColdDoc,
  uploadColdDoc,
  syncFresh,
  releaseHolders,
  runCommitThroughput,
  prepareCollab,
  runCollabReplay,
  openWatchers,
  closeWatchers,
}

/** The load process's API. */
export type LoadApi = typeof loadHandlers
