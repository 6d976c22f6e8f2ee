/** A listener for one event of an {@link Emitter}. */
export type Listener<Args extends unknown[]> = (...args: Args) => void

/**
 * A small typed event emitter. A listener that throws does not stop the others: its error is reported to the
 * page (`reportError`, or the console where that does not exist) and the emit goes on.
 * @internal
 */
export class Emitter<Events extends { [Name in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never[]>>>()

  on<Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>): void {
    if (typeof listener !== 'function') {
      throw new TypeError(`The listener for "${String(name)}" is not a function; pass a function to on().`)
    }
    let set = this.listeners.get(name)
    if (!set) {
      set = new Set()
      this.listeners.set(name, set)
    }
    set.add(listener as unknown as Listener<never[]>)
  }

  off<Name extends keyof Events>(name: Name, listener: Listener<Events[Name]>): void {
    this.listeners.get(name)?.delete(listener as unknown as Listener<never[]>)
  }

  /** Whether anything listens to `name`. */
  has(name: keyof Events): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0
  }

  emit<Name extends keyof Events>(name: Name, ...args: Events[Name]): void {
    const set = this.listeners.get(name)
    if (!set) return
    // A copy, so that a listener may call off() on itself while the emit runs.
    for (const listener of [...set]) {
      try {
        ;(listener as unknown as Listener<Events[Name]>)(...args)
      } catch (error) {
        report(error)
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}

function report(error: unknown): void {
  if (typeof reportError === 'function') reportError(error)
  else console.error(error)
}
