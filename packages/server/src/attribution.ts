import * as Y from 'yjs'
import { type AuthorSpan, authorKey } from './author-spans.js'
import type { DocAuthor } from './doc-store.js'

/** One stretch of text with what happened to it and who did it. */
export interface AuthoredRange {
  /** `same` in both states compared (or the current text, for authorship); `inserted` or `deleted` between them. */
  readonly type: 'same' | 'inserted' | 'deleted'
  readonly text: string
  /**
   * Who wrote it (`inserted`, and `same` in authorship) or deleted it (`deleted`); `null` when history does not
   * say, and for `same` ranges of a diff.
   */
  readonly author: DocAuthor | null
}

interface Run {
  readonly clock: number
  readonly end: number
  readonly author: DocAuthor | null
}

/** Who inserted and who deleted each Yjs id, from author spans: lookups by binary search. */
export class Attribution {
  private readonly inserters = new Map<number, Run[]>()
  private readonly deleters = new Map<number, Run[]>()

  constructor(spans: readonly AuthorSpan[]) {
    for (const span of spans) {
      for (const range of span.inserted) add(this.inserters, range.client, range.clock, range.length, span.author)
      for (const range of span.deleted) add(this.deleters, range.client, range.clock, range.length, span.author)
    }
    for (const runs of [...this.inserters.values(), ...this.deleters.values()]) runs.sort((a, b) => a.clock - b.clock)
  }

  /** Who inserted the id `client`:`clock`, or `null` when history does not say. */
  inserter(client: number, clock: number): DocAuthor | null {
    return find(this.inserters.get(client), clock)?.author ?? null
  }

  /** Who deleted the id `client`:`clock`, or `null` when history does not say (or it is not deleted). */
  deleter(client: number, clock: number): DocAuthor | null {
    return find(this.deleters.get(client), clock)?.author ?? null
  }

  /**
   * The current text of `text` as ranges by author, adjacent ranges of one author merged. An item that spans
   * several authors' runs is split at their boundaries.
   */
  authorship(text: Y.Text): AuthoredRange[] {
    const ranges: AuthoredRange[] = []
    for (let item = text._start; item !== null; item = item.right as Y.Item | null) {
      if (item.deleted || !(item.content instanceof Y.ContentString)) continue
      const str = item.content.str
      let offset = 0
      while (offset < str.length) {
        const clock = item.id.clock + offset
        const run = find(this.inserters.get(item.id.client), clock)
        const length = Math.min(str.length - offset, run ? run.end - clock : 1)
        push(ranges, { type: 'same', text: str.slice(offset, offset + length), author: run?.author ?? null })
        offset += length
      }
    }
    return ranges
  }

  /**
   * What changed between two states of `text` as ranges: text in both, text inserted and text deleted, each with
   * who wrote or deleted it. `from` and `to` are Yjs snapshots of the document, `to` may be older than `from`.
   * The document must keep deleted content (no garbage collection).
   */
  diff(text: Y.Text, from: Y.Snapshot, to: Y.Snapshot): AuthoredRange[] {
    const doc = text.doc
    if (!doc) throw new Error('Attribution.diff needs a text that is part of a Y.Doc.')
    let ranges: AuthoredRange[] = []
    // Yjs names an item's change by its first id: split items where authors change first. Yjs merges them back
    // when the transaction ends, and a transaction that only splits sends no update.
    doc.transact((transaction) => {
      this.splitAtAuthors(transaction)
      ranges = this.delta(text, from, to)
    })
    return ranges
  }

  /**
   * The text of `text` at `snapshot` as ranges by who wrote them (all `same`): what {@link authorship} says of the
   * current text, for a version. The document must keep deleted content.
   */
  authorshipAt(text: Y.Text, snapshot: Y.Snapshot): AuthoredRange[] {
    const ranges: AuthoredRange[] = []
    for (const range of this.diff(text, Y.emptySnapshot, snapshot)) push(ranges, { ...range, type: 'same' })
    return ranges
  }

  /**
   * Splits the items of the transaction's document where one author's run of ids ends and another's starts: one
   * Yjs client can insert for several people (the server's edits on their behalf, a restore).
   */
  private splitAtAuthors(transaction: Y.Transaction): void {
    const { store } = transaction.doc
    for (const runsOf of [this.inserters, this.deleters]) {
      for (const [client, runs] of runsOf) {
        const structs = store.clients.get(client)
        if (!structs) continue
        const state = Y.getState(store, client)
        for (const run of runs) {
          for (const clock of [run.clock, run.end]) {
            if (clock >= state) continue
            const struct = structs[Y.findIndexSS(structs, clock)]
            if (struct instanceof Y.Item && struct.id.clock !== clock && !splitsPair(struct, clock)) {
              Y.getItemCleanStart(transaction, Y.createID(client, clock))
            }
          }
        }
      }
    }
  }

  private delta(text: Y.Text, from: Y.Snapshot, to: Y.Snapshot): AuthoredRange[] {
    const compute = (type: 'added' | 'removed', id: Y.ID) => {
      // A deletion nobody is known for is an insertion undone by going back in time: its inserter is named.
      const user =
        type === 'added'
          ? this.inserter(id.client, id.clock)
          : (this.deleter(id.client, id.clock) ?? this.inserter(id.client, id.clock))
      return { type, user }
    }
    const delta = text.toDelta(to, from, compute) as {
      insert?: unknown
      attributes?: { ychange?: { type: 'added' | 'removed'; user: DocAuthor | null } }
    }[]
    const ranges: AuthoredRange[] = []
    for (const op of delta) {
      if (typeof op.insert !== 'string') continue
      const change = op.attributes?.ychange
      if (change) {
        push(ranges, { type: change.type === 'added' ? 'inserted' : 'deleted', text: op.insert, author: change.user })
      } else {
        push(ranges, { type: 'same', text: op.insert, author: null })
      }
    }
    return ranges
  }
}

/**
 * Whether splitting `item` at `clock` would cut a surrogate pair in two: Yjs would turn both halves into U+FFFD
 * for good. People's changes and a restore's parts insert whole pairs, so no author boundary should fall there;
 * this makes sure that reading history never rewrites text.
 */
function splitsPair(item: Y.Item, clock: number): boolean {
  if (!(item.content instanceof Y.ContentString)) return false
  const code = item.content.str.charCodeAt(clock - item.id.clock - 1)
  return code >= 0xd800 && code <= 0xdbff
}

function add(map: Map<number, Run[]>, client: number, clock: number, length: number, author: DocAuthor | null) {
  const runs = map.get(client)
  const run = { clock, end: clock + length, author }
  if (runs) runs.push(run)
  else map.set(client, [run])
}

function find(runs: Run[] | undefined, clock: number): Run | null {
  if (!runs) return null
  let low = 0
  let high = runs.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const run = runs[middle] as Run
    if (clock < run.clock) high = middle - 1
    else if (clock >= run.end) low = middle + 1
    else return run
  }
  return null
}

function push(ranges: AuthoredRange[], range: AuthoredRange): void {
  const last = ranges[ranges.length - 1]
  if (last && last.type === range.type && authorKey(last.author) === authorKey(range.author)) {
    ranges[ranges.length - 1] = { ...last, text: last.text + range.text }
  } else {
    ranges.push(range)
  }
}
