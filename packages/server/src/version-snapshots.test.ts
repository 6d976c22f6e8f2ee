import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { replaceDifference, textAt } from './doc-history.js'
import { deltaSnapshot, fullSnapshot } from './version-snapshots.js'

it('rebuilds every version from deltas that hold only the deletions since the previous version', () => {
  const doc = new Y.Doc({ gc: false })
  const text = doc.getText('content')
  const stored: Uint8Array[] = []
  const expected: string[] = []
  let previous: Y.Snapshot | null = null
  const take = () => {
    const now = Y.snapshot(doc)
    stored.push(deltaSnapshot(now, previous))
    expected.push(text.toString())
    previous = now
  }
  text.insert(0, 'abcdefghij')
  text.delete(2, 2)
  take()
  text.delete(0, 1)
  text.delete(3, 2)
  text.insert(1, 'XY')
  take()
  take()
  text.delete(0, text.length)
  take()

  // Each delta carries its own deletions only: the third, with none since the second, is the smallest.
  const deletedIn = (bytes: Uint8Array) =>
    [...Y.decodeSnapshot(bytes).ds.clients.values()].flat().reduce((sum, item) => sum + item.len, 0)
  expect(stored.map(deletedIn)).toEqual([2, 3, 0, 7])
  for (const [index, want] of expected.entries()) {
    expect(textAt(doc, fullSnapshot(stored.slice(0, index + 1)))).toBe(want)
  }
  expect(expected).toEqual(['abefghij', 'bXYefij', 'bXYefij', ''])
})

it('restores text by replacing only what differs, never splitting a surrogate pair', () => {
  const doc = new Y.Doc()
  const text = doc.getText('content')
  text.insert(0, 'keep 😀 this 👋 end')
  const changes: number[] = []
  doc.on('update', () => changes.push(1))
  // As SyncServer.edit runs it: in one transaction, so one change.
  doc.transact(() => replaceDifference(text, 'keep 😁 this 👋 end'))
  expect(text.toString()).toBe('keep 😁 this 👋 end')
  doc.transact(() => replaceDifference(text, 'keep 😁 this 👋 end'))
  expect(changes).toHaveLength(1)
  doc.transact(() => replaceDifference(text, ''))
  expect(text.toString()).toBe('')
})
