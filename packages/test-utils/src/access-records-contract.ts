import type { AccessRecords, DocStore, ShareLinkRecord } from '@tandem/server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/** A store that keeps documents and access records, as each of Tandem's stores does. */
export type AccessRecordsStore = AccessRecords & DocStore

/** Access records opened for one test of {@link runAccessRecordsContract}. */
export interface AccessRecordsUnderTest {
  /** A new, empty store. */
  readonly store: AccessRecordsStore
  /** Closes the store and opens it again on the same data; without it, the persistence test is skipped. */
  readonly reopen?: () => Promise<AccessRecordsStore>
  /** Closes whichever instance is current and removes its data. */
  readonly cleanup: () => Promise<void>
}

const hour = 3600_000

/**
 * Registers Vitest tests that hold an {@link AccessRecords} implementation to its contract: links recorded and
 * read back exactly, listed per document without the expired and the revoked ones, revocations that are
 * idempotent, know whether they revoked a link, are found by time, are dropped once a link's token expired, and
 * (with `reopen`) survive a restart; and links that follow their document through renames and are revoked when
 * it is purged.
 */
export function runAccessRecordsContract(label: string, open: () => Promise<AccessRecordsUnderTest>): void {
  describe(`AccessRecords contract: ${label}`, () => {
    let subject: AccessRecordsUnderTest
    let store: AccessRecordsStore

    beforeEach(async () => {
      subject = await open()
      store = subject.store
    })

    afterEach(async () => {
      await subject.cleanup()
    })

    // Whole seconds, as every store keeps at least millisecond precision.
    const base = new Date(Math.floor(Date.now() / 1000) * 1000)
    const link = (id: string, document: string, overrides: Partial<ShareLinkRecord> = {}): ShareLinkRecord => ({
      id,
      document,
      access: 'read',
      label: null,
      createdBy: 'share:alice',
      createdAt: base,
      expiresAt: new Date(base.getTime() + hour),
      ...overrides,
    })

    it('reads a recorded link back exactly, and nothing for an id never recorded', async () => {
      const recorded = link('3f2a9c1e-0000-4000-8000-000000000001', 'team/notes', {
        access: 'write',
        label: 'for the reviewers ✓',
      })
      await store.recordLink(recorded)
      expect(await store.link(recorded.id)).toEqual(recorded)
      expect(await store.link('never-recorded')).toBeNull()
    })

    it('refuses a second link with the same id and keeps the first', async () => {
      const first = link('same-id', 'a')
      await store.recordLink(first)
      await expect(store.recordLink(link('same-id', 'b', { access: 'write' }))).rejects.toThrow()
      expect(await store.link('same-id')).toEqual(first)
    })

    it('lists the active links of one document, oldest first, without expired, revoked or other documents', async () => {
      await store.recordLink(link('later', 'doc', { createdAt: new Date(base.getTime() + 2000) }))
      await store.recordLink(link('earlier', 'doc'))
      await store.recordLink(link('expired', 'doc', { expiresAt: new Date(base.getTime() - 1000) }))
      await store.recordLink(link('revoked', 'doc'))
      await store.recordLink(link('other', 'doc/sub'))
      await store.recordLink(link('prefix', 'do'))
      await store.revoke('revoked')

      const active = await store.activeLinks('doc', new Date())
      expect(active.map((l) => l.id)).toEqual(['earlier', 'later'])
      expect(await store.activeLinks('nothing-here', new Date())).toEqual([])
      // A link expires at its expiry, not after.
      expect((await store.activeLinks('doc', new Date(base.getTime() + hour))).map((l) => l.id)).toEqual([])
    })

    it('revokes an id once: a second revocation changes nothing and says so', async () => {
      await store.recordLink(link('a-link', 'doc'))
      expect(await store.revocation('a-link')).toBeNull()
      const first = await store.revoke('a-link')
      expect(first.already).toBe(false)
      expect(first.revocation).toMatchObject({ id: 'a-link', kind: 'link' })
      const second = await store.revoke('a-link')
      expect(second).toEqual({ revocation: first.revocation, already: true })
      expect(await store.revocation('a-link')).toEqual(first.revocation)
      // The link itself is still there to read, for the record.
      expect(await store.link('a-link')).not.toBeNull()
    })

    it('revokes ids that are no recorded link as tokens', async () => {
      const { revocation } = await store.revoke('some-service-jti')
      expect(revocation.kind).toBe('token')
      expect(await store.revocation('some-service-jti')).toEqual(revocation)
      expect(await store.revocation('not-revoked')).toBeNull()
    })

    it('finds revocations by the time they were made', async () => {
      const before = new Date(Date.now() - 60_000)
      await store.revoke('one')
      await store.revoke('two')
      const since = await store.revocationsSince(before)
      expect(since.map((r) => r.id).sort()).toEqual(['one', 'two'])
      const last = since.at(-1) as { revokedAt: Date }
      expect(await store.revocationsSince(new Date(last.revokedAt.getTime() + 60_000))).toEqual([])
    })

    it("files links under their document's current name: a rename moves them, a link for an old name follows", async () => {
      await store.append([{ name: 'team/a', update: Uint8Array.of(1) }])
      await store.recordLink(link('before', 'team/a'))
      await store.recordLink(link('elsewhere', 'team/other'))

      await store.rename('team/a', 'team/b')
      expect(await store.link('before')).toEqual(link('before', 'team/b'))
      expect((await store.activeLinks('team/b', new Date())).map((l) => l.id)).toEqual(['before'])
      expect(await store.activeLinks('team/a', new Date())).toEqual([])
      expect(await store.link('elsewhere')).toEqual(link('elsewhere', 'team/other'))

      // Made for the old name after the rename: filed where that name leads.
      await store.recordLink(link('after', 'team/a', { createdAt: new Date(base.getTime() + 1000) }))
      expect(await store.link('after')).toMatchObject({ document: 'team/b' })
      await store.revoke('before')
      expect((await store.activeLinks('team/b', new Date())).map((l) => l.id)).toEqual(['after'])

      // Renamed back, and on along a chain: the links go along.
      await store.rename('team/b', 'team/a')
      await store.rename('team/a', 'team/c')
      expect((await store.activeLinks('team/c', new Date())).map((l) => l.id)).toEqual(['after'])
      expect(await store.link('before')).toMatchObject({ document: 'team/c' })
    })

    it('revokes and forgets the links of a purged document, in the trash or not, and no others', async () => {
      const update = Uint8Array.of(1)
      await store.append(['gone', 'binned', 'kept'].map((name) => ({ name, update })))
      await store.recordLink(link('of-gone', 'gone'))
      await store.recordLink(link('of-gone-revoked', 'gone'))
      const earlier = await store.revoke('of-gone-revoked')
      await store.recordLink(link('of-binned', 'binned'))
      await store.recordLink(link('of-kept', 'kept'))
      await store.trash('binned', null)

      expect(await store.purge('gone')).toBe(true)
      expect(await store.link('of-gone')).toBeNull()
      expect(await store.revocation('of-gone')).toMatchObject({ id: 'of-gone', kind: 'link' })
      expect(await store.revocation('of-gone-revoked')).toEqual(earlier.revocation)
      // A new document with the same name starts with no links.
      await store.append([{ name: 'gone', update }])
      expect(await store.activeLinks('gone', new Date())).toEqual([])

      expect(await store.purgeTrashed(new Date(Date.now() + hour))).toEqual(['binned'])
      expect(await store.link('of-binned')).toBeNull()
      expect(await store.revocation('of-binned')).toMatchObject({ id: 'of-binned', kind: 'link' })
      expect(await store.link('of-kept')).toEqual(link('of-kept', 'kept'))
      expect(await store.revocation('of-kept')).toBeNull()
    })

    it('drops the revocations of links that expired before a time, and keeps those of tokens of unknown expiry', async () => {
      const update = Uint8Array.of(1)
      await store.append(['doc', 'gone'].map((name) => ({ name, update })))
      await store.recordLink(link('expired', 'doc', { expiresAt: new Date(base.getTime() - 1000) }))
      await store.recordLink(link('expiring', 'doc'))
      await store.recordLink(link('later', 'doc', { expiresAt: new Date(base.getTime() + 2 * hour) }))
      await store.recordLink(link('of-purged', 'gone', { expiresAt: new Date(base.getTime() + hour / 2) }))
      for (const id of ['expired', 'expiring', 'later', 'some-service-jti']) await store.revoke(id)
      await store.purge('gone')
      const revoked = async () => (await store.revocationsSince(new Date(0))).map((r) => r.id).sort()
      expect(await revoked()).toEqual(['expired', 'expiring', 'later', 'of-purged', 'some-service-jti'])

      // Strictly before: a link expiring at the time given is kept.
      expect(await store.pruneRevocations(new Date(base.getTime() + hour))).toBe(2)
      expect(await revoked()).toEqual(['expiring', 'later', 'some-service-jti'])
      expect(await store.revocation('expired')).toBeNull()
      expect(await store.pruneRevocations(new Date(base.getTime() + hour))).toBe(0)
      // However late: a revoked token whose expiry the store never learned stays revoked.
      expect(await store.pruneRevocations(new Date(base.getTime() + 1000 * 24 * hour))).toBe(2)
      expect(await revoked()).toEqual(['some-service-jti'])
      // The links themselves stay on record.
      expect(await store.link('expired')).toEqual(
        link('expired', 'doc', { expiresAt: new Date(base.getTime() - 1000) }),
      )
    })

    it('keeps links and revocations across a close and reopen', async (context) => {
      if (!subject.reopen) return context.skip()
      await store.recordLink(link('kept', 'doc'))
      await store.recordLink(link('kept-and-revoked', 'doc'))
      const { revocation } = await store.revoke('kept-and-revoked')
      store = await subject.reopen()
      expect(await store.link('kept')).toEqual(link('kept', 'doc'))
      expect(await store.revocation('kept-and-revoked')).toEqual(revocation)
      expect((await store.activeLinks('doc', new Date())).map((l) => l.id)).toEqual(['kept'])
    })
  })
}
