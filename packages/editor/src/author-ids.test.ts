import type { AuthoredText, HistoryAuthor } from '@tandem/client'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { alignAuthors, IdAuthors, pieces, type TextAuthor } from './author-ids.js'

const alice: HistoryAuthor = { id: 'ip:10.0.0.1', name: 'Alice', verified: false }
const bob: HistoryAuthor = { id: 'user:bob', name: 'Bob', verified: true }
const carol: TextAuthor = { id: null, name: 'Carol', verified: false }

/** A text written by two clients: Alice's "Hello " then Bob's "world" at the end. */
function twoWriters(): { text: Y.Text; aliceDoc: Y.Doc; bobDoc: Y.Doc } {
  const aliceDoc = new Y.Doc()
  aliceDoc.clientID = 1
  aliceDoc.getText('content').insert(0, 'Hello ')
  const bobDoc = new Y.Doc()
  bobDoc.clientID = 2
  Y.applyUpdate(bobDoc, Y.encodeStateAsUpdate(aliceDoc))
  bobDoc.getText('content').insert(6, 'world')
  Y.applyUpdate(aliceDoc, Y.encodeStateAsUpdate(bobDoc))
  return { text: aliceDoc.getText('content'), aliceDoc, bobDoc }
}

/** The text as runs of `name`, read back from the ids: what a view would draw. */
function byName(text: Y.Text, authors: IdAuthors): string[] {
  const out: string[] = []
  const str = text.toString()
  for (const piece of pieces(text)) {
    for (let offset = 0; offset < piece.length; ) {
      const found = authors.at(piece.client, piece.clock + offset)
      const length = Math.min(piece.length - offset, found.end - (piece.clock + offset))
      const who = found.known ? (found.author?.name ?? 'nobody') : '?'
      out.push(`${who}:${str.slice(piece.index + offset, piece.index + offset + length)}`)
      offset += length
    }
  }
  return out
}

describe('alignAuthors', () => {
  it('gives every id its author when the server had exactly this text', () => {
    const { text } = twoWriters()
    const ranges: AuthoredText[] = [
      { text: 'Hello ', author: alice },
      { text: 'world', author: bob },
    ]
    const { authors, complete } = alignAuthors(text, ranges, new IdAuthors())
    expect(complete).toBe(true)
    expect(byName(text, authors)).toEqual(['Alice:Hello ', 'Bob:world'])
  })

  it('follows the server ranges, not the items, where they cut an item in two', () => {
    const { text } = twoWriters()
    const ranges: AuthoredText[] = [
      { text: 'Hel', author: alice },
      { text: '', author: { id: 'user:carol', name: 'Carol', verified: true } },
      { text: 'lo w', author: null },
      { text: 'orld', author: bob },
    ]
    const { authors } = alignAuthors(text, ranges, new IdAuthors())
    expect(byName(text, authors)).toEqual(['Alice:Hel', 'nobody:lo ', 'nobody:w', 'Bob:orld'])
  })

  it('keeps what it knew of the text typed here and not yet at the server, and says it is not complete', () => {
    const { text, aliceDoc } = twoWriters()
    const first = alignAuthors(
      text,
      [
        { text: 'Hello ', author: alice },
        { text: 'world', author: bob },
      ],
      new IdAuthors(),
    )
    // Alice types in the middle; the server has not seen it yet and answers with the old text.
    text.insert(5, ', dear')
    const carolId = aliceDoc.clientID
    first.authors.set(carolId, 6, 6, carol)
    const second = alignAuthors(
      text,
      [
        { text: 'Hello ', author: alice },
        { text: 'world', author: bob },
      ],
      first.authors,
    )
    expect(second.complete).toBe(false)
    expect(byName(text, second.authors)).toEqual(['Alice:Hello', 'Carol:, dear', 'Alice: ', 'Bob:world'])
  })

  it('leaves ids in the middle unknown when nothing was known of them, for the next answer', () => {
    const { text } = twoWriters()
    const { authors, complete } = alignAuthors(
      text,
      [
        { text: 'Hello ', author: alice },
        { text: 'there, world', author: bob },
      ],
      new IdAuthors(),
    )
    expect(complete).toBe(false)
    expect(byName(text, authors)).toEqual(['Alice:Hello ', 'Bob:world'])
  })

  it('attributes nothing when the server text has nothing in common with this one', () => {
    const { text } = twoWriters()
    const { authors, complete } = alignAuthors(text, [{ text: 'xyz', author: alice }], new IdAuthors())
    expect(complete).toBe(false)
    expect(byName(text, authors)).toEqual(['?:Hello ', '?:world'])
  })
})

describe('IdAuthors', () => {
  it('says how far an unknown stretch goes, up to the next known id', () => {
    const authors = new IdAuthors()
    authors.set(7, 10, 5, alice)
    authors.set(7, 0, 3, bob)
    expect(authors.at(7, 4)).toEqual({ known: false, end: 10 })
    expect(authors.at(7, 12)).toEqual({ known: true, author: alice, end: 15 })
    expect(authors.at(7, 2)).toEqual({ known: true, author: bob, end: 3 })
    expect(authors.at(7, 15)).toEqual({ known: false, end: Number.POSITIVE_INFINITY })
    expect(authors.at(8, 0)).toEqual({ known: false, end: Number.POSITIVE_INFINITY })
  })
})
