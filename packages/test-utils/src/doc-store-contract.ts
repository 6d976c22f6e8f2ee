import type { DocInfo, DocStore, QuarantinedUpdate, QuarantineEntry, StoredDoc } from '@tandem/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { lifecycleContract } from './doc-lifecycle-contract.js'

/** A store opened for one test of {@link runDocStoreContract}, with what the suite needs around it. */
export interface StoreUnderTest {
  /** A new, empty store. */
  readonly store: DocStore
  /**
   * Closes the current store and opens it again on the same data, resolving to the new instance; the suite uses
   * that instance from then on. Only for stores that persist: without it, the persistence test is skipped.
   */
  readonly reopen?: () => Promise<DocStore>
  /**
   * Makes the store's database itself abort any write of an update for the document `name`, with an error saying
   * `poisoned update` (a trigger, say), so the suite can check that a batch failing part-way is written not at all. Only for stores with a database that
   * can be made to fail: without it, the atomicity test is skipped.
   */
  readonly rejectUpdatesOf?: (name: string) => Promise<void>
  /** Closes whichever instance is current (the reopened one, if any) and removes its data. */
  readonly cleanup: () => Promise<void>
}

/**
 * Registers Vitest tests that hold a {@link DocStore} implementation to the storage contract: ordering, byte
 * exactness, atomic multi-document appends (with `rejectUpdatesOf`, also when one fails part-way), compaction,
 * sizes and times in listings, names that look like paths, quarantine kept apart from all of these, and (with
 * `reopen`) survival across a restart. `open` is called once per test and must return an empty store.
 *
 * @example
 * runDocStoreContract('MemoryStore', async () => {
 *   const store = new MemoryStore()
 *   return { store, cleanup: () => store.close() }
 * })
 */
export function runDocStoreContract(label: string, open: () => Promise<StoreUnderTest>): void {
  describe(`DocStore contract: ${label}`, () => {
    let subject: StoreUnderTest
    let store: DocStore

    beforeEach(async () => {
      subject = await open()
      store = subject.store
    })

    afterEach(async () => {
      await subject.cleanup()
    })

    lifecycleContract({
      store: () => store,
      get reopen() {
        const reopen = subject.reopen
        return reopen
          ? async () => {
              store = await reopen()
              return store
            }
          : undefined
      },
    })

    it('has nothing for a document that was never written', async () => {
      expect(await store.load('never-written')).toBeNull()
      expect(await store.info('never-written')).toBeNull()
      expect(await store.list()).toEqual([])
    })

    it('resolves check() on an open store', async () => {
      await expect(store.check()).resolves.toBeUndefined()
    })

    it('loads appended updates in order, byte for byte, with no snapshot', async () => {
      const updates = [bytes(1, 2, 3), bytes(), bytes(255, 0, 128, 7), bytes(42)]
      await store.append([{ name: 'doc', update: updates[0]! }])
      await store.append(updates.slice(1).map((update) => ({ name: 'doc', update })))

      expect(plainDoc(await store.load('doc'))).toEqual({ snapshot: null, updates })
    })

    it('treats an empty batch as nothing to do', async () => {
      await store.append([])
      expect(await store.list()).toEqual([])
    })

    it('keeps what was appended when the caller later reuses its buffer', async () => {
      const update = bytes(10, 20, 30)
      await store.append([{ name: 'doc', update }])
      update.fill(0)

      expect(plainDoc(await store.load('doc'))?.updates).toEqual([bytes(10, 20, 30)])
    })

    it('rebuilds the text that was typed when the loaded updates are applied to a fresh Y.Doc', async () => {
      const writer = new Y.Doc()
      const updates = recordUpdates(writer)
      const text = writer.getText('content')
      text.insert(0, 'Hello world')
      text.insert(5, ',')
      text.delete(0, 1)
      text.insert(0, 'J')
      writer.getMap('meta').set('title', 'Greeting')
      await store.append(updates.map((update) => ({ name: 'greeting', update })))

      const reader = docFrom(await store.load('greeting'))
      expect(reader.getText('content').toString()).toBe('Jello, world')
      expect(reader.getMap('meta').get('title')).toBe('Greeting')
    })

    it('appends one batch across several documents, each log keeping its own order', async () => {
      await store.append([
        { name: 'b', update: bytes(1) },
        { name: 'a', update: bytes(2) },
        { name: 'b', update: bytes(3) },
        { name: 'c', update: bytes(4, 4) },
        { name: 'a', update: bytes(5) },
      ])

      expect(plainDoc(await store.load('a'))).toEqual({ snapshot: null, updates: [bytes(2), bytes(5)] })
      expect(plainDoc(await store.load('b'))).toEqual({ snapshot: null, updates: [bytes(1), bytes(3)] })
      expect(plainDoc(await store.load('c'))).toEqual({ snapshot: null, updates: [bytes(4, 4)] })
      expect((await store.list()).map(({ name, size }) => ({ name, size }))).toEqual([
        { name: 'a', size: 2 },
        { name: 'b', size: 2 },
        { name: 'c', size: 2 },
      ])
    })

    it('stores nothing from a batch whose transaction fails part-way', async (context) => {
      const { rejectUpdatesOf } = subject
      if (!rejectUpdatesOf) return context.skip('this store has no database to make fail')
      await store.append([{ name: 'kept', update: bytes(1) }])
      // The database itself aborts on the third row, after the batch's first rows were written in the transaction.
      await rejectUpdatesOf('poison')

      await expect(
        store.append([
          { name: 'kept', update: bytes(2) },
          { name: 'fresh', update: bytes(3) },
          { name: 'poison', update: bytes(4) },
        ]),
      ).rejects.toThrow('poisoned update')

      expect(plainDoc(await store.load('kept'))).toEqual({ snapshot: null, updates: [bytes(1)] })
      expect(await store.load('fresh')).toBeNull()
      expect((await store.list()).map(({ name, size }) => [name, size])).toEqual([['kept', 1]])

      await store.append([{ name: 'kept', update: bytes(5) }])
      expect(plainDoc(await store.load('kept'))).toEqual({ snapshot: null, updates: [bytes(1), bytes(5)] })
    })

    it('replaces the log with the snapshot on compaction', async () => {
      const writer = new Y.Doc()
      const updates = recordUpdates(writer)
      writer.getText('content').insert(0, 'first line\n')
      writer.getText('content').insert(11, 'second line\n')
      await store.append(updates.map((update) => ({ name: 'notes', update })))
      const state = Y.encodeStateAsUpdate(writer)

      await store.compact('notes', state)

      expect(plainDoc(await store.load('notes'))).toEqual({ snapshot: state, updates: [] })
      expect((await store.info('notes'))?.size).toBe(state.byteLength)
      expect(textOf(await store.load('notes'))).toBe('first line\nsecond line\n')
    })

    it('loads updates appended after a compaction after the snapshot', async () => {
      const writer = new Y.Doc()
      const updates = recordUpdates(writer)
      writer.getText('content').insert(0, 'draft')
      await store.append(updates.splice(0).map((update) => ({ name: 'notes', update })))
      const state = Y.encodeStateAsUpdate(writer)
      await store.compact('notes', state)

      writer.getText('content').insert(5, ' one')
      writer.getText('content').insert(0, '> ')
      await store.append(updates.map((update) => ({ name: 'notes', update })))

      expect(updates).toHaveLength(2)
      expect(plainDoc(await store.load('notes'))).toEqual({ snapshot: state, updates })
      expect(textOf(await store.load('notes'))).toBe('> draft one')
    })

    it('replaces an earlier snapshot on a second compaction', async () => {
      await store.append([{ name: 'doc', update: bytes(1) }])
      await store.compact('doc', bytes(1, 1))
      await store.append([{ name: 'doc', update: bytes(2) }])
      await store.compact('doc', bytes(1, 1, 2))

      expect(plainDoc(await store.load('doc'))).toEqual({ snapshot: bytes(1, 1, 2), updates: [] })
      expect((await store.info('doc'))?.size).toBe(3)
    })

    it('stores a snapshot for a document that had no log when it is compacted', async () => {
      await store.compact('imported', bytes(9, 8, 7))

      expect(plainDoc(await store.load('imported'))).toEqual({ snapshot: bytes(9, 8, 7), updates: [] })
      expect((await store.list()).map(({ name, size }) => ({ name, size }))).toEqual([{ name: 'imported', size: 3 }])
    })

    it('reports sizes equal to the bytes stored, through appends and compactions', async () => {
      await store.append([
        { name: 'doc', update: new Uint8Array(10) },
        { name: 'other', update: new Uint8Array(7) },
      ])
      await store.append([{ name: 'doc', update: new Uint8Array(25) }])
      expect(sizes(await store.list())).toEqual({ doc: 35, other: 7 })
      expect((await store.info('doc'))?.size).toBe(35)

      await store.compact('doc', new Uint8Array(12))
      expect(sizes(await store.list())).toEqual({ doc: 12, other: 7 })

      await store.append([{ name: 'doc', update: new Uint8Array(5) }])
      expect((await store.info('doc'))?.size).toBe(17)
      expect((await store.info('other'))?.size).toBe(7)
    })

    it('sets updatedAt to the time of the last append, moving forward; a compaction, not being a change, keeps it', async () => {
      const before = Date.now()
      await store.append([{ name: 'doc', update: bytes(1) }])
      const afterFirst = Date.now()
      const first = await store.info('doc')
      expect(first?.updatedAt).toBeInstanceOf(Date)
      expect(first!.updatedAt.getTime()).toBeGreaterThanOrEqual(before)
      expect(first!.updatedAt.getTime()).toBeLessThanOrEqual(afterFirst)

      // Waits for the clock to tick past the first write, so that "later" is observable at millisecond precision.
      await expect.poll(() => Date.now(), { interval: 1 }).toBeGreaterThan(first!.updatedAt.getTime())
      await store.append([{ name: 'doc', update: bytes(2) }])
      const second = await store.info('doc')
      expect(second!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime())
      expect(second!.updatedAt.getTime()).toBeLessThanOrEqual(Date.now())

      await expect.poll(() => Date.now(), { interval: 1 }).toBeGreaterThan(second!.updatedAt.getTime())
      await store.compact('doc', bytes(1, 2))
      const third = await store.info('doc')
      expect(third!.updatedAt.getTime()).toBe(second!.updatedAt.getTime())
      expect((await store.list()).map((row) => row.updatedAt.getTime())).toEqual([second!.updatedAt.getTime()])
    })

    it('keeps names with / and @ apart, never matching one name as a prefix or pattern of another', async () => {
      const names = ['a', 'a/b', 'a/b/c', 'ab', '@team/notes', 'user@example.com', 'a%', 'a_', 'A']
      await store.append(names.map((name, index) => ({ name, update: bytes(index) })))
      await store.append([{ name: 'a/b', update: bytes(100) }])

      expect(plainDoc(await store.load('a'))?.updates).toEqual([bytes(0)])
      expect(plainDoc(await store.load('a/b'))?.updates).toEqual([bytes(1), bytes(100)])
      expect(plainDoc(await store.load('@team/notes'))?.updates).toEqual([bytes(4)])
      expect(plainDoc(await store.load('user@example.com'))?.updates).toEqual([bytes(5)])
      expect(await store.load('a/')).toBeNull()
      expect(await store.load('@team')).toBeNull()

      await store.compact('a', bytes(50))
      expect(plainDoc(await store.load('a'))).toEqual({ snapshot: bytes(50), updates: [] })
      expect(plainDoc(await store.load('a/b'))).toEqual({ snapshot: null, updates: [bytes(1), bytes(100)] })
      expect(plainDoc(await store.load('a%'))).toEqual({ snapshot: null, updates: [bytes(6)] })

      // Ordered by code unit, as Array.prototype.sort orders these ASCII names.
      expect((await store.list()).map(({ name, size }) => [name, size])).toEqual([
        ['@team/notes', 1],
        ['A', 1],
        ['a', 1],
        ['a%', 1],
        ['a/b', 2],
        ['a/b/c', 1],
        ['a_', 1],
        ['ab', 1],
        ['user@example.com', 1],
      ])
    })

    it('loads 1,000 small appends back in order', async () => {
      const writer = new Y.Doc()
      const updates = recordUpdates(writer)
      const text = writer.getText('content')
      for (let index = 0; index < 1000; index++) {
        text.insert(text.length, String.fromCharCode(97 + (index % 26)))
        await store.append([{ name: 'long', update: updates[index]! }])
      }

      const loaded = plainDoc(await store.load('long'))
      expect(loaded?.updates).toHaveLength(1000)
      expect(loaded?.updates).toEqual(updates)
      expect(textOf(loaded)).toBe(text.toString())
      expect((await store.info('long'))?.size).toBe(updates.reduce((sum, update) => sum + update.byteLength, 0))
    })

    it('keeps quarantined updates byte for byte, in order, with their reasons and when they were quarantined', async () => {
      expect(await store.quarantined('doc')).toEqual([])
      const reused = bytes(1, 2, 3)
      const expected = [
        { update: bytes(1, 2, 3), reason: 'log entry 1 of 2 (3 bytes) does not apply: Unexpected end of array' },
        { update: bytes(), reason: 'log entry 2 of 2 (0 bytes) is refused: it is empty' },
        { update: bytes(255, 0, 128), reason: 'pending content: it needs client 4242 clock 999 — “never stored”' },
      ]
      const before = Date.now()
      await store.quarantine('doc', [{ ...expected[0]!, update: reused }, expected[1]!])
      reused.fill(0)
      await store.quarantine('doc', [])
      await store.quarantine('doc', [expected[2]!])
      const after = Date.now()

      const kept = await store.quarantined('doc')
      expect(plainQuarantine(kept)).toEqual(expected)
      for (const { quarantinedAt } of kept) {
        expect(quarantinedAt).toBeInstanceOf(Date)
        expect(quarantinedAt.getTime()).toBeGreaterThanOrEqual(before)
        expect(quarantinedAt.getTime()).toBeLessThanOrEqual(after)
      }
    })

    it('keeps the quarantine apart from loading, listing and other documents', async () => {
      const log = [bytes(1), bytes(2, 2)]
      await store.append(log.map((update) => ({ name: 'doc', update })))
      await store.append([{ name: 'doc/other', update: bytes(3, 3, 3) }])
      const listed = await store.list()
      const refused = { update: bytes(2, 2), reason: 'log entry 2 of 2 (2 bytes) is refused' }

      await store.quarantine('doc', [refused])
      await store.quarantine('never-written', [{ update: bytes(9, 9, 9, 9), reason: 'snapshot (4 bytes) is refused' }])

      // Quarantine keeps a copy: the log is the caller's to compact, and sizes and times count only what loads.
      expect(plainDoc(await store.load('doc'))).toEqual({ snapshot: null, updates: log })
      expect(await store.list()).toEqual(listed)
      expect(await store.info('doc')).toEqual(listed.find((row) => row.name === 'doc'))
      expect(await store.load('never-written')).toBeNull()
      expect(await store.info('never-written')).toBeNull()
      expect(plainDoc(await store.load('doc/other'))).toEqual({ snapshot: null, updates: [bytes(3, 3, 3)] })
      expect(await store.quarantined('doc/other')).toEqual([])
      expect(plainQuarantine(await store.quarantined('never-written'))).toEqual([
        { update: bytes(9, 9, 9, 9), reason: 'snapshot (4 bytes) is refused' },
      ])

      await store.compact('doc', bytes(1, 1))
      expect(plainDoc(await store.load('doc'))).toEqual({ snapshot: bytes(1, 1), updates: [] })
      expect((await store.info('doc'))?.size).toBe(2)
      expect(plainQuarantine(await store.quarantined('doc'))).toEqual([refused])
    })

    it('keeps the quarantine across a close and reopen', async (context) => {
      const { reopen } = subject
      if (!reopen) return context.skip('this store does not persist')
      await store.append([{ name: 'doc', update: bytes(1) }])
      const entries = [
        { update: bytes(0, 1, 2), reason: 'snapshot (3 bytes) does not apply' },
        { update: bytes(7), reason: 'log entry 1 of 1 (1 bytes) is refused' },
      ]
      await store.quarantine('doc', entries)
      const kept = await store.quarantined('doc')

      store = await reopen()

      expect(plainQuarantine(await store.quarantined('doc'))).toEqual(entries)
      expect((await store.quarantined('doc')).map((entry) => entry.quarantinedAt)).toEqual(
        kept.map((entry) => entry.quarantinedAt),
      )
      expect(plainDoc(await store.load('doc'))).toEqual({ snapshot: null, updates: [bytes(1)] })
    })

    it('keeps everything across a close and reopen', async (context) => {
      const { reopen } = subject
      if (!reopen) return context.skip('this store does not persist')
      const writer = new Y.Doc()
      const updates = recordUpdates(writer)
      writer.getText('content').insert(0, 'before compaction')
      await store.append(updates.splice(0).map((update) => ({ name: 'team/doc', update })))
      const state = Y.encodeStateAsUpdate(writer)
      await store.compact('team/doc', state)
      writer.getText('content').insert(0, 'after: ')
      await store.append([
        { name: 'team/doc', update: updates[0]! },
        { name: 'solo', update: bytes(3, 1, 4) },
      ])
      const listed = await store.list()

      store = await reopen()

      expect(plainDoc(await store.load('team/doc'))).toEqual({ snapshot: state, updates })
      expect(plainDoc(await store.load('solo'))).toEqual({ snapshot: null, updates: [bytes(3, 1, 4)] })
      expect(textOf(await store.load('team/doc'))).toBe('after: before compaction')
      expect(await store.list()).toEqual(listed)
      expect(listed.map(({ name, size }) => [name, size])).toEqual([
        ['solo', 3],
        ['team/doc', state.byteLength + updates[0]!.byteLength],
      ])
    })
  })
}

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values)
}

// Stores may hand back Buffers or views; the contract is about the bytes, so compare plain copies.
function plainDoc(doc: StoredDoc | null): StoredDoc | null {
  if (doc === null) return null
  for (const part of [doc.snapshot, ...doc.updates]) {
    if (part !== null) expect(part).toBeInstanceOf(Uint8Array)
  }
  return {
    snapshot: doc.snapshot === null ? null : Uint8Array.from(doc.snapshot),
    updates: doc.updates.map((update) => Uint8Array.from(update)),
  }
}

function plainQuarantine(entries: QuarantineEntry[]): QuarantinedUpdate[] {
  return entries.map(({ update, reason }) => {
    expect(update).toBeInstanceOf(Uint8Array)
    return { update: Uint8Array.from(update), reason }
  })
}

function recordUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  return updates
}

function docFrom(stored: StoredDoc | null): Y.Doc {
  expect(stored).not.toBeNull()
  const doc = new Y.Doc()
  if (stored?.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update)
  return doc
}

function textOf(stored: StoredDoc | null): string {
  return docFrom(stored).getText('content').toString()
}

function sizes(rows: DocInfo[]): Record<string, number> {
  return Object.fromEntries(rows.map(({ name, size }) => [name, size]))
}
