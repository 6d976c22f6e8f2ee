import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'

/** One function's share of a CPU profile. */
export interface ProfileEntry {
  name: string
  /** Where it is defined: a package name and file, `node:` internals, or a V8 pseudo-frame. */
  where: string
  selfMs: number
  /** Percent of the busy (non-idle) samples. */
  percent: number
}

/** The summary of one `.cpuprofile`: where the server spent its samples, by function and by area. */
export interface ProfileSummary {
  server: string
  scenario: string
  file: string
  totalMs: number
  /**
   * Share of the samples in (idle): the event loop waiting, and also libuv's socket reads and the kernel's TCP
   * work, which V8's sampler cannot see into (so /proc's CPU time is the figure to compare servers by).
   */
  idlePercent: number
  top: ProfileEntry[]
  /** Self time by area (yjs, lib0, ws, better-sqlite3, Tandem's server, node internals, GC...), as a share of busy time. */
  areas: { area: string; percent: number }[]
}

interface CpuProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: CpuProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and adds up self time per function (by name and location), the
 * view that shows where a busy server's core goes.
 */
export async function summarizeProfile(
  file: string,
  labels: { server: string; scenario: string },
  topCount = 15,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number
    // timeDeltas[i] is the time since the previous sample; the next delta is this sample's duration.
    const duration = profile.timeDeltas[i + 1] ?? 0
    selfUs.set(id, (selfUs.get(id) ?? 0) + duration)
  }
  const byFunction = new Map<string, ProfileEntry>()
  const byArea = new Map<string, number>()
  let total = 0
  let idle = 0
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as CpuProfileNode).callFrame
    total += us
    if (frame.functionName === '(idle)') idle += us
    const name = frame.functionName || '(anonymous)'
    const where = describeLocation(frame.url, frame.lineNumber)
    const key = `${name}@${where}`
    const entry = byFunction.get(key) ?? { name, where, selfMs: 0, percent: 0 }
    entry.selfMs += us / 1000
    byFunction.set(key, entry)
    const area = areaOf(frame.functionName, frame.url)
    byArea.set(area, (byArea.get(area) ?? 0) + us)
  }
  const busy = total - idle
  // Shares of the busy (non-idle) samples: what the core did when it did something.
  const percent = (us: number) => (busy > 0 ? (us / busy) * 100 : 0)
  const top = [...byFunction.values()]
    .filter((entry) => entry.name !== '(idle)')
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, topCount)
    .map((entry) => ({ ...entry, selfMs: Math.round(entry.selfMs), percent: percent(entry.selfMs * 1000) }))
  return {
    ...labels,
    file: basename(file),
    totalMs: Math.round(total / 1000),
    idlePercent: total > 0 ? (idle / total) * 100 : 0,
    top,
    areas: [...byArea.entries()]
      .filter(([area]) => area !== 'idle')
      .map(([area, us]) => ({ area, percent: percent(us) }))
      .sort((a, b) => b.percent - a.percent),
  }
}

function describeLocation(url: string, line: number): string {
  if (url === '') return 'native'
  if (url.startsWith('node:')) return url
  const path = url.replace(/^file:\/\//, '')
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path)
  if (pkg) return `${pkg[1]}/${pkg[2]}:${line + 1}`
  const workspace = /\/(packages|apps|tools)\/(.*)$/.exec(path)
  return `${workspace ? `${workspace[1]}/${workspace[2]}` : basename(path)}:${line + 1}`
}

function areaOf(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle'
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (functionName === '(program)') return 'V8/native (program)'
  if (url === '') return 'native'
  if (url.startsWith('node:')) return 'node internals (net, streams, timers)'
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pkg) return pkg[1] as string
  if (url.includes('/packages/server/')) return 'Tandem server core'
  if (url.includes('/packages/store-sqlite/')) return 'Tandem SQLite store'
  if (url.includes('/packages/protocol/')) return 'Tandem protocol'
  if (url.includes('/apps/server/')) return 'Tandem app'
  if (url.includes('/tools/bench/')) return 'raw broadcaster'
  return 'other'
}
