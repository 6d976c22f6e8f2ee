import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { concurrentTrace, docOf, tracesDir } from '../test/traces.js'
import { PIECE_BYTES, StatePieces } from './state-pieces.js'

/**
 * Sends `sender`'s state to `receiver` as a streamed sync does: every piece, then the rest. Checks after each piece
 * that Yjs applied all of it, leaving no struct pending. Returns the pieces' sizes.
 */
function stream(sender: Y.Doc, receiver: Y.Doc, budget: number, between?: (index: number) => void): number[] {
  const pieces = new StatePieces(sender, Y.encodeStateVector(receiver))
  const sizes: number[] = []
  for (let piece = pieces.next(budget); piece !== null; piece = pieces.next(budget)) {
    Y.applyUpdate(receiver, piece)
    expect(receiver.store.pendingStructs, `piece ${sizes.length} left structs pending`).toBeNull()
    sizes.push(piece.byteLength)
    between?.(sizes.length)
  }
  expect(pieces.finished).toBe(true)
  // A change between pieces can split a struct, which adds to the estimate.
  if (!between) expect(pieces.sent).toBe(pieces.total)
  Y.applyUpdate(receiver, pieces.rest())
  return sizes
}

/** Whether two documents hold the same state: text, state vector and deletions. */
function expectSame(receiver: Y.Doc, sender: Y.Doc): void {
  expect(receiver.getText('content').toString()).toBe(sender.getText('content').toString())
  expect(Y.encodeStateVector(receiver)).toEqual(Y.encodeStateVector(sender))
  expect(Y.equalSnapshots(Y.snapshot(receiver), Y.snapshot(sender))).toBe(true)
  expect(receiver.store.pendingStructs).toBeNull()
  expect(receiver.store.pendingDs).toBeNull()
}

describe('StatePieces', () => {
  it('cuts a 3 MiB paste into pieces of about PIECE_BYTES that rebuild it exactly', () => {
    const sender = docOf(1)
    const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(55_189)
    sender.getText('content').insert(0, text)
    sender.getMap('meta').set('language', 'markdown')
    const receiver = new Y.Doc()
    const sizes = stream(sender, receiver, PIECE_BYTES)
    expectSame(receiver, sender)
    // 3,145,773 characters of one struct, cut at the budget.
    expect(sizes.length).toBe(13)
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThan(PIECE_BYTES - 64)
    for (const size of sizes) expect(size).toBeLessThan(PIECE_BYTES + 64)
  })

  it('never cuts between the two halves of a surrogate pair', () => {
    const sender = docOf(1)
    sender.getText('content').insert(0, 'a😀'.repeat(5000))
    const receiver = new Y.Doc()
    // An odd budget lands in the middle of a pair again and again.
    const sizes = stream(sender, receiver, 101)
    expect(sizes.length).toBeGreaterThan(100)
    expectSame(receiver, sender)
    expect(receiver.getText('content').toString()).not.toContain('\uFFFD')
  })

  it('holds a struct back until what it refers to is sent, so that two people’s edits leave nothing pending', () => {
    const alice = docOf(1)
    const bob = docOf(2)
    alice.getText('content').insert(0, 'hello world')
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(alice))
    // Bob's words sit inside and after Alice's; Alice then writes inside Bob's.
    bob.getText('content').insert(5, ', dear')
    bob.getText('content').insert(17, '!')
    Y.applyUpdate(alice, Y.encodeStateAsUpdate(bob))
    alice.getText('content').insert(7, 'my ')
    alice.getText('content').delete(0, 1)
    const receiver = new Y.Doc()
    stream(alice, receiver, 1)
    expectSame(receiver, alice)
    expect(receiver.getText('content').toString()).toBe('ello, my dear world!')
  })

  it('sends only what a receiver lacks, from its state vector', () => {
    const sender = docOf(1)
    sender.getText('content').insert(0, 'x'.repeat(10_000))
    const receiver = new Y.Doc()
    Y.applyUpdate(receiver, Y.encodeStateAsUpdate(sender))
    sender.getText('content').insert(10_000, 'y'.repeat(2_000))
    const pieces = new StatePieces(sender, Y.encodeStateVector(receiver))
    // The new text continues the struct the receiver has: no struct's overhead is counted.
    expect(pieces.total).toBe(2_000)
    const sizes = stream(sender, receiver, 1_000)
    expect(sizes.length).toBe(2)
    expectSame(receiver, sender)
  })

  it('stays right while the document changes between pieces', () => {
    const sender = docOf(1)
    const other = docOf(2)
    sender.getText('content').insert(0, 'abcdefghij'.repeat(1000))
    const receiver = new Y.Doc()
    // Between pieces: typing at the end (Yjs merges it into the struct being sent), inside text already sent,
    // inside text not sent yet, a deletion, and another person's edit.
    stream(sender, receiver, 700, (index) => {
      const text = sender.getText('content')
      if (index === 1) text.insert(text.length, 'TAIL')
      if (index === 2) text.insert(3, 'EARLY')
      if (index === 3) text.insert(9000, 'LATE')
      if (index === 4) text.delete(100, 50)
      if (index === 5) {
        Y.applyUpdate(other, Y.encodeStateAsUpdate(sender))
        other.getText('content').insert(5000, 'OTHER')
        Y.applyUpdate(sender, Y.encodeStateAsUpdate(other))
      }
    })
    expectSame(receiver, sender)
    expect(receiver.getText('content').toString()).toContain('OTHER')
  })

  it('sends a document with nested types and every kind of content', () => {
    const sender = docOf(3)
    const list = new Y.Array<unknown>()
    sender.getMap('meta').set('list', list)
    list.push([1, 'two', { three: 3 }, new Uint8Array([4, 5])])
    const nested = new Y.Text('nested text')
    list.push([nested])
    nested.format(0, 6, { bold: true })
    sender.getText('content').insert(0, 'content')
    sender.getText('content').insertEmbed(3, { image: 'x.png' })
    list.delete(1, 1)
    const receiver = new Y.Doc()
    stream(sender, receiver, 1)
    expectSame(receiver, sender)
    expect(receiver.getMap('meta').toJSON()).toEqual(sender.getMap('meta').toJSON())
  })

  it('sends an empty document as no piece, and the rest alone', () => {
    const sender = new Y.Doc()
    const pieces = new StatePieces(sender, Y.encodeStateVector(new Y.Doc()))
    expect(pieces.total).toBe(0)
    expect(pieces.next()).toBeNull()
    expect(pieces.rest()).toEqual(Y.encodeStateAsUpdate(sender))
  })

  describe.skipIf(tracesDir === undefined)('on the real editing traces', () => {
    it('two people writing together, in small pieces, deletions kept or not: nothing pending, the same document', () => {
      const { updates } = concurrentTrace()
      for (const gc of [true, false]) {
        const sender = new Y.Doc({ gc })
        for (const update of updates) Y.applyUpdate(sender, update)
        const receiver = new Y.Doc({ gc })
        const sizes = stream(sender, receiver, 512)
        expect(sizes.length).toBeGreaterThan(gc ? 40 : 70)
        expectSame(receiver, sender)
      }
    })
  })
})
