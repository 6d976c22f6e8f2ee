import { readFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'

/** What the figures were measured on. */
export interface MachineInfo {
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  os: string
  date: string
}

/** Describes this machine, from /proc/cpuinfo where it exists. */
export function describeMachine(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown'
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (match?.[1]) cpuModel = match[1].trim()
  } catch {
    // Not Linux: os.cpus() already named it.
  }
  let os = `${process.platform} ${process.arch}`
  try {
    const match = /^PRETTY_NAME="(.+)"$/m.exec(readFileSync('/etc/os-release', 'utf8'))
    if (match?.[1]) os = `${match[1]} (${process.arch})`
  } catch {
    // Keep the platform name.
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os,
    date: new Date().toISOString(),
  }
}

/** The 1-minute load average, rounded to two decimals. */
export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100
}
