import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { type AuthorSpan, decodeSpans, encodeSpans, foldChanges, normalizeRanges } from './author-spans.js'
import type { DocAuthor } from './doc-store.js'
import type { LoggedChange } from './history-store.js'

const alice: DocAuthor = { id: 'user:alice', name: 'Alice', verified: true }
const bob: DocAuthor = { id: 'name:Bob', name: 'Bob', verified: false }
const hour = 3600_000
const base = Date.UTC(2026, 0, 5, 9, 0, 0, 0)

/** A Y.Doc with a fixed client id, and each edit's update as a change by `author` at `base + offset` ms. */
function recorder(clientID: number) {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const text = doc.getText('content')
  const changes: LoggedChange[] = []
  const edit = (author: DocAuthor | null, offset: number, change: () => void) => {
    const updates: Uint8Array[] = []
    const record = (update: Uint8Array) => updates.push(update)
    doc.on('update', record)
    change()
    doc.off('update', record)
    changes.push({ update: updates[0]!, author, at: new Date(base + offset) })
  }
  return { doc, text, changes, edit }
}

describe('foldChanges', () => {
  it('folds one author per time bucket into one span of merged id ranges, with first and last times', () => {
    const { text, changes, edit } = recorder(7)
    edit(alice, 0, () => text.insert(0, 'abc'))
    edit(alice, 1000, () => text.insert(3, 'def'))
    edit(bob, 2000, () => text.delete(1, 4))
    edit(alice, 3000, () => text.insert(2, 'X'))
    // Next hour: a new span for Alice.
    edit(alice, hour + 5, () => text.insert(0, 'Z'))
    edit(null, hour + 6, () => text.delete(0, 1))

    expect(foldChanges([], changes)).toEqual([
      {
        author: alice,
        from: new Date(base),
        to: new Date(base + 3000),
        inserted: [{ client: 7, clock: 0, length: 7 }],
        deleted: [],
      },
      {
        author: bob,
        from: new Date(base + 2000),
        to: new Date(base + 2000),
        inserted: [],
        deleted: [{ client: 7, clock: 1, length: 4 }],
      },
      {
        author: alice,
        from: new Date(base + hour + 5),
        to: new Date(base + hour + 5),
        inserted: [{ client: 7, clock: 7, length: 1 }],
        deleted: [],
      },
      {
        author: null,
        from: new Date(base + hour + 6),
        to: new Date(base + hour + 6),
        inserted: [],
        deleted: [{ client: 7, clock: 7, length: 1 }],
      },
    ])
  })

  it('tells apart people without a token behind one address by the names they chose', () => {
    const { text, changes, edit } = recorder(7)
    const ada: DocAuthor = { id: 'ip:10.0.0.1', name: 'Ada', verified: false }
    const cy: DocAuthor = { id: 'ip:10.0.0.1', name: 'Cy', verified: false }
    edit(ada, 0, () => text.insert(0, 'ab'))
    edit(cy, 1000, () => text.insert(2, 'cd'))
    expect(foldChanges([], changes).map((span) => [span.author, span.inserted])).toEqual([
      [ada, [{ client: 7, clock: 0, length: 2 }]],
      [cy, [{ client: 7, clock: 2, length: 2 }]],
    ])
  })

  it('gives the same spans folded in two steps as in one', () => {
    const { text, changes, edit } = recorder(3)
    for (let index = 0; index < 20; index++) {
      edit(index % 3 === 0 ? bob : alice, index * 600_000, () => text.insert(index, String(index % 10)))
      if (index % 4 === 3) edit(bob, index * 600_000 + 1, () => text.delete(0, 1))
    }
    const once = foldChanges([], changes)
    const twice = foldChanges(foldChanges([], changes.slice(0, 9)), changes.slice(9))
    expect(twice).toEqual(once)
    expect(once.length).toBeLessThan(changes.length)
  })

  it('keeps the time of an update Yjs cannot read and attributes no ids to it', () => {
    const spans = foldChanges([], [{ update: new Uint8Array([1, 2, 3]), author: bob, at: new Date(base) }])
    expect(spans).toEqual([{ author: bob, from: new Date(base), to: new Date(base), inserted: [], deleted: [] }])
  })

  it('refuses a bucket that is not longer than 0 ms', () => {
    expect(() => foldChanges([], [], 0)).toThrow('foldChanges needs a bucket longer than 0 ms, not 0.')
  })
})

describe('normalizeRanges', () => {
  it('sorts by client and clock and merges overlapping and adjacent ranges only', () => {
    expect(
      normalizeRanges([
        { client: 2, clock: 5, length: 2 },
        { client: 1, clock: 4, length: 3 },
        { client: 1, clock: 0, length: 4 },
        { client: 2, clock: 0, length: 2 },
        { client: 2, clock: 1, length: 2 },
      ]),
    ).toEqual([
      { client: 1, clock: 0, length: 7 },
      { client: 2, clock: 0, length: 3 },
      { client: 2, clock: 5, length: 2 },
    ])
  })
})

describe('encodeSpans / decodeSpans', () => {
  it('round-trips spans with every kind of author, byte for byte', () => {
    const spans: AuthorSpan[] = [
      {
        author: alice,
        from: new Date(base),
        to: new Date(base + 59_000),
        inserted: [
          { client: 4_294_967_295, clock: 0, length: 12 },
          { client: 4_294_967_295, clock: 20, length: 1 },
        ],
        deleted: [{ client: 1, clock: 3, length: 2 }],
      },
      {
        author: { id: 'ip:10.0.0.1', name: null, verified: false },
        from: new Date(0),
        to: new Date(0),
        inserted: [],
        deleted: [],
      },
      {
        author: null,
        from: new Date(base),
        to: new Date(base),
        inserted: [],
        deleted: [{ client: 9, clock: 1, length: 1 }],
      },
    ]
    const bytes = encodeSpans(spans)
    expect(decodeSpans(bytes)).toEqual(spans)
    expect(encodeSpans(decodeSpans(bytes))).toEqual(bytes)
  })

  it('refuses bytes that are not encoded spans, saying why', () => {
    expect(() => decodeSpans(new Uint8Array([2, 0]))).toThrow(
      'These 2 bytes are not encoded author spans: format 2 is unknown (this version reads 1).',
    )
    expect(() => decodeSpans(new Uint8Array([1, 1, 7]))).toThrow('span 0 has an unknown author flag 7')
    expect(() => decodeSpans(new Uint8Array([1, 0, 0]))).toThrow('bytes are left after the last span')
    expect(() => decodeSpans(new Uint8Array([1, 1]))).toThrow('These 2 bytes are not encoded author spans')
  })
})
