/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `done` every `everyMs` until it is true or `timeoutMs` passed; resolves whether it became true. */
export async function waitFor(done: () => boolean, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (!done()) {
    if (performance.now() >= deadline) return false
    await sleep(everyMs)
  }
  return true
}
