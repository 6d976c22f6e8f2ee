import { spawnSync } from 'node:child_process'

/** The core the server under test runs on, and the core of the load generator (and the orchestrator). */
export const SERVER_CORE = 1
export const LOAD_CORE = 0

let tasksetFound: boolean | null = null

/** Whether `taskset` (util-linux) can pin processes here. */
export function hasTaskset(): boolean {
  tasksetFound ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0
  return tasksetFound
}

/** Pins every thread of this process to `core`; returns whether it could. */
export function pinSelf(core: number): boolean {
  if (!hasTaskset()) return false
  return spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)]).status === 0
}

/** Pins every thread of another, running process to `core`; returns whether it could. */
export function pinProcess(pid: number, core: number): boolean {
  if (!hasTaskset()) return false
  return spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)]).status === 0
}
