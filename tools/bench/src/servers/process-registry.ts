import type { ChildProcess } from 'node:child_process'

const running = new Set<ChildProcess>()

/** Remembers a child process so that {@link killAll} can stop it if the run fails or is interrupted. */
export function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
}

/** Forgets a child process that was stopped properly. */
export function untrack(child: ChildProcess): void {
  running.delete(child)
}

/** Kills every child process this run started and has not stopped yet, by its own pid. Synchronous. */
export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  running.clear()
}
