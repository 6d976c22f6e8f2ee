import { type PostgresServer, startPostgres } from '@tandem/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openPostgresStore, type PostgresStore } from './index.js'

// A durable server: fsync on (the default). The WAL writer is slowed to 10 s so that a commit PostgreSQL does not
// flush itself (synchronous_commit = off) is still only in memory when the crash comes, as it would be under load.
let server: PostgresServer
beforeAll(async () => {
  server = await startPostgres({ settings: { wal_writer_delay: '10s' } })
})
afterAll(async () => {
  await server?.stop()
})

describe('PostgresStore durability', () => {
  const opened: PostgresStore[] = []

  async function open(url: string): Promise<PostgresStore> {
    const store = await openPostgresStore({ url })
    opened.push(store)
    return store
  }

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
  })

  it('keeps what append and compact resolved for through a crash of PostgreSQL, even in a database set to synchronous_commit = off', async () => {
    const url = await server.createDatabase('lazy_commits')
    const admin = new pg.Client(url)
    await admin.connect()
    await admin.query('ALTER DATABASE lazy_commits SET synchronous_commit = off')
    await admin.end()
    const store = await open(url)
    expect(await store.settings()).toMatchObject({ synchronousCommit: 'off', fsync: 'on' })

    const writer = new Y.Doc()
    writer.getText('content').insert(0, 'compacted')
    const state = Y.encodeStateAsUpdate(writer)
    await store.compact('doc', state)
    const updates: Uint8Array[] = []
    writer.on('update', (update: Uint8Array) => updates.push(update))
    writer.getText('content').insert(0, 'appended, ')
    await store.append(updates.map((update) => ({ name: 'doc', update })))

    await server.crash()
    await server.restart()

    const reopened = await open(url)
    expect(await reopened.load('doc')).toEqual({ snapshot: state, updates })
    // The store that was open during the crash serves calls again: the pool replaced its dead connections.
    await store.append([{ name: 'after', update: Uint8Array.of(1) }])
    expect((await store.list()).map(({ name, size }) => [name, size])).toEqual([
      ['after', 1],
      ['doc', state.byteLength + updates[0]!.byteLength],
    ])
  })
})
