import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Load } from './load/load-process.js'
import { loadAverage } from './machine.js'
import type { BenchOptions } from './options.js'
import { SERVER_CORE } from './pinning.js'
import { type ProfileSummary, summarizeProfile } from './profile-summary.js'
import type { RunResults } from './results.js'
import { type ServerKind, ServerUnderTest } from './servers/server-under-test.js'

/** What every scenario gets: the options, the load process, the results so far, and server management. */
export class RunContext {
  private readonly loadSamples: number[] = []
  private readonly loadTimer: ReturnType<typeof setInterval>

  constructor(
    readonly options: BenchOptions,
    readonly load: Load,
    readonly results: RunResults,
    readonly outDir: string,
  ) {
    // The machine may be shared: the load average is sampled through the run and published with the figures.
    this.loadTimer = setInterval(() => this.loadSamples.push(loadAverage()), 10_000)
    this.loadTimer.unref()
    this.loadSamples.push(loadAverage())
  }

  /** Prints a progress line. */
  log(line: string): void {
    console.log(line)
  }

  /** The servers of this run that can take part in a scenario. */
  servers(filter: (kind: ServerKind) => boolean = () => true): ServerKind[] {
    return this.options.servers.filter(filter)
  }

  /**
   * Starts `kind` on the server core, runs `body` against it, and always stops it (collecting a profile). With
   * `heap`, the server can write heap snapshots (into the run's heap directory); `args` and `env` go to its process.
   */
  async withServer<T>(
    kind: ServerKind,
    scenario: string,
    body: (server: ServerUnderTest) => Promise<T>,
    {
      heap = false,
      args,
      env,
    }: { heap?: boolean; args?: readonly string[]; env?: Readonly<Record<string, string>> } = {},
  ): Promise<T> {
    const profileDir = this.options.profile ? join(this.outDir, 'profiles', scenario) : null
    if (profileDir) await mkdir(profileDir, { recursive: true })
    const heapDir = heap ? join(this.outDir, 'heap') : null
    if (heapDir) await mkdir(heapDir, { recursive: true })
    const before = profileDir ? new Set(await readdir(profileDir)) : new Set<string>()
    const core = this.options.pin ? SERVER_CORE : null
    const server = await ServerUnderTest.start(kind, { core, profileDir, heapDir, args, env })
    try {
      return await body(server)
    } finally {
      await server.dispose()
      if (profileDir) await this.collectProfiles(profileDir, before, kind, scenario)
    }
  }

  /** Stops the load-average sampling; returns min, mean and max of what it saw. */
  finish(): { min: number; mean: number; max: number; samples: number[] } {
    clearInterval(this.loadTimer)
    this.loadSamples.push(loadAverage())
    const samples = this.loadSamples
    return {
      min: Math.min(...samples),
      mean: Math.round((samples.reduce((a, b) => a + b, 0) / samples.length) * 100) / 100,
      max: Math.max(...samples),
      samples,
    }
  }

  private async collectProfiles(dir: string, before: Set<string>, kind: ServerKind, scenario: string): Promise<void> {
    for (const file of await readdir(dir)) {
      if (before.has(file) || !file.endsWith('.cpuprofile')) continue
      const summary: ProfileSummary = await summarizeProfile(join(dir, file), { server: kind, scenario })
      this.results.profiles.push(summary)
      this.log(
        `    profile of ${kind} (${scenario}): ${summary.top
          .slice(0, 3)
          .map((f) => `${f.name} ${f.percent.toFixed(1)}%`)
          .join(', ')}`,
      )
    }
  }
}
