// The updates the load clients encode by hand must be what Yjs reads, and the markers in an update must be found
// where the load clients get it: a view into a received frame, not an array of its own.
import { encodeUpdateMessage, readMessage } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeInsertUpdate, markersInUpdate, markerText } from '../src/wire.js'

/** The updates with which client `clientId` inserts markers `ids`, one after the other. */
function inserts(clientId: number, ids: number[]): Uint8Array[] {
  let clock = 0
  return ids.map((id) => {
    const update = encodeInsertUpdate(clientId, clock, markerText(id))
    clock += markerText(id).length
    return update
  })
}

/** The markers `markersInUpdate` finds in the update a frame carries, read from the frame as a load client does. */
function markersInFrame(frame: Uint8Array): number[] {
  const message = readMessage(frame)
  if (message.type !== 'sync-update') throw new Error(`not a sync update: ${message.type}`)
  const found: number[] = []
  markersInUpdate(message.update, (id) => found.push(id))
  return found
}

describe('updates encoded by hand', () => {
  it('insert each client’s text after its previous insertion', () => {
    const doc = new Y.Doc()
    for (const update of inserts(7, [1, 22])) Y.applyUpdate(doc, update)
    for (const update of inserts(300_000, [333])) Y.applyUpdate(doc, update)
    // Two clients' runs at the start of the text: Yjs orders them by client id.
    expect(['~1;~22;~333;', '~333;~1;~22;']).toContain(doc.getText('content').toString())
  })
})

describe('markersInUpdate', () => {
  it('finds the marker of an update read from its frame', () => {
    const found = inserts(126, [0, 5, 4321]).map((update) => markersInFrame(encodeUpdateMessage(update)))
    expect(found).toEqual([[0], [5], [4321]])
  })

  it('finds every marker of a whole document, once', () => {
    const doc = new Y.Doc()
    for (const update of inserts(1, [10, 11, 12])) Y.applyUpdate(doc, update)
    for (const update of inserts(2, [20, 21])) Y.applyUpdate(doc, update)
    doc.getText('content').delete(0, 1) // a deletion: the first marker loses its `~`
    const found = markersInFrame(encodeUpdateMessage(Y.encodeStateAsUpdate(doc)))
    expect(found.sort((a, b) => a - b)).toEqual([11, 12, 20, 21])
  })

  it('scans the bytes of an update with other content', () => {
    const doc = new Y.Doc()
    doc.getMap('other').set('key', 'a ~42; in a map')
    for (const update of inserts(3, [7])) Y.applyUpdate(doc, update)
    const found = markersInFrame(encodeUpdateMessage(Y.encodeStateAsUpdate(doc)))
    expect(found.sort((a, b) => a - b)).toEqual([7, 42])
  })
})
