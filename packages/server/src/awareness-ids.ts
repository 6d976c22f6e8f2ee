/** The awareness client ids a member set, as a document reads and updates them. A `Set<number>` is one. */
export interface AwarenessIdSet extends Iterable<number> {
  readonly size: number
  has(id: number): boolean
  add(id: number): unknown
  delete(id: number): boolean
  clear(): void
}

const none = -1

/**
 * The awareness client ids of one connection. A stock client sets exactly one, so one id is kept in a field
 * and a `Set` is created only for a second one: at 10,000 idle connections a `Set` each is 2 MB.
 */
export class AwarenessIds implements AwarenessIdSet {
  /** The only id while {@link more} is null; client ids are unsigned. */
  private one = none
  private more: Set<number> | null = null

  get size(): number {
    if (this.more) return this.more.size
    return this.one === none ? 0 : 1
  }

  has(id: number): boolean {
    return this.more ? this.more.has(id) : this.one === id
  }

  add(id: number): this {
    if (this.more) this.more.add(id)
    else if (this.one === none || this.one === id) this.one = id
    else {
      this.more = new Set([this.one, id])
      this.one = none
    }
    return this
  }

  delete(id: number): boolean {
    if (this.more) return this.more.delete(id)
    if (this.one !== id) return false
    this.one = none
    return true
  }

  clear(): void {
    this.one = none
    this.more = null
  }

  *[Symbol.iterator](): IterableIterator<number> {
    if (this.more) yield* [...this.more]
    else if (this.one !== none) yield this.one
  }
}
