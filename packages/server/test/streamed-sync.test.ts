/**
 * The initial sync of a big document, in pieces (see state-pieces.ts): a newcomer gets the state as sync updates
 * of about 256 KiB, one at a time as the transport takes them, with loading progress when it asked for it, and a
 * sync step 2 with the rest at the end. A small document still goes in one message.
 */
import { encodeSyncStep1Message, readMessage } from '@tandem/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MemoryStore, SyncServer, type SyncSocket } from '../src/index.js'
import { PIECE_BYTES } from '../src/state-pieces.js'
import { MemoryClient, until } from './memory-transport.js'

const servers: SyncServer[] = []
const clients: MemoryClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await Promise.all(servers.splice(0).map((sync) => sync.close()))
})

/** 3 MiB of text: 55,189 sentences of 57 characters. */
const BIG = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(55_189)

async function client(sync: SyncServer, name: string, loading = true): Promise<MemoryClient> {
  const joined = new MemoryClient()
  clients.push(joined)
  await joined.connect(sync, name, { loading, saved: true })
  return joined
}

/** A server whose document `big` holds `text`, stored: every member present has been sent it. */
async function seeded(text: string, store = new MemoryStore()): Promise<SyncServer> {
  const sync = new SyncServer({ store, commitDelay: 5 })
  servers.push(sync)
  const writer = await client(sync, 'big')
  await until(() => writer.synced, 'the writer to sync')
  writer.type(text)
  await until(() => writer.savedCount === writer.sent, 'the text to be stored')
  return sync
}

/** A store that outlives the server using it, as a database does. */
class KeptStore extends MemoryStore {
  override async close(): Promise<void> {}
}

describe('a big document’s initial sync', () => {
  it('comes in pieces of about 256 KiB with progress, and ends with a sync step 2', async () => {
    const sync = await seeded(BIG)
    const newcomer = await client(sync, 'big')
    await until(() => newcomer.synced, 'the newcomer to sync', 30_000)
    expect(newcomer.text).toBe(BIG)
    // 3,145,773 bytes of text and a struct's 8 bytes, in pieces of 262,144.
    expect(newcomer.piecesBeforeSync).toBe(13)
    expect(newcomer.step2s).toBe(1)
    const total = BIG.length + 8
    expect(newcomer.progress[0]).toEqual([0, total])
    expect(newcomer.progress.at(-1)).toEqual([total, total])
    expect(newcomer.progress.map(([sent]) => sent)).toEqual([
      0,
      ...Array.from({ length: 12 }, (_, i) => (i + 1) * PIECE_BYTES),
      total,
    ])
  })

  it('gives a client that did not ask for progress the pieces alone', async () => {
    const sync = await seeded(BIG)
    const newcomer = await client(sync, 'big', false)
    await until(() => newcomer.synced, 'the newcomer to sync', 30_000)
    expect(newcomer.text).toBe(BIG)
    expect(newcomer.piecesBeforeSync).toBe(13)
    expect(newcomer.progress).toEqual([])
  })

  it('sends a document of 1 MiB or less in one message', async () => {
    const text = 'x'.repeat(1024 * 1024 - 64)
    const sync = await seeded(text)
    const newcomer = await client(sync, 'big')
    await until(() => newcomer.synced, 'the newcomer to sync')
    expect(newcomer.text).toBe(text)
    expect(newcomer.piecesBeforeSync).toBe(0)
    expect(newcomer.progress).toEqual([])
  })

  it('sends one piece at a time: the next only once the one before is on its way', async () => {
    const sync = await seeded(BIG)
    const frames: Uint8Array[] = []
    const waiting: (() => void)[] = []
    const socket: SyncSocket = {
      bufferedAmount: 0,
      send(data, sent) {
        frames.push(data.slice())
        if (sent) waiting.push(sent)
      },
      close() {},
      terminate() {},
    }
    const room = await sync.openRoom('big')
    const member = sync.connect(socket, room, { loading: true })
    member?.receive(encodeSyncStep1Message(Y.encodeStateVector(new Y.Doc())), true)
    const types = () => frames.map((frame) => readMessage(frame).type)
    expect(types()).toEqual(['sync-step-1', 'loading', 'sync-update'])
    expect(waiting.length).toBe(1)
    ;(waiting.shift() as () => void)()
    expect(types().slice(3)).toEqual(['loading', 'sync-update'])
    while (waiting.length > 0) (waiting.shift() as () => void)()
    expect(types().filter((type) => type === 'sync-update').length).toBe(13)
    expect(types().at(-1)).toBe('sync-step-2')
    const receiver = new Y.Doc()
    for (const frame of frames) {
      const message = readMessage(frame)
      if (message.type === 'sync-update' || message.type === 'sync-step-2') Y.applyUpdate(receiver, message.update)
    }
    expect(receiver.getText('content').toString()).toBe(BIG)
    member?.handleClosed()
  })

  it('brings a newcomer what others write while the pieces arrive, and answers a second request with its end', async () => {
    const sync = await seeded(BIG)
    const writer = clients[0] as MemoryClient
    const newcomer = await client(sync, 'big')
    await until(() => newcomer.piecesBeforeSync >= 2, 'the first pieces')
    writer.doc.getText('content').insert(10, 'EARLY ')
    writer.type(' THE END')
    writer.doc.getText('content').delete(0, 5)
    // As a client's heartbeat asks again, mid-stream.
    newcomer.sendRaw(encodeSyncStep1Message(Y.encodeStateVector(newcomer.doc)))
    await until(() => newcomer.synced, 'the newcomer to sync', 30_000)
    await until(() => newcomer.text === writer.text, 'the newcomer to hold the writer’s edits')
    expect(newcomer.text.startsWith(' ipsuEARLY m dolor')).toBe(true)
    expect(newcomer.text.endsWith('elit.  THE END')).toBe(true)
    expect(newcomer.step2s).toBe(1)
    expect(newcomer.doc.store.pendingStructs).toBeNull()
  })

  it('streams a document loaded from storage after a restart', async () => {
    const store = new KeptStore()
    const first = await seeded(BIG, store)
    await first.close()
    const sync = new SyncServer({ store, commitDelay: 5 })
    servers.push(sync)
    const newcomer = await client(sync, 'big')
    await until(() => newcomer.synced, 'the newcomer to sync', 30_000)
    expect(newcomer.text).toBe(BIG)
    expect(newcomer.piecesBeforeSync).toBe(13)
  })
})
