/**
 * The sync core's hooks, one by one, over the in-memory transport: what each is told, when, in what order, and
 * what an error in one ends.
 */
import { CloseCode } from '@tandem/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  AccessDenied,
  type ChangePayload,
  type ErrorKind,
  type Hooks,
  type Logger,
  MemoryStore,
  noMetrics,
  SyncServer,
  type SyncServerOptions,
} from '../src/index.js'
import { MemoryClient, storedText, until } from './memory-transport.js'

const servers: SyncServer[] = []
const clients: MemoryClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await Promise.all(servers.splice(0).map((sync) => sync.close()))
})

function server(options: SyncServerOptions & { hooks: Hooks[] }) {
  const errors: ErrorKind[] = []
  const logged: Record<string, unknown>[] = []
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error(fields) {
      logged.push(fields as Record<string, unknown>)
    },
  }
  const sync = new SyncServer({
    store: new MemoryStore(),
    commitDelay: 5,
    unloadDelay: 50,
    logger,
    metrics: { ...noMetrics, error: (kind) => errors.push(kind) },
    ...options,
  })
  servers.push(sync)
  return { sync, errors, logged }
}

async function join(sync: SyncServer, name: string, options: Parameters<MemoryClient['connect']>[2] = {}) {
  const client = new MemoryClient()
  clients.push(client)
  await client.connect(sync, name, options)
  await until(() => client.synced, `${name} to sync`)
  return client
}

describe('authenticate', () => {
  const sessions: Hooks = {
    authenticate({ headers }) {
      const cookie = headers.cookie
      if (cookie === 'session=ada') return { access: 'write', user: 'ada' }
      if (cookie === 'session=grace') return { access: 'read', user: 'grace' }
      throw new AccessDenied(401, 'sign in first')
    },
  }

  it('grants the access and identity a hook returns, and refuses with its reason', async () => {
    const { sync } = server({ hooks: [sessions] })
    const denied = new MemoryClient()
    clients.push(denied)
    await expect(denied.connect(sync, 'auth/doc')).rejects.toEqual(new AccessDenied(401, 'sign in first'))
    expect(sync.documentCount).toBe(0)

    const ada = await join(sync, 'auth/doc', { headers: { cookie: 'session=ada' } })
    const grace = await join(sync, 'auth/doc', { headers: { cookie: 'session=grace' } })
    expect(ada.member?.info.identity).toEqual({ key: 'user:ada', verified: true })
    expect(grace.member?.info).toMatchObject({ identity: { key: 'user:grace', verified: true }, readOnly: true })
    ada.type('from Ada')
    grace.type(' from Grace')
    await until(() => grace.text.includes('from Ada'), 'Grace to see Ada’s edit')
    await until(() => ada.text === 'from Ada' && sync.connectionCount === 2, 'the room to settle')
    expect(await sync.getText('auth/doc')).toBe('from Ada')
  })

  it('asks the entries in order until one decides; without a decision, write access by address', async () => {
    const asked: string[] = []
    const { sync } = server({
      hooks: [
        { authenticate: () => void asked.push('first') },
        {
          authenticate: ({ headers }) => {
            asked.push('second')
            return headers['x-reader'] ? { access: 'read' } : undefined
          },
        },
        { authenticate: () => void asked.push('third') },
      ],
    })
    const reader = await sync.authenticate({
      documentName: 'x',
      headers: { 'x-reader': '1' },
      query: new URLSearchParams(),
      ip: '10.1.1.1',
    })
    expect(reader).toMatchObject({ access: 'read', identity: { key: 'ip:10.1.1.1', verified: false } })
    expect(asked).toEqual(['first', 'second'])
    asked.length = 0
    const anyone = await sync.authenticate({
      documentName: 'x',
      headers: {},
      query: new URLSearchParams(),
      ip: '10.1.1.2',
    })
    expect(anyone).toEqual({ access: 'write', identity: { key: 'ip:10.1.1.2', verified: false } })
    expect(asked).toEqual(['first', 'second', 'third'])
  })

  it('a hook that throws something else refuses the request, logged and counted', async () => {
    const { sync, errors, logged } = server({
      hooks: [{ authenticate: () => Promise.reject(new Error('the session store is down')) }],
    })
    const client = new MemoryClient()
    clients.push(client)
    await expect(client.connect(sync, 'auth/broken')).rejects.toThrow('the session store is down')
    expect(errors).toEqual(['hook-failed'])
    expect(logged).toMatchObject([{ hook: 'authenticate', doc: 'auth/broken' }])
    expect(sync.documentCount).toBe(0)
  })
})

describe('load', () => {
  it('sees what storage holds before anyone is served, and may seed a new document', async () => {
    const seen: { name: string; stored: boolean; text: string }[] = []
    const { sync } = server({
      hooks: [
        {
          load({ documentName, document, stored }) {
            seen.push({ name: documentName, stored, text: document.getText('content').toString() })
            if (!stored) document.getText('content').insert(0, 'Welcome. ')
          },
        },
      ],
    })
    const first = await join(sync, 'load/new')
    expect(first.text).toBe('Welcome. ')
    first.type('Hello')
    await until(() => sync.documentCount === 1 && first.text === 'Welcome. Hello', 'the edit')
    first.destroy()
    await until(() => sync.documentCount === 0, 'the room to unload')

    const again = await join(sync, 'load/new')
    expect(again.text).toBe('Welcome. Hello')
    expect(seen).toEqual([
      { name: 'load/new', stored: false, text: '' },
      { name: 'load/new', stored: true, text: 'Welcome. Hello' },
    ])
  })

  it('a load hook that throws fails the load: nothing is served, and the next attempt loads again', async () => {
    let fail = true
    const { sync, errors } = server({
      hooks: [
        {
          load() {
            if (fail) throw new Error('the template service is down')
          },
        },
      ],
    })
    const client = new MemoryClient()
    clients.push(client)
    await expect(client.connect(sync, 'load/failing')).rejects.toThrow('a load hook failed')
    expect(errors).toEqual(['hook-failed', 'load-failed'])
    expect(sync.documentCount).toBe(0)
    fail = false
    await join(sync, 'load/failing')
    expect(sync.documentCount).toBe(1)
  })
})

describe('change and afterStore', () => {
  it('are told of every change with its number and member, and afterStore only once it is in storage', async () => {
    const store = new MemoryStore()
    const changes: ChangePayload[] = []
    const stored: { seq: number; text: string }[] = []
    const { sync } = server({
      store,
      hooks: [
        {
          change: (payload) => void changes.push(payload),
          async afterStore({ documentName, seq }) {
            stored.push({ seq, text: await storedText(store, documentName) })
          },
        },
      ],
    })
    const writer = await join(sync, 'change/doc')
    writer.type('one')
    await until(() => stored.length > 0, 'the first commit')
    writer.type(' two')
    await until(() => stored.at(-1)?.seq === 2, 'the second commit')

    expect(changes.map(({ documentName, seq, member }) => ({ documentName, seq, member: member?.id }))).toEqual([
      { documentName: 'change/doc', seq: 1, member: writer.member?.id },
      { documentName: 'change/doc', seq: 2, member: writer.member?.id },
    ])
    const replay = new Y.Doc()
    for (const { update } of changes) Y.applyUpdate(replay, update)
    expect(replay.getText('content').toString()).toBe('one two')
    // Each afterStore read storage: by then it held everything up to its number.
    expect(stored).toEqual([
      { seq: 1, text: 'one' },
      { seq: 2, text: 'one two' },
    ])
  })

  it('a change hook that throws is logged and counted; the change is relayed and stored all the same', async () => {
    const store = new MemoryStore()
    const { sync, errors, logged } = server({
      store,
      hooks: [
        {
          change() {
            throw new Error('the webhook endpoint is down')
          },
        },
      ],
    })
    const [writer, reader] = [await join(sync, 'change/failing'), await join(sync, 'change/failing')]
    writer.type('kept')
    await until(() => reader.text === 'kept', 'the reader to see the change')
    await until(async () => (await storedText(store, 'change/failing')) === 'kept', 'the change to be stored')
    await until(() => errors.length > 0, 'the failure to be counted')
    expect(errors).toEqual(['hook-failed'])
    expect(logged).toMatchObject([{ hook: 'change', doc: 'change/failing', connection: writer.member?.id }])
    expect(writer.closed).toBeNull()
  })
})

describe('connect and disconnect', () => {
  it('come before and after the member’s changes, in order', async () => {
    const events: string[] = []
    const { sync } = server({
      hooks: [
        {
          connect: ({ member }) => void events.push(`connect ${member.id}`),
          change: ({ member }) => void events.push(`change ${member?.id}`),
          disconnect: ({ documentName, member }) => void events.push(`disconnect ${member.id} ${documentName}`),
        },
      ],
    })
    const client = await join(sync, 'members/doc')
    const id = client.member?.id
    client.type('x')
    await until(() => events.length === 2, 'the change hook')
    client.disconnect()
    await until(() => events.length === 3, 'the disconnect hook')
    expect(events).toEqual([`connect ${id}`, `change ${id}`, `disconnect ${id} members/doc`])
  })

  it('a connect hook that throws closes that connection only, with 1011', async () => {
    const { sync } = server({
      hooks: [
        {
          connect({ member }) {
            if (member.identity.key === 'ip:10.6.6.6') throw new Error('banned')
          },
        },
      ],
    })
    const welcome = await join(sync, 'members/ban')
    const banned = new MemoryClient()
    clients.push(banned)
    await banned.connect(sync, 'members/ban', { ip: '10.6.6.6' })
    await until(() => banned.closed !== null, 'the banned client to be closed')
    expect(banned.closed).toEqual({
      code: CloseCode.internalError,
      reason: 'the server could not admit the connection',
    })
    welcome.type('still here')
    await until(() => sync.connectionCount === 1, 'the banned member to leave')
    expect(welcome.closed).toBeNull()
    expect(await sync.getText('members/ban')).toBe('still here')
  })
})

describe('beforeUnload', () => {
  it('sees the whole document once it is stored and no one is left, and the room unloads even if it throws', async () => {
    const store = new MemoryStore()
    const seen: { text: string; stored: string; members: number }[] = []
    const { sync, errors } = server({
      store,
      hooks: [
        {
          async beforeUnload({ documentName, document }) {
            seen.push({
              text: document.getText('content').toString(),
              stored: await storedText(store, documentName),
              members: sync.connectionCount,
            })
            throw new Error('the search index is down')
          },
        },
      ],
    })
    const client = await join(sync, 'unload/doc')
    client.type('last words')
    await until(() => sync.documentCount === 1 && client.text === 'last words', 'the edit')
    client.disconnect()
    await until(() => sync.documentCount === 0, 'the room to unload')
    expect(seen).toEqual([{ text: 'last words', stored: 'last words', members: 0 }])
    expect(errors).toEqual(['hook-failed'])
  })
})
