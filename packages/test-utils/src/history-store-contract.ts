import {
  type DocAuthor,
  type DocStore,
  deltaSnapshot,
  encodeSpans,
  foldChanges,
  fullSnapshot,
  type HistoryStore,
  type LoggedChange,
  StoreConflict,
  type StoredHistory,
  type VersionDraft,
} from '@tandem/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

/** A store that keeps documents and their history. */
export type HistoryStoreUnderTest = HistoryStore & DocStore

/** A history store opened for one test of {@link runHistoryStoreContract}. */
export interface HistoryUnderTest {
  /** A new, empty store. */
  readonly store: HistoryStoreUnderTest
  /** Closes the store and opens it again on the same data; without it, the persistence test is skipped. */
  readonly reopen?: () => Promise<HistoryStoreUnderTest>
  /** Closes whichever instance is current and removes its data. */
  readonly cleanup: () => Promise<void>
}

const alice: DocAuthor = { id: 'user:alice', name: 'Alice', verified: true }
const bob: DocAuthor = { id: 'name:Bob', name: 'Bob', verified: false }

/**
 * Registers Vitest tests that hold a {@link HistoryStore} implementation to its contract: log entries kept with
 * their authors and times, compaction folding them into spans (`foldChanges`) instead of losing them, versions
 * numbered per document and stored once under a condition, history sizes, renames and purges carrying or
 * deleting history, and (with `reopen`) all of it surviving a restart.
 */
export function runHistoryStoreContract(label: string, open: () => Promise<HistoryUnderTest>): void {
  describe(`HistoryStore contract: ${label}`, () => {
    let subject: HistoryUnderTest
    let store: HistoryStoreUnderTest

    beforeEach(async () => {
      subject = await open()
      store = subject.store
    })

    afterEach(async () => {
      await subject.cleanup()
    })

    it('loads log entries with their authors and times, in order, and nothing for an unknown document', async () => {
      const { changes } = typedChanges()
      const before = Date.now()
      await store.append(changes.slice(0, 2).map((change) => ({ name: 'doc', ...change })))
      // No author and no time: the store keeps `null` and its own clock.
      await store.append([{ name: 'doc', update: changes[2]!.update }])
      const after = Date.now()

      const history = plainHistory(await store.loadHistory('doc'))
      expect(history.spans).toEqual([])
      expect(history.changes.slice(0, 2)).toEqual(changes.slice(0, 2))
      const last = history.changes[2]!
      expect(last.update).toEqual(changes[2]!.update)
      expect(last.author).toBeNull()
      expect(last.at.getTime()).toBeGreaterThanOrEqual(before)
      expect(last.at.getTime()).toBeLessThanOrEqual(after)
      expect(await store.loadHistory('never-written')).toBeNull()
    })

    it('folds the log into spans on compaction, keeping every author and time, and counts their bytes', async () => {
      const { writer, changes } = typedChanges()
      await store.append(changes.slice(0, 3).map((change) => ({ name: 'doc', ...change })))
      await store.compact('doc', Y.encodeStateAsUpdate(writer))

      const first = plainHistory(await store.loadHistory('doc'))
      const folded = foldChanges([], changes.slice(0, 3))
      expect(first).toEqual({ spans: folded, changes: [] })
      expect(folded.map((span) => span.author?.id)).toEqual(['user:alice', 'name:Bob'])

      await store.append(changes.slice(3).map((change) => ({ name: 'doc', ...change })))
      await store.compact('doc', Y.encodeStateAsUpdate(writer))
      const second = plainHistory(await store.loadHistory('doc'))
      expect(second).toEqual({ spans: foldChanges(folded, changes.slice(3)), changes: [] })
      expect((await store.info('doc'))?.historySize).toBe(encodeSpans(second.spans).byteLength)
      // A compaction with nothing in the log keeps the spans as they are.
      await store.compact('doc', Y.encodeStateAsUpdate(writer))
      expect(plainHistory(await store.loadHistory('doc'))).toEqual(second)
    })

    it('numbers versions per document from 1, lists them without snapshots and reads each back', async () => {
      await store.append([{ name: 'doc', update: bytes(1) }])
      await store.append([{ name: 'other', update: bytes(2) }])
      const first = await store.addVersion('doc', draft({ at: at(10), label: 'first draft ✓', kind: 'named' }))
      const second = await store.addVersion('doc', draft({ at: at(20), snapshot: bytes(7, 7, 7) }))
      const elsewhere = await store.addVersion('other', draft({ at: at(30) }))

      expect(first).toEqual({ ...draft({ at: at(10), label: 'first draft ✓', kind: 'named' }), id: 1 })
      expect(second?.id).toBe(2)
      expect(elsewhere?.id).toBe(1)
      const { snapshot: _snapshot, ...info } = second!
      expect(await store.versions('doc')).toEqual([withoutSnapshot(first!), info])
      expect(plainVersion(await store.version('doc', 2))).toEqual(second)
      expect(await store.version('doc', 3)).toBeNull()
      expect(await store.versions('never-written')).toEqual([])
      expect((await store.info('doc'))?.historySize).toBe(first!.snapshot.byteLength + 3)
      await expect(store.addVersion('never-written', draft({ at: at(1) }))).rejects.toThrow(StoreConflict)
    })

    it("reads a version's snapshot with every earlier one's, oldest first, in one call", async () => {
      await store.append([{ name: 'doc', update: bytes(1) }])
      for (const [index, snapshot] of [bytes(1), bytes(2, 2), bytes(3, 3, 3)].entries()) {
        await store.addVersion('doc', draft({ at: at(index), snapshot }))
      }
      const plain = (snapshots: Uint8Array[]) => snapshots.map((snapshot) => Uint8Array.from(snapshot))

      expect(plain(await store.versionSnapshots('doc', 2))).toEqual([bytes(1), bytes(2, 2)])
      expect(plain(await store.versionSnapshots('doc', 3))).toEqual([bytes(1), bytes(2, 2), bytes(3, 3, 3)])
      expect(await store.versionSnapshots('doc', 4)).toEqual([])
      expect(await store.versionSnapshots('never-written', 1)).toEqual([])
      await store.rename('doc', 'renamed')
      expect(plain(await store.versionSnapshots('doc', 1))).toEqual([bytes(1)])
    })

    it('stores a conditional version once, even when proposed twice at the same time', async () => {
      await store.append([{ name: 'doc', update: bytes(1) }])
      // Reads at once first, so a store with a connection pool has a connection open for each proposal: otherwise
      // the first proposal is done before the second's connection opens, and they never overlap.
      await Promise.all([store.versions('doc'), store.versions('doc')])
      const since = at(100)
      const proposals = await Promise.all([
        store.addVersion('doc', draft({ at: at(130) }), { unlessCreatedSince: since }),
        store.addVersion('doc', draft({ at: at(131) }), { unlessCreatedSince: since }),
      ])
      expect(proposals.filter((version) => version !== null).map((version) => version?.id)).toEqual([1])

      expect(await store.addVersion('doc', draft({ at: at(140) }), { unlessCreatedSince: at(130) })).toBeNull()
      expect((await store.addVersion('doc', draft({ at: at(200) }), { unlessCreatedSince: at(132) }))?.id).toBe(2)
      expect((await store.versions('doc')).map((version) => version.id)).toEqual([1, 2])
    })

    it('moves history and versions with a rename and deletes them with a purge', async () => {
      const { writer, changes } = typedChanges()
      await store.append(changes.slice(0, 2).map((change) => ({ name: 'old', ...change })))
      await store.compact('old', Y.encodeStateAsUpdate(writer))
      await store.append(changes.slice(2).map((change) => ({ name: 'old', ...change })))
      await store.addVersion('old', draft({ at: at(10) }))
      const before = plainHistory(await store.loadHistory('old'))

      await store.rename('old', 'new')

      expect(plainHistory(await store.loadHistory('new'))).toEqual(before)
      expect(plainHistory(await store.loadHistory('old'))).toEqual(before)
      expect((await store.addVersion('old', draft({ at: at(20) })))?.id).toBe(2)
      expect((await store.versions('new')).map((version) => version.id)).toEqual([1, 2])

      expect(await store.purge('new')).toBe(true)
      expect(await store.loadHistory('new')).toBeNull()
      expect(await store.versions('new')).toEqual([])
      await store.append([{ name: 'new', update: bytes(1) }])
      expect((await store.addVersion('new', draft({ at: at(30) })))?.id).toBe(1)
    })

    it('prunes spans and versions older than a time, folding the deleted versions into the first one kept', async () => {
      const { writer, changes } = typedChanges()
      await store.append(changes.slice(0, 3).map((change) => ({ name: 'doc', ...change })))
      await store.compact('doc', Y.encodeStateAsUpdate(writer))
      // A later change, in a later hour: its span outlives the cutoff.
      await store.append([{ ...changes[3]!, name: 'doc', at: at(3600) }])
      await store.compact('doc', Y.encodeStateAsUpdate(writer))
      // Three versions of a document with deletions between them, stored as deltas.
      const doc = new Y.Doc({ gc: false })
      const text = doc.getText('content')
      text.insert(0, 'abcdefgh')
      const snapshots: Y.Snapshot[] = []
      for (const [index, seconds] of [0, 1800, 7200].entries()) {
        text.delete(0, 1)
        snapshots.push(Y.snapshot(doc))
        const previous = snapshots[index - 1] ?? null
        await store.addVersion('doc', draft({ at: at(seconds), snapshot: deltaSnapshot(snapshots[index]!, previous) }))
      }
      const stored = await Promise.all([1, 2, 3].map(async (id) => (await store.version('doc', id))!.snapshot))
      const spans = plainHistory(await store.loadHistory('doc')).spans
      expect(spans).toHaveLength(3)

      await store.pruneHistory('doc', at(2700))

      const kept = spans.filter((span) => span.to >= at(2700))
      expect(kept.map((span) => span.to)).toEqual([at(3600)])
      expect(plainHistory(await store.loadHistory('doc')).spans).toEqual(kept)
      expect((await store.versions('doc')).map((version) => version.id)).toEqual([3])
      const rewritten = plainVersion(await store.version('doc', 3))!.snapshot
      expect(rewritten).toEqual(Y.encodeSnapshot(fullSnapshot(stored)))
      expect((await store.info('doc'))?.historySize).toBe(encodeSpans(kept).byteLength + rewritten.byteLength)
      expect((await store.addVersion('doc', draft({ at: at(9000) })))?.id).toBe(4)
      await store.pruneHistory('never-written', at(0))
      expect(await store.loadHistory('never-written')).toBeNull()
    })

    it('keeps spans, authored log entries and versions across a close and reopen', async (context) => {
      const { reopen } = subject
      if (!reopen) return context.skip('this store does not persist')
      const { writer, changes } = typedChanges()
      await store.append(changes.slice(0, 2).map((change) => ({ name: 'doc', ...change })))
      await store.compact('doc', Y.encodeStateAsUpdate(writer))
      await store.append(changes.slice(2).map((change) => ({ name: 'doc', ...change })))
      const version = await store.addVersion('doc', draft({ at: at(10), by: bob, kind: 'restore', restoredFrom: 4 }))
      const history = plainHistory(await store.loadHistory('doc'))
      const info = await store.info('doc')

      store = await reopen()

      expect(plainHistory(await store.loadHistory('doc'))).toEqual(history)
      expect(plainVersion(await store.version('doc', 1))).toEqual(version)
      expect(await store.info('doc')).toEqual(info)
    })
  })
}

/** Five changes of a real Y.Doc by Alice and Bob, a minute apart in one hour, with a deletion among them. */
function typedChanges(): { writer: Y.Doc; changes: LoggedChange[] } {
  const writer = new Y.Doc()
  const text = writer.getText('content')
  const changes: LoggedChange[] = []
  const edits: [DocAuthor, () => void][] = [
    [alice, () => text.insert(0, 'Hello world')],
    [bob, () => text.insert(11, '!')],
    [alice, () => text.delete(0, 6)],
    [bob, () => text.insert(0, 'Hi ')],
    [alice, () => text.insert(0, '> ')],
  ]
  const base = Date.UTC(2026, 0, 5, 9, 0, 0, 0)
  for (const [index, [author, edit]] of edits.entries()) {
    const updates: Uint8Array[] = []
    const record = (update: Uint8Array) => updates.push(update)
    writer.on('update', record)
    edit()
    writer.off('update', record)
    changes.push({ update: updates[0]!, author, at: new Date(base + index * 60_000) })
  }
  return { writer, changes }
}

function at(seconds: number): Date {
  return new Date(Date.UTC(2026, 0, 5, 10, 0, 0, 0) + seconds * 1000)
}

function draft(overrides: Partial<VersionDraft>): VersionDraft {
  return {
    kind: 'auto',
    label: null,
    by: null,
    at: at(0),
    snapshot: bytes(0, 1, 2, 3),
    authors: [alice, bob],
    inserted: 12,
    deleted: 6,
    restoredFrom: null,
    ...overrides,
  }
}

function withoutSnapshot<T extends { snapshot: Uint8Array }>(version: T): Omit<T, 'snapshot'> {
  const { snapshot: _snapshot, ...info } = version
  return info
}

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values)
}

// Stores may hand back Buffers or views; the contract is about the bytes, so compare plain copies.
function plainHistory(history: StoredHistory | null): StoredHistory {
  expect(history).not.toBeNull()
  return {
    spans: history?.spans ?? [],
    changes: (history?.changes ?? []).map((change) => ({ ...change, update: Uint8Array.from(change.update) })),
  }
}

function plainVersion<T extends { snapshot: Uint8Array }>(version: T | null): T | null {
  return version && { ...version, snapshot: Uint8Array.from(version.snapshot) }
}
