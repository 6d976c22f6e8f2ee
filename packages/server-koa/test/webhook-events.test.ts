// The debounce of `document.changed`, on a fake clock: one event per pause in a document's changes, and one
// at the latest ten debounces after the first change of a run that never pauses.
import type { Hooks, Identity } from '@tandem/server'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { WebhookEvents } from '../src/webhook-events.js'

const ada: Identity = { key: 'user:ada', verified: true, name: 'Ada' }
const bob: Identity = { key: 'user:bob', verified: true, name: 'Bob' }

describe('document.changed', () => {
  let sent: { type: string; document: unknown; fields: unknown }[]
  let hooks: Required<Pick<Hooks, 'load' | 'change' | 'afterStore'>>
  let doc: Y.Doc
  let seq: number

  beforeEach(() => {
    vi.useFakeTimers()
    sent = []
    const events = new WebhookEvents(
      { emit: (type, document, fields) => sent.push({ type, document, fields }) },
      { debounce: 100 },
    )
    hooks = events.hooks() as typeof hooks
    doc = new Y.Doc()
    doc.getText('content').insert(0, 'héllo')
    seq = 0
    void hooks.load({ documentName: 'notes', document: doc, stored: true })
  })
  afterEach(() => vi.useRealTimers())

  /** A change by `author`, stored at once. */
  const edit = (author: Identity) => {
    seq++
    void hooks.change({ documentName: 'notes', update: new Uint8Array(), seq, member: null, author })
    void hooks.afterStore({ documentName: 'notes', seq })
  }

  it('waits for a pause of the debounce after the latest change, and names every author once', () => {
    edit(ada)
    vi.advanceTimersByTime(80)
    edit(bob)
    vi.advanceTimersByTime(80)
    edit(ada)
    // 160 ms after the first change, but only 0 after the latest.
    vi.advanceTimersByTime(99)
    expect(sent).toEqual([])
    vi.advanceTimersByTime(1)
    expect(sent).toEqual([
      {
        type: 'document.changed',
        document: { name: 'notes', size: 6, length: 5 },
        fields: { authors: ['user:ada', 'user:bob'] },
      },
    ])
  })

  it('sends at the latest ten debounces after the first change of a run that never pauses', () => {
    edit(ada)
    // A change every 50 ms, never a pause of 100, up to 950 ms after the first.
    for (let i = 0; i < 19; i++) {
      vi.advanceTimersByTime(50)
      edit(ada)
    }
    vi.advanceTimersByTime(49)
    expect(sent).toEqual([])
    vi.advanceTimersByTime(1)
    expect(sent).toHaveLength(1)
    // The next run starts afresh.
    edit(bob)
    vi.advanceTimersByTime(100)
    expect(sent.map((event) => event.fields)).toEqual([{ authors: ['user:ada'] }, { authors: ['user:bob'] }])
  })

  it('waits for the latest change to be stored', () => {
    seq++
    void hooks.change({ documentName: 'notes', update: new Uint8Array(), seq, member: null, author: ada })
    vi.advanceTimersByTime(500)
    expect(sent).toEqual([])
    void hooks.afterStore({ documentName: 'notes', seq })
    expect(sent).toHaveLength(1)
  })
})
