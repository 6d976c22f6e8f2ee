/**
 * Retention: `historyKeep` drops the versions and author spans older than it, read back from the store, keeps
 * the newer ones (every kept version still opens), and leaves the text alone.
 */
import { afterEach, expect, it } from 'vitest'
import { MemoryStore, SyncServer } from '../src/index.js'

const servers: SyncServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((sync) => sync.close()))
})

const MINUTE = 60_000
const ann = { key: 'user:ann', verified: true, name: 'Ann' }
const ben = { key: 'user:ben', verified: true, name: 'Ben' }
const annAuthor = { id: 'user:ann', name: 'Ann', verified: true }
const benAuthor = { id: 'user:ben', name: 'Ben', verified: true }

it('prunes versions and spans older than historyKeep, keeps the newer ones, and never the text', async () => {
  let clock = Date.parse('2026-01-01T00:00:00Z')
  const store = new MemoryStore()
  // Every change is compacted into the author spans at once: retention prunes those, not the log.
  const sync = new SyncServer({ store, now: () => clock, historyKeep: 10 * MINUTE, compactAfter: 1, commitDelay: 0 })
  servers.push(sync)
  const history = sync.history('doc')

  await sync.edit('doc', ann, (text) => text.insert(0, 'Old text. '))
  const old = await history.nameVersion('Old', annAuthor)
  clock += 20 * MINUTE
  await sync.edit('doc', ben, (text) => text.insert(10, 'New text.'))
  const recent = await history.nameVersion('New', benAuthor)
  await expect.poll(async () => (await store.loadHistory('doc'))?.changes.length, { timeout: 10_000 }).toBe(0)
  const spansBefore = (await store.loadHistory('doc'))?.spans ?? []
  expect(spansBefore.map((span) => span.author)).toEqual([annAuthor, benAuthor])
  const sizeBefore = (await store.info('doc'))?.historySize ?? 0

  const pruned = await sync.pruneHistory()

  const sizeAfter = (await store.info('doc'))?.historySize ?? 0
  expect(pruned).toEqual([{ name: 'doc', versions: 1, bytes: sizeBefore - sizeAfter }])
  expect(sizeAfter).toBeLessThan(sizeBefore)
  expect((await store.versions('doc')).map((version) => version.id)).toEqual([recent.id])
  expect(old.id).toBeLessThan(recent.id)
  expect((await store.loadHistory('doc'))?.spans.map((span) => span.author)).toEqual([benAuthor])
  expect(await history.textAt(recent.id)).toBe('Old text. New text.')
  expect(await sync.getText('doc')).toBe('Old text. New text.')
  // Who wrote the older text is no longer known; the newer is.
  expect(await history.authorship()).toEqual([
    { type: 'same', text: 'Old text. ', author: null },
    { type: 'same', text: 'New text.', author: benAuthor },
  ])
  // Nothing more is old enough a second time.
  expect(await sync.pruneHistory()).toEqual([])
})

it('keeps history forever without historyKeep', async () => {
  let clock = Date.parse('2026-01-01T00:00:00Z')
  const store = new MemoryStore()
  const sync = new SyncServer({ store, now: () => clock })
  servers.push(sync)
  await sync.edit('doc', ann, (text) => text.insert(0, 'Kept. '))
  await sync.history('doc').nameVersion('Kept', annAuthor)
  clock += 3650 * 24 * 60 * MINUTE
  expect(await sync.pruneHistory()).toEqual([])
  expect(await store.versions('doc')).toHaveLength(1)
})
