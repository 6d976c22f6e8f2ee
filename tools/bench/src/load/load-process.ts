import { type ChildProcess, spawn } from 'node:child_process'
import { fromSource, modulePath } from '../paths.js'
import { hasTaskset } from '../pinning.js'
import { track, untrack } from '../servers/process-registry.js'
import type { LoadApi } from './handlers.js'
import { loadHandlers } from './handlers.js'

/** Something that runs the load side: a separate, pinned process, or (in tests) this one. */
export interface Load {
  call<K extends keyof LoadApi>(method: K, ...args: Parameters<LoadApi[K]>): Promise<Awaited<ReturnType<LoadApi[K]>>>
  close(): Promise<void>
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/**
 * The load generator as its own Node process, pinned to `core` with taskset where it exists, so that the
 * simulated clients never compete with the server under test for a core. Progress lines it prints go to
 * `onProgress`.
 */
export class LoadProcess implements Load {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string; progress?: string }) => {
      if (message.progress !== undefined) {
        console.log(message.progress)
        return
      }
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id)
      if (!waiter || message.id === undefined) return
      this.pending.delete(message.id)
      if (message.error !== undefined) waiter.reject(new Error(`in the load process: ${message.error}`))
      else waiter.resolve(message.result)
    })
    child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`The load process exited (${signal ?? code}) during a call.`))
      }
      this.pending.clear()
    })
  }

  /** Starts the load process on `core` (`null`: unpinned). */
  static start(core: number | null): LoadProcess {
    const node = [...(fromSource ? ['--import', 'tsx'] : []), '--max-old-space-size=8192', modulePath('load/worker')]
    const pinned = core !== null && hasTaskset()
    const child = spawn(
      pinned ? 'taskset' : process.execPath,
      pinned ? ['-c', String(core), process.execPath, ...node] : node,
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      },
    )
    track(child)
    return new LoadProcess(child)
  }

  call<K extends keyof LoadApi>(method: K, ...args: Parameters<LoadApi[K]>): Promise<Awaited<ReturnType<LoadApi[K]>>> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.child.send({ id, method, args })
    })
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.disconnect()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    untrack(this.child)
  }
}

/** The load side in this very process: for the harness's own test, where a few seconds of load suffice. */
export class InProcessLoad implements Load {
  async call<K extends keyof LoadApi>(
    method: K,
    ...args: Parameters<LoadApi[K]>
  ): Promise<Awaited<ReturnType<LoadApi[K]>>> {
    const handler = loadHandlers[method] as (...args: unknown[]) => unknown
    return (await handler(...args)) as Awaited<ReturnType<LoadApi[K]>>
  }

  async close(): Promise<void> {}
}
