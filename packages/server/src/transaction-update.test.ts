import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeTransactionUpdate } from './transaction-update.js'

/** Runs `change` on `doc`, returning the update Yjs's `update` event carries and the one encoded before the merge. */
function bothUpdates(doc: Y.Doc, change: () => void): { yjs: Uint8Array | null; ours: Uint8Array | null } {
  let yjs: Uint8Array | null = null
  let ours: Uint8Array | null = null
  const onUpdate = (update: Uint8Array) => {
    yjs = update
  }
  const onTransaction = (transaction: Y.Transaction) => {
    ours = encodeTransactionUpdate(transaction)
  }
  doc.on('update', onUpdate)
  doc.on('afterTransaction', onTransaction)
  try {
    change()
  } finally {
    doc.off('update', onUpdate)
    doc.off('afterTransaction', onTransaction)
  }
  return { yjs, ours }
}

/** A copy of `doc` as it is now. */
function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc({ gc: doc.gc })
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

/** Asserts that `ours` takes a copy of the document before the change to exactly where Yjs's update takes it. */
function expectSameEffect(before: Y.Doc, yjs: Uint8Array, ours: Uint8Array): void {
  const viaYjs = copyOf(before)
  const viaOurs = copyOf(before)
  Y.applyUpdate(viaYjs, yjs)
  Y.applyUpdate(viaOurs, ours)
  expect(viaOurs.getText('content').toString()).toBe(viaYjs.getText('content').toString())
  expect(viaOurs.getMap('meta').toJSON()).toEqual(viaYjs.getMap('meta').toJSON())
  expect(Y.encodeStateVector(viaOurs)).toEqual(Y.encodeStateVector(viaYjs))
  expect(Y.equalDeleteSets(Y.snapshot(viaOurs).ds, Y.snapshot(viaYjs).ds)).toBe(true)
  expect(viaOurs.store.pendingStructs).toBeNull()
  expect(viaOurs.store.pendingDs).toBeNull()
}

describe('encodeTransactionUpdate', () => {
  it('is byte for byte the update Yjs sends when text is pasted at the end, merged into the run before it', () => {
    const writer = new Y.Doc()
    writer.clientID = 7
    const pieces: Uint8Array[] = []
    writer.on('update', (update: Uint8Array) => pieces.push(update))
    for (let i = 0; i < 5; i++) writer.getText('content').insert(writer.getText('content').length, `piece ${i}; `)

    const server = new Y.Doc({ gc: false })
    for (const piece of pieces) {
      const { yjs, ours } = bothUpdates(server, () => Y.applyUpdate(server, piece))
      expect(ours).toEqual(yjs)
    }
    // The pieces were merged into one item: the case where Yjs's own encoding copies the whole run.
    expect(server.store.clients.get(7)).toHaveLength(1)
    expect(server.getText('content').toString()).toBe('piece 0; piece 1; piece 2; piece 3; piece 4; ')
  })

  for (const gc of [false, true]) {
    it(`applies as Yjs's update does for inserts, deletions, map changes and several clients (gc ${gc})`, () => {
      const doc = new Y.Doc({ gc })
      doc.clientID = 1
      const text = doc.getText('content')
      const other = new Y.Doc()
      other.clientID = 2
      const changes: (() => void)[] = [
        () => text.insert(0, 'hello world'),
        () => text.insert(5, ','),
        () => text.delete(0, 3),
        () =>
          doc.transact(() => {
            text.insert(text.length, ' and more')
            text.delete(2, 4)
            doc.getMap('meta').set('title', 'A title')
          }),
        // Inserted and deleted in one transaction: with gc on, Yjs's update writes it as deleted content.
        () =>
          doc.transact(() => {
            text.insert(1, 'gone')
            text.delete(1, 4)
          }),
        () => {
          Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
          other.getText('content').insert(0, 'from two: ')
          other.getText('content').delete(other.getText('content').length - 2, 2)
          Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)))
        },
        () => doc.getMap('meta').set('title', 'Another'),
      ]
      for (const change of changes) {
        const before = copyOf(doc)
        const { yjs, ours } = bothUpdates(doc, change)
        expect(yjs).not.toBeNull()
        expect(ours).not.toBeNull()
        expectSameEffect(before, yjs as unknown as Uint8Array, ours as unknown as Uint8Array)
      }
    })
  }

  it('is null for a transaction that changes nothing, as Yjs then sends no update', () => {
    const doc = new Y.Doc()
    doc.getText('content').insert(0, 'abc')
    const again = Y.encodeStateAsUpdate(doc)
    const { yjs, ours } = bothUpdates(doc, () => {
      Y.applyUpdate(doc, again)
      doc.transact(() => {})
    })
    expect(yjs).toBeNull()
    expect(ours).toBeNull()
  })
})
