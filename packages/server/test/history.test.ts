/**
 * History over the in-memory transport: changes keep their authors (the name a person chose, unverified, when
 * there is no access control) through compaction, versions are taken after a pause and by name, diffs and
 * authorship name who wrote and deleted what, and a restore brings deleted text back for everyone as an
 * ordinary change that is itself a version.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryStore, SyncServer } from '../src/index.js'
import { GatedStore, MemoryClient, until } from './memory-transport.js'

const servers: SyncServer[] = []
const clients: MemoryClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await Promise.all(servers.splice(0).map((sync) => sync.close()))
})

const ann = { id: 'ip:10.0.0.1', name: 'Ann', verified: false }
const ben = { id: 'ip:10.0.0.2', name: 'Ben', verified: false }

async function join(sync: SyncServer, name: string, ip: string, person: string) {
  const client = new MemoryClient()
  clients.push(client)
  await client.connect(sync, name, { ip, saved: true })
  await until(() => client.synced, `${person} to sync`)
  client.awareness.setLocalStateField('user', { name: person })
  // Their chosen name has reached the server before they type.
  await until(() => client.member?.awarenessIds.has(client.doc.clientID) ?? false, `${person}'s presence`)
  return client
}

async function savedBy(client: MemoryClient) {
  await until(() => client.savedCount >= client.sent, 'the changes to be saved')
}

describe('history', () => {
  it('keeps authors through compaction, diffs and attributes by author, and restores for everyone', async () => {
    const store = new MemoryStore()
    // A compaction after every few entries: authors must come back from the folded spans.
    const sync = new SyncServer({ store, compactAfter: 2, commitDelay: 0 })
    servers.push(sync)
    const first = await join(sync, 'doc', '10.0.0.1', 'Ann')
    const second = await join(sync, 'doc', '10.0.0.2', 'Ben')

    first.type('Hello from Ann. ')
    await savedBy(first)
    await until(() => second.text === 'Hello from Ann. ', 'Ben to see Ann')
    second.type('Ben agrees.')
    await savedBy(second)
    const history = sync.history('doc')
    const named = await history.nameVersion(' both wrote ', ann)
    expect(named).toMatchObject({ id: 1, kind: 'named', label: 'both wrote', by: ann, inserted: 27, deleted: 0 })
    expect(named.authors).toEqual([ann, ben])

    // Ben deletes everything.
    await until(() => second.text === 'Hello from Ann. Ben agrees.', 'Ben to have all')
    second.doc.getText('content').delete(0, second.text.length)
    await savedBy(second)
    await until(() => first.text === '', 'Ann to see the text gone')
    expect((await store.loadHistory('doc'))?.changes.length).toBeLessThan(2)

    expect(await history.textAt(1)).toBe('Hello from Ann. Ben agrees.')
    expect(await history.diff(1, 'current')).toEqual([
      { type: 'deleted', text: 'Hello from Ann. Ben agrees.', author: ben },
    ])
    expect(await history.diff('current', 1)).toEqual([
      { type: 'inserted', text: 'Hello from Ann. ', author: ann },
      { type: 'inserted', text: 'Ben agrees.', author: ben },
    ])

    const restored = await history.restore(1, { key: 'user:carla', name: 'Carla', verified: true })
    const carla = { id: 'user:carla', name: 'Carla', verified: true }
    await until(() => first.text === 'Hello from Ann. Ben agrees.', 'Ann to get the text back')
    await until(() => second.text === 'Hello from Ann. Ben agrees.', 'Ben to get the text back')
    // Since version 1: Ben deleted it all, the restore put it back.
    // Since version 1: Ben deleted it all, the restore put back Ann's and Ben's words as theirs.
    expect(restored).toMatchObject({ id: 2, kind: 'restore', by: carla, restoredFrom: 1, inserted: 27, deleted: 27 })
    expect(restored.authors).toEqual([ben, ann])
    expect((await history.versions()).map(({ id, kind }) => [id, kind])).toEqual([
      [1, 'named'],
      [2, 'restore'],
    ])
    expect(await history.authorship()).toEqual([
      { type: 'same', text: 'Hello from Ann. ', author: ann },
      { type: 'same', text: 'Ben agrees.', author: ben },
    ])
    expect(await history.diff(1, 2)).toEqual([
      { type: 'deleted', text: 'Hello from Ann. Ben agrees.', author: ben },
      { type: 'inserted', text: 'Hello from Ann. ', author: ann },
      { type: 'inserted', text: 'Ben agrees.', author: ben },
    ])

    // Ben types into the restored text; authorship names each person's part.
    await until(() => second.text === 'Hello from Ann. Ben agrees.', 'Ben to have the restored text')
    second.doc.getText('content').insert(5, ', hi,')
    await savedBy(second)
    expect(await history.authorship()).toEqual([
      { type: 'same', text: 'Hello', author: ann },
      { type: 'same', text: ', hi,', author: ben },
      { type: 'same', text: ' from Ann. ', author: ann },
      { type: 'same', text: 'Ben agrees.', author: ben },
    ])
    await expect(history.textAt(9)).rejects.toThrow('The document "doc" has no version 9; list its versions')
    await expect(history.nameVersion('  ', ann)).rejects.toThrow('A version needs a name: pass a non-empty label.')
  })

  it("restores each person's words as theirs, in one update to everyone editing, and names the restorer", async () => {
    const store = new MemoryStore()
    const heard: (string | null)[] = []
    const sync = new SyncServer({
      store,
      commitDelay: 0,
      hooks: [{ change: ({ member, author }) => void (member ? null : heard.push(author?.name ?? null)) }],
    })
    servers.push(sync)
    const alice = await join(sync, 'three', '10.0.0.1', 'Alice')
    const bob = await join(sync, 'three', '10.0.0.2', 'Bob')
    const carol = await join(sync, 'three', '10.0.0.3', 'Carol')
    const aliceAuthor = { id: 'ip:10.0.0.1', name: 'Alice', verified: false }
    const bobAuthor = { id: 'ip:10.0.0.2', name: 'Bob', verified: false }
    const carolAuthor = { id: 'ip:10.0.0.3', name: 'Carol', verified: false }
    // They take turns: Alice, Carol, Alice, Carol.
    const turns = [
      [alice, 'Alice opens. '],
      [carol, 'Carol answers. '],
      [alice, 'Alice agrees.'],
      [carol, ' Carol closes.'],
    ] as const
    let all = ''
    for (const [writer, words] of turns) {
      await until(() => writer.text === all, 'the writer to have the text so far')
      writer.type(words)
      all += words
      await savedBy(writer)
    }
    const history = sync.history('three')
    const before = await history.nameVersion('all three', aliceAuthor)

    // Bob replaces all but Carol's last words: only "Oops" and what it replaced differ from the version.
    await until(() => bob.text === all, 'Bob to have all')
    const bobText = bob.doc.getText('content')
    bob.doc.transact(() => {
      bobText.delete(0, all.length - ' Carol closes.'.length)
      bobText.insert(0, 'Oops')
    })
    await savedBy(bob)
    const oops = 'Oops Carol closes.'
    await until(() => alice.text === oops && carol.text === oops, "Bob's text to reach Alice and Carol")
    const deleted = await history.nameVersion('gone', bobAuthor)

    let updatesToCarol = 0
    carol.doc.on('update', () => updatesToCarol++)
    const restored = await history.restore(before.id, { key: 'ip:10.0.0.1', name: 'Alice', verified: false })
    for (const [client, person] of [
      [alice, 'Alice'],
      [bob, 'Bob'],
      [carol, 'Carol'],
    ] as const) {
      await until(() => client.text === all, `${person} to get the text back`)
    }
    // The restore reached Carol as one update, though history credits its parts to two people.
    expect(updatesToCarol).toBe(1)
    const byAuthor = turns.map(([writer, text]) => ({
      type: 'same',
      text,
      author: writer === alice ? aliceAuthor : carolAuthor,
    }))
    expect(await history.authorship()).toEqual(byAuthor)
    expect(await history.authorshipAt(before.id)).toEqual(byAuthor)
    const putBack = all.length - ' Carol closes.'.length
    expect(restored).toMatchObject({ kind: 'restore', by: aliceAuthor, restoredFrom: before.id, inserted: putBack })
    expect(restored.authors).toEqual([aliceAuthor, carolAuthor])
    // What the restore deleted, Bob's "Oops", is the restorer's doing; Carol's last words were never gone.
    expect(await history.diff(deleted.id, restored.id)).toEqual([
      { type: 'deleted', text: 'Oops', author: aliceAuthor },
      ...byAuthor.slice(0, 3).map((range) => ({ ...range, type: 'inserted' })),
      { type: 'same', text: ' Carol closes.', author: null },
    ])
    // The hooks hear the restore as Alice's, the person who made it: her deletion, then one part per writer.
    await until(() => heard.length >= 3, 'the hooks to hear the restore')
    expect(heard).toEqual(['Alice', 'Alice', 'Alice'])
  })

  it("restores text nobody is known for as nobody's, not the restorer's", async () => {
    const store = new MemoryStore()
    // Text stored before history was kept: no change names its author.
    const imported = new Y.Doc({ gc: false })
    imported.getText('content').insert(0, 'Imported. ')
    await store.create('old', Y.encodeStateAsUpdate(imported), { title: null, author: null })
    const sync = new SyncServer({ store, commitDelay: 0 })
    servers.push(sync)
    await sync.edit('old', { key: ann.id, name: 'Ann', verified: false }, (text) => text.insert(10, 'Ann adds.'))
    const history = sync.history('old')
    const before = await history.nameVersion('both', ann)
    await sync.edit('old', { key: ben.id, name: 'Ben', verified: false }, (text) => text.delete(0, text.length))
    const restored = await history.restore(before.id, { key: ben.id, name: 'Ben', verified: false })
    expect(await history.authorship()).toEqual([
      { type: 'same', text: 'Imported. ', author: null },
      { type: 'same', text: 'Ann adds.', author: ann },
    ])
    expect(restored).toMatchObject({ by: ben, authors: [ben, ann], inserted: 19, deleted: 19 })
  })

  it('compacts to what storage holds, never to an update still waiting for its own commit', async () => {
    // Appends held, as a slow disk or database holds them: a crash while one is held.
    const store = new GatedStore()
    const sync = new SyncServer({ store, compactAfter: 1, commitDelay: 0 })
    servers.push(sync)
    const first = await join(sync, 'doc', '10.0.0.1', 'Ann')
    const second = await join(sync, 'doc', '10.0.0.2', 'Ben')
    first.type('First. ')
    await savedBy(first)

    store.hold()
    first.type('Second. ')
    const arrived = store.arrived + 1
    await until(() => store.waiting === 1 && store.arrived === arrived, 'the commit of "Second." to wait in the store')
    // While that commit runs, "Third." arrives: the server has it (Ben sees it), its commit comes next.
    first.type('Third.')
    await until(() => second.text === 'First. Second. Third.', 'Ben to see "Third."')
    // Lets the commit of "Second." through, and holds the next one.
    store.open()
    store.hold()
    // "Second." is stored and its document compacted; the commit of "Third." waits. A crash now keeps what storage
    // holds: the compaction must not have put "Third." there without its log entry, which says who wrote it.
    await until(
      () => store.waiting === 1 && store.arrived === arrived + 1,
      'the commit of "Third." to wait in the store',
    )
    const stored = await store.load('doc')
    const doc = new Y.Doc()
    for (const update of [stored?.snapshot, ...(stored?.updates ?? [])]) if (update) Y.applyUpdate(doc, update)
    expect(doc.getText('content').toString()).toBe('First. Second. ')
    doc.destroy()

    store.open()
    await savedBy(first)
    const authorship = await sync.history('doc').authorship()
    expect(authorship).toEqual([{ type: 'same', text: 'First. Second. Third.', author: ann }])
  })

  it('takes an automatic version once editing pauses, once, and counts what changed', async () => {
    const store = new MemoryStore()
    const sync = new SyncServer({ store, commitDelay: 0, versionPause: 100, maxVersionInterval: 60_000 })
    servers.push(sync)
    const client = await join(sync, 'auto', '10.0.0.1', 'Ann')
    client.type('one ')
    client.type('two')
    await savedBy(client)

    await until(async () => (await store.versions('auto')).length === 1, 'an automatic version')
    const [version] = await store.versions('auto')
    expect(version).toMatchObject({ id: 1, kind: 'auto', by: null, authors: [ann], inserted: 7, deleted: 0 })
    expect(await sync.history('auto').textAt(1)).toBe('one two')
    // Another instance deciding on the same changes stores nothing: a version exists since the latest change.
    expect(await sync.history('auto').autoVersion(version!.at)).toBeNull()

    client.doc.getText('content').delete(0, 4)
    await savedBy(client)
    await until(async () => (await store.versions('auto')).length === 2, 'a second automatic version')
    expect((await store.versions('auto'))[1]).toMatchObject({ id: 2, authors: [ann], inserted: 0, deleted: 4 })
  })

  it('keeps no history when asked not to', () => {
    const sync = new SyncServer({ keepHistory: false })
    servers.push(sync)
    expect(() => sync.history('doc')).toThrow('This server keeps no history')
  })
})
