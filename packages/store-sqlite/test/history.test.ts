/**
 * History in a real SQLite file: a paragraph deleted after a version was named is rebuilt from what the file
 * holds after compaction deleted the log and the server restarted, with the authors of its writing and deletion.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeSpans, SyncServer } from '@tandem/server'
import { DEFAULT_DATABASE_FILE, openSqliteStore } from '@tandem/store-sqlite'
import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

const alice = { key: 'user:alice', name: 'Alice', verified: true }
const bob = { key: 'user:bob', name: 'Bob', verified: true }
const paragraph = 'A paragraph that will be deleted.\n'

it('rebuilds a deleted paragraph from the SQLite file after compaction and a restart', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-history-'))
  dirs.push(dataDir)
  const options = { compactAfter: 1, commitDelay: 0 }
  const first = new SyncServer({ ...options, store: await openSqliteStore({ dataDir }) })
  await first.edit('doc', alice, (text) => text.insert(0, `Intro.\n${paragraph}End.`))
  await first.history('doc').nameVersion('before the cut', { id: 'user:alice', name: 'Alice', verified: true })
  await first.edit('doc', bob, (text) => text.delete(7, paragraph.length))
  expect(await first.close()).toBe(true)

  // The file alone: no log left, a snapshot that still holds the deleted text, spans naming who deleted it.
  const raw = new Database(join(dataDir, DEFAULT_DATABASE_FILE), { readonly: true })
  const row = raw
    .prepare('SELECT s.data AS snapshot, d.spans FROM documents d JOIN snapshots s USING (name) WHERE name = ?')
    .get('doc') as {
    snapshot: Buffer
    spans: Buffer
  }
  const logRows = raw.prepare('SELECT count(*) FROM updates').pluck().get()
  const version = raw.prepare('SELECT snapshot FROM versions WHERE name = ? AND id = 1').pluck().get('doc') as Buffer
  raw.close()
  expect(logRows).toBe(0)
  const doc = new Y.Doc({ gc: false })
  Y.applyUpdate(doc, row.snapshot)
  expect(doc.getText('content').toString()).toBe('Intro.\nEnd.')
  const then = Y.createDocFromSnapshot(doc, Y.decodeSnapshot(version))
  expect(then.getText('content').toString()).toBe(`Intro.\n${paragraph}End.`)
  const spans = decodeSpans(row.spans)
  expect(spans.map(({ author, inserted, deleted }) => [author?.id, inserted.length > 0, deleted.length > 0])).toEqual([
    ['user:alice', true, false],
    ['user:bob', false, true],
  ])

  const second = new SyncServer({ ...options, store: await openSqliteStore({ dataDir }) })
  try {
    const history = second.history('doc')
    expect(await history.textAt(1)).toBe(`Intro.\n${paragraph}End.`)
    expect(await history.diff(1, 'current')).toEqual([
      { type: 'same', text: 'Intro.\n', author: null },
      { type: 'deleted', text: paragraph, author: { id: 'user:bob', name: 'Bob', verified: true } },
      { type: 'same', text: 'End.', author: null },
    ])
    expect(await history.authorship()).toEqual([
      { type: 'same', text: 'Intro.\nEnd.', author: { id: 'user:alice', name: 'Alice', verified: true } },
    ])
  } finally {
    await second.close()
  }
})
