import { type DocAuthor, type DocStore, StoreConflict, type StoredDoc } from '@tandem/server'
import { expect, it } from 'vitest'

/** What the lifecycle tests need of {@link runDocStoreContract}'s current store. */
export interface LifecycleSubject {
  /** The store of the current test. */
  store(): DocStore
  /** Closes and reopens it on the same data, when it persists. */
  reopen: (() => Promise<DocStore>) | undefined
}

const alice: DocAuthor = { id: 'user:alice', name: 'Alice', verified: true }
const visitor: DocAuthor = { id: 'ip:203.0.113.9', name: null, verified: false }

/**
 * The contract's tests of documents as wholes: the listing's title and last author, renames and old names,
 * the trash, purging and creating. Registered by `runDocStoreContract` inside its own `describe`.
 */
export function lifecycleContract(subject: LifecycleSubject): void {
  const bytes = (...values: number[]) => new Uint8Array(values)
  const plain = (doc: StoredDoc | null) =>
    doc && {
      snapshot: doc.snapshot && Uint8Array.from(doc.snapshot),
      updates: doc.updates.map((u) => Uint8Array.from(u)),
    }
  const conflict = async (work: Promise<unknown>, kind: StoreConflict['kind']) => {
    const error = await work.then(
      () => null,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(StoreConflict)
    expect((error as StoreConflict).kind).toBe(kind)
  }

  it('keeps the title and last author appended with a document, and no title or author for one without', async () => {
    const store = subject.store()
    await store.append([{ name: 'plain', update: bytes(1) }])
    await store.append([{ name: 'doc', update: bytes(1), meta: { title: 'Plan', author: alice } }])
    expect(await store.info('plain')).toMatchObject({ title: null, updatedBy: null, deletedAt: null, deletedBy: null })
    expect(await store.info('doc')).toMatchObject({ title: 'Plan', updatedBy: alice })

    // A change without an author keeps the last one known; the title is the latest given.
    await store.append([{ name: 'doc', update: bytes(2), meta: { title: 'Plan B', author: null } }])
    expect(await store.info('doc')).toMatchObject({ title: 'Plan B', updatedBy: alice })
    await store.append([{ name: 'doc', update: bytes(3), meta: { title: null, author: visitor } }])
    expect((await store.list()).find((row) => row.name === 'doc')).toMatchObject({ title: null, updatedBy: visitor })
  })

  it('renames a document with its content, quarantine and title, and keeps the old name leading to it', async () => {
    const store = subject.store()
    await store.append([{ name: 'old', update: bytes(1), meta: { title: 'T', author: alice } }])
    await store.compact('old', bytes(1, 1))
    await store.append([{ name: 'old', update: bytes(2) }])
    await store.quarantine('old', [{ update: bytes(9), reason: 'kept' }])

    await store.rename('old', 'team/new')

    expect(plain(await store.load('team/new'))).toEqual({ snapshot: bytes(1, 1), updates: [bytes(2)] })
    expect(await store.load('old')).toBeNull()
    expect(await store.info('old')).toBeNull()
    expect(await store.info('team/new')).toMatchObject({ size: 3, title: 'T', updatedBy: alice, deletedAt: null })
    expect((await store.quarantined('team/new')).map((entry) => entry.reason)).toEqual(['kept'])
    expect(await store.quarantined('old')).toEqual([])
    expect((await store.list()).map((row) => row.name)).toEqual(['team/new'])
    expect(await store.resolve('old')).toBe('team/new')
    expect(await store.resolve('team/new')).toBeNull()
    expect(await store.resolve('never-written')).toBeNull()
  })

  it('follows chains of renames, and renames back onto an old name', async () => {
    const store = subject.store()
    await store.append([{ name: 'a', update: bytes(1) }])
    await store.rename('a', 'b')
    await store.rename('b', 'c')
    expect([await store.resolve('a'), await store.resolve('b'), await store.resolve('c')]).toEqual(['c', 'c', null])

    await store.rename('c', 'a')
    expect([await store.resolve('a'), await store.resolve('b'), await store.resolve('c')]).toEqual([null, 'a', 'a'])
    expect(plain(await store.load('a'))).toEqual({ snapshot: null, updates: [bytes(1)] })
    expect((await store.list()).map((row) => row.name)).toEqual(['a'])
  })

  it('refuses a rename from nothing, onto a document, onto the trash or onto an old name of another, changing nothing', async () => {
    const store = subject.store()
    await store.append([{ name: 'one', update: bytes(1) }])
    await store.append([{ name: 'two', update: bytes(2) }])
    await store.append([{ name: 'binned', update: bytes(3) }])
    await store.trash('binned', null)
    await store.append([{ name: 'three', update: bytes(4) }])
    await store.rename('three', 'four')
    const listed = await store.list()

    await conflict(store.rename('nothing', 'fresh'), 'missing')
    await conflict(store.rename('binned', 'fresh'), 'missing')
    await conflict(store.rename('one', 'two'), 'exists')
    await conflict(store.rename('one', 'binned'), 'trashed')
    await conflict(store.rename('one', 'three'), 'alias')

    expect(await store.list()).toEqual(listed)
    expect(plain(await store.load('one'))).toEqual({ snapshot: null, updates: [bytes(1)] })
    expect(await store.resolve('three')).toBe('four')
    expect(await store.resolve('one')).toBeNull()
    expect(await store.info('fresh')).toBeNull()
  })

  it('stores a late append or compaction of an old name in the renamed document, never under the old name', async () => {
    const store = subject.store()
    await store.append([{ name: 'old', update: bytes(1) }])
    await store.rename('old', 'new')

    await store.append([{ name: 'old', update: bytes(2), meta: { title: 'late', author: visitor } }])
    await store.compact('old', bytes(1, 2))

    expect(await store.info('old')).toBeNull()
    expect(await store.load('old')).toBeNull()
    expect(plain(await store.load('new'))).toEqual({ snapshot: null, updates: [bytes(1), bytes(2), bytes(1, 2)] })
    expect(await store.info('new')).toMatchObject({ title: 'late', updatedBy: visitor })
  })

  it('moves a document to the trash and back, keeping its content', async () => {
    const store = subject.store()
    await store.append([{ name: 'doc', update: bytes(1), meta: { title: 'T', author: alice } }])
    await store.append([{ name: 'other', update: bytes(2) }])
    const before = Date.now()
    await store.trash('doc', visitor)

    expect((await store.list()).map((row) => row.name)).toEqual(['other'])
    const trashed = await store.list({ trashed: true })
    expect(trashed.map((row) => row.name)).toEqual(['doc'])
    expect(trashed[0]).toMatchObject({ title: 'T', updatedBy: alice, deletedBy: visitor })
    expect(trashed[0]!.deletedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(trashed[0]!.deletedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000)
    expect((await store.info('doc'))?.deletedAt).toEqual(trashed[0]!.deletedAt)
    expect(plain(await store.load('doc'))).toEqual({ snapshot: null, updates: [bytes(1)] })
    await conflict(store.trash('doc', null), 'missing')
    await conflict(store.trash('nothing', null), 'missing')
    await conflict(store.restore('other'), 'missing')

    await store.restore('doc')
    expect((await store.list()).map((row) => row.name)).toEqual(['doc', 'other'])
    expect(await store.list({ trashed: true })).toEqual([])
    expect(await store.info('doc')).toMatchObject({ deletedAt: null, deletedBy: null, title: 'T' })
    expect(plain(await store.load('doc'))).toEqual({ snapshot: null, updates: [bytes(1)] })
  })

  it('purges a document with its quarantine and old names, in the trash or not', async () => {
    const store = subject.store()
    await store.append([{ name: 'a', update: bytes(1) }])
    await store.rename('a', 'b')
    await store.quarantine('b', [{ update: bytes(9), reason: 'kept' }])
    await store.append([{ name: 'keep', update: bytes(2) }])
    await store.trash('b', null)

    expect(await store.purge('b')).toBe(true)
    expect(await store.purge('b')).toBe(false)
    expect(await store.load('b')).toBeNull()
    expect(await store.info('b')).toBeNull()
    expect(await store.quarantined('b')).toEqual([])
    expect(await store.resolve('a')).toBeNull()
    expect(await store.list({ trashed: true })).toEqual([])
    expect(await store.purge('keep')).toBe(true)
    expect(await store.list()).toEqual([])
  })

  it('purges only the documents that went to the trash before a time', async () => {
    const store = subject.store()
    for (const name of ['early', 'late', 'live']) await store.append([{ name, update: bytes(1) }])
    await store.trash('early', null)
    const early = (await store.info('early'))!.deletedAt!.getTime()
    await expect.poll(() => Date.now(), { interval: 1 }).toBeGreaterThan(early + 1)
    await store.trash('late', null)

    expect(await store.purgeTrashed(new Date(early + 1))).toEqual(['early'])
    expect(await store.info('early')).toBeNull()
    expect((await store.list({ trashed: true })).map((row) => row.name)).toEqual(['late'])
    expect(await store.purgeTrashed(new Date(Date.now() + 1000))).toEqual(['late'])
    expect((await store.list()).map((row) => row.name)).toEqual(['live'])
  })

  it('creates a document from a state, refusing any name that is taken', async () => {
    const store = subject.store()
    await store.create('copy', bytes(5, 6), { title: 'T (copy)', author: alice })
    expect(plain(await store.load('copy'))).toEqual({ snapshot: bytes(5, 6), updates: [] })
    expect(await store.info('copy')).toMatchObject({ size: 2, title: 'T (copy)', updatedBy: alice, deletedAt: null })

    await store.append([{ name: 'binned', update: bytes(1) }])
    await store.trash('binned', null)
    await store.append([{ name: 'old', update: bytes(1) }])
    await store.rename('old', 'new')
    await conflict(store.create('copy', bytes(7), { title: null, author: null }), 'exists')
    await conflict(store.create('binned', bytes(7), { title: null, author: null }), 'trashed')
    await conflict(store.create('old', bytes(7), { title: null, author: null }), 'alias')
    expect(plain(await store.load('copy'))).toEqual({ snapshot: bytes(5, 6), updates: [] })
    expect(await store.info('old')).toBeNull()
  })

  it('keeps titles, authors, old names and the trash across a close and reopen', async (context) => {
    if (!subject.reopen) return context.skip('this store does not persist')
    const store = subject.store()
    await store.append([{ name: 'a', update: bytes(1), meta: { title: 'T', author: alice } }])
    await store.rename('a', 'b')
    await store.append([{ name: 'c', update: bytes(2) }])
    await store.trash('c', visitor)
    const listed = [await store.list(), await store.list({ trashed: true })]

    const reopened = await subject.reopen()

    expect([await reopened.list(), await reopened.list({ trashed: true })]).toEqual(listed)
    expect(await reopened.resolve('a')).toBe('b')
  })
}
