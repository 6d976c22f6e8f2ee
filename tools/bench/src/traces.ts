import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

/** The attribution every published result derived from the traces carries (CC BY 4.0). */
export const TRACES_ATTRIBUTION =
  'Editing traces from josephg/editing-traces (https://github.com/josephg/editing-traces), CC BY 4.0: ' +
  '`automerge-paper` prepared by Martin Kleppmann for automerge-perf; `friendsforever`.'

/** One patch: at `position`, delete `deleteCount` characters, then insert `insert`. */
export type Patch = [position: number, deleteCount: number, insert: string]

/** A sequential trace: apply every transaction's patches in order to `startContent` to get `endContent`. */
export interface SequentialTrace {
  startContent: string
  endContent: string
  txns: { time: string; patches: Patch[] }[]
}

/** A concurrent trace: each transaction applies to the merged state of its `parents` (indexes). */
export interface ConcurrentTrace {
  kind: 'concurrent'
  numAgents: number
  endContent: string
  txns: { parents: number[]; numChildren: number; agent: number; time: string; patches: Patch[] }[]
}

/** Reads `<name>.json.gz` from the traces directory. */
export function readTrace<T extends SequentialTrace | ConcurrentTrace>(dir: string, name: string): T {
  return JSON.parse(gunzipSync(readFileSync(join(dir, `${name}.json.gz`))).toString('utf8')) as T
}
