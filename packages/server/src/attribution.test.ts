import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Attribution } from './attribution.js'
import type { AuthorSpan } from './author-spans.js'

const ann = { id: 'ip:10.0.0.1', name: 'Ann', verified: false }
const ben = { id: 'ip:10.0.0.2', name: 'Ben', verified: false }

/** A span crediting `author` with inserting `length` ids of `client` from `clock`. */
function inserted(author: typeof ann, client: number, clock: number, length: number): AuthorSpan {
  const at = new Date(0)
  return { author, from: at, to: at, inserted: [{ client, clock, length }], deleted: [] }
}

describe('Attribution', () => {
  it('names each writer of one Yjs item that several people’s runs share (a server edit for two people)', () => {
    const doc = new Y.Doc({ gc: false })
    const text = doc.getText('content')
    text.insert(0, 'Ann wrote. Ben wrote.')
    const attribution = new Attribution([inserted(ann, doc.clientID, 0, 11), inserted(ben, doc.clientID, 11, 10)])
    const expected = [
      { type: 'same', text: 'Ann wrote. ', author: ann },
      { type: 'same', text: 'Ben wrote.', author: ben },
    ]
    expect(attribution.authorshipAt(text, Y.snapshot(doc))).toEqual(expected)
    expect(attribution.diff(text, Y.emptySnapshot, Y.snapshot(doc))).toEqual(
      expected.map((range) => ({ ...range, type: 'inserted' })),
    )
    // The split was only for reading: the text and its one item are as they were.
    expect(text.toString()).toBe('Ann wrote. Ben wrote.')
    expect(doc.store.clients.get(doc.clientID)).toHaveLength(1)
  })

  it('never cuts a surrogate pair, even when history puts an author boundary inside one', () => {
    const doc = new Y.Doc({ gc: false })
    const text = doc.getText('content')
    text.insert(0, 'a😁b')
    const attribution = new Attribution([inserted(ann, doc.clientID, 0, 2), inserted(ben, doc.clientID, 2, 2)])
    attribution.diff(text, Y.emptySnapshot, Y.snapshot(doc))
    expect(text.toString()).toBe('a😁b')
  })
})
