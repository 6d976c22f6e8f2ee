/**
 * Upgrades: a data directory written by each released schema version (test/fixtures/schema-v<N>, made by
 * make-fixture.ts) opens with today's store, which migrates it, and every document reads back exactly.
 */
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_DATABASE_FILE, openSqliteStore, SCHEMA_VERSION } from '@tandem/store-sqlite'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const versions = (await readdir(fixtures))
  .map((entry) => /^schema-v(\d+)$/.exec(entry)?.[1])
  .filter((version) => version !== undefined)
  .map(Number)
  .sort((a, b) => a - b)

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

describe('upgrading a data directory', () => {
  it('keeps a fixture written by the current schema version', () => {
    // When a migration raises SCHEMA_VERSION, run make-fixture.ts to add the new version's fixture.
    expect(versions).toContain(SCHEMA_VERSION)
  })

  it.each(versions)(
    'opens the data directory of schema version %i and reads every document exactly',
    async (version) => {
      // The committed file is never opened in place: opening switches it to WAL and migrates it.
      const dataDir = await mkdtemp(join(tmpdir(), `tandem-upgrade-v${version}-`))
      dirs.push(dataDir)
      await copyFile(join(fixtures, `schema-v${version}`, DEFAULT_DATABASE_FILE), join(dataDir, DEFAULT_DATABASE_FILE))
      const raw = new Database(join(dataDir, DEFAULT_DATABASE_FILE), { readonly: true })
      expect(raw.pragma('user_version', { simple: true })).toBe(version)
      raw.close()

      const store = await openSqliteStore({ dataDir })
      try {
        expect((await store.settings()).schemaVersion).toBe(SCHEMA_VERSION)
        expect((await store.list()).map((info) => info.name)).toEqual(['notes/welcome', 'team/plan', 'ünïcode 名前'])
        const texts: Record<string, string> = {}
        for (const name of ['notes/welcome', 'team/plan', 'ünïcode 名前']) {
          const stored = await store.load(name)
          const doc = new Y.Doc()
          for (const update of [...(stored?.snapshot ? [stored.snapshot] : []), ...(stored?.updates ?? [])]) {
            Y.applyUpdate(doc, update)
          }
          texts[name] = doc.getText('content').toString()
        }
        expect(texts).toEqual({
          'notes/welcome': 'Welcome to Tandem.\nSecond line.',
          'team/plan': 'Plan:\n- ship backups\n- test upgrades\n',
          'ünïcode 名前': 'Grüße, 世界 👋',
        })
        expect(((await store.load('team/plan'))?.updates ?? []).length).toBe(1)
        expect((await store.quarantined('team/plan')).map(({ update, reason }) => ({ update, reason }))).toEqual([
          { update: Uint8Array.of(0, 1, 2), reason: 'fixture: bytes that did not load' },
        ])
        if (version >= 3) {
          expect(await store.resolve('notes/hello')).toBe('notes/welcome')
          expect(await store.info('team/plan')).toMatchObject({
            title: 'Title of team/plan',
            updatedBy: { id: 'user:fixture', name: 'Fixture', verified: true },
          })
          expect((await store.list({ trashed: true })).map(({ name, deletedBy }) => ({ name, deletedBy }))).toEqual([
            { name: 'trash/gone', deletedBy: { id: 'ip:192.0.2.1', name: null, verified: false } },
          ])
        } else {
          // An older database opens with no titles, old names or trash.
          expect(await store.info('team/plan')).toMatchObject({ title: null, updatedBy: null, deletedAt: null })
          expect(await store.list({ trashed: true })).toEqual([])
        }
        const fixture = { id: 'user:fixture', name: 'Fixture', verified: true }
        if (version >= 6) {
          const nine = (minute: number) => new Date(Date.UTC(2026, 0, 5, 9, minute))
          expect((await store.loadHistory('team/plan'))?.changes.map(({ author, at }) => ({ author, at }))).toEqual([
            { author: fixture, at: nine(2) },
          ])
          expect((await store.loadHistory('notes/welcome'))?.spans).toEqual([
            {
              author: fixture,
              from: nine(0),
              to: nine(1),
              inserted: [{ client: 1, clock: 0, length: 31 }],
              deleted: [],
            },
          ])
          expect(await store.versions('team/plan')).toEqual([
            {
              id: 1,
              kind: 'named',
              label: 'fixture version',
              by: fixture,
              at: new Date(Date.UTC(2026, 0, 5, 10, 0)),
              authors: [fixture],
              inserted: 37,
              deleted: 0,
              restoredFrom: null,
            },
          ])
        } else {
          // An older database opens with no history: its log rows take their document's time, without an author.
          expect((await store.loadHistory('team/plan'))?.changes.map(({ author }) => author)).toEqual([null])
          expect(await store.versions('team/plan')).toEqual([])
        }
      } finally {
        await store.close()
      }
    },
  )
})
