/**
 * Hostile writers against the real server process: anyone who may write (anyone, under `--auth none`) sends a
 * few bytes meant to do lasting harm. Each attack is refused with a named close code, and `underAttack` holds the
 * server to what every attack must leave intact: other rooms keep relaying, `/healthz` answers, memory stays
 * bounded, the process lives, and after a restart every document loads with the text it had before.
 */
import type { Socket } from 'node:net'
import { isDeepStrictEqual } from 'node:util'
import {
  CloseCode,
  encodeAwarenessMessage,
  encodeQueryAwarenessMessage,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  readMessage,
  writeAwarenessEntries,
} from '@tandem/protocol'
import { openSqliteStore, type SqliteStore } from '@tandem/store-sqlite'
import {
  type ClientOptions,
  mintToken,
  type RawClient,
  startTandem,
  type TandemProcess,
  type TestClient,
  useTestClients,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { logLines, readMetric } from './support/probes.js'
import {
  type AttackerEnd,
  documentApi,
  mentionsClients,
  stateVectorNames,
  textAt,
  type UnderAttackOptions,
  underAttack,
  writeUpdate,
} from './support/under-attack.js'

const KiB = 1024
const MiB = 1024 * KiB
const BAD_MESSAGE_LOG = 'closing a connection that sent a bad message'
/** Flags every server here runs with: the tests open many connections and documents from one address. */
const OPEN_LIMITS = ['--max-connections-per-minute', '1000000', '--max-docs-per-ip', '1000000']
/** A client id no real client has, for hand-made updates: below 2^28, so it is 4 bytes as a varUint. */
const MADE_UP = 0x0badcafe

const { connect, openRaw, closeAll } = useTestClients()

let server: TandemProcess
beforeAll(async () => {
  server = await startTandem({ args: OPEN_LIMITS })
})
afterAll(async () => {
  await server?.dispose()
})

/** The `underAttack` options every test here shares. */
function attackOn(prefix: string, rest: Omit<UnderAttackOptions, 'prefix' | 'disconnect'>): UnderAttackOptions {
  return { prefix, disconnect: closeAll, ...rest }
}

/**
 * The options of an attack whose update is refused with 4422: nothing of the made-up `clients` is relayed to the
 * room, sent to a newcomer or stored. `more` adds checks before the restart.
 */
function refusedUpdate(
  prefix: string,
  { person, observer, clients }: { person: TestClient; observer: RawClient; clients: ReadonlySet<number> },
  more: () => Promise<void> = async () => {},
): UnderAttackOptions {
  const room = `${prefix}/room`
  return attackOn(prefix, {
    attackerEnd: CloseCode.updateRefused,
    beforeRestart: async () => {
      await expectNothingRelayed(observer, person, clients)
      expect(await newcomerSees(room, clients)).toEqual({ inStateVector: false, inDocument: false })
      await more()
    },
    inStorage: async (store) => expect(await storedMentions(store, room, clients)).toBe(false),
  })
}

/** A person (a stock client) who typed `text` into `room`, once the server has stored it. */
async function personIn(room: string, text: string, options: ClientOptions = {}, on = server): Promise<TestClient> {
  const person = connect(on.url, room, options)
  await person.synced()
  person.text.insert(0, text)
  const api = documentApi(on, options.params?.token)
  await waitFor(
    async () => (await api.list()).some((doc) => doc.name === room) && (await api.text(room)).body === text,
    `${room} to be stored`,
  )
  return person
}

/** A raw connection to `room` that synced like a client, and keeps every frame the server sends it. */
async function observerOf(room: string): Promise<RawClient> {
  const raw = await openRaw(server.url, room)
  raw.send(encodeSyncStep1Message(new Uint8Array([0])))
  await raw.nextMessage('sync-step-2')
  return raw
}

/**
 * Checks that `observer` was relayed nothing of `clients`: the person then changes the document (outside its
 * text), and once the observer has that change, everything relayed before it has arrived too.
 */
async function expectNothingRelayed(observer: RawClient, person: TestClient, clients: ReadonlySet<number>) {
  const marker = `relayed after the attack ${Math.random()}`
  person.doc.getMap('checks').set('marker', marker)
  await observer.next((frame) => Buffer.from(frame).includes(marker))
  const relayed = observer.received.flatMap((frame) => {
    const message = readMessage(frame)
    return message.type === 'sync-step-2' || message.type === 'sync-update' ? [message.update] : []
  })
  expect(
    relayed.filter((update) => mentionsClients(update, clients)),
    'updates relayed of the attack',
  ).toEqual([])
}

/** What a newcomer to `room` is sent of `clients`: in the server's state vector, and in the whole document. */
async function newcomerSees(room: string, clients: ReadonlySet<number>) {
  const raw = await openRaw(server.url, room)
  const { stateVector } = await raw.nextMessage('sync-step-1')
  raw.send(encodeSyncStep1Message(new Uint8Array([0])))
  const { update } = await raw.nextMessage('sync-step-2')
  raw.ws.terminate()
  return {
    inStateVector: stateVectorNames(stateVector, clients),
    inDocument: mentionsClients(update, clients),
  }
}

/** Whether what storage holds for `room` has structs or deletions of `clients`. */
async function storedMentions(store: SqliteStore, room: string, clients: ReadonlySet<number>): Promise<boolean> {
  const stored = await store.load(room)
  const parts = stored ? [...(stored.snapshot ? [stored.snapshot] : []), ...stored.updates] : []
  return parts.some((part) => mentionsClients(part, clients))
}

/** Sends `frames` in one write, so that the server reads them in one event-loop turn. */
function sendTogether(raw: RawClient, frames: readonly Uint8Array[]): void {
  const socket = (raw.ws as unknown as { _socket: Socket })._socket
  socket.cork()
  for (const frame of frames) raw.send(frame)
  process.nextTick(() => socket.uncork())
}

/** Resolves once the server has handled everything `raw` sent so far (or has closed it). */
async function handled(raw: RawClient): Promise<void> {
  const seen = raw.received.length
  raw.send(encodeQueryAwarenessMessage())
  await Promise.race([
    raw.next((frame) => readMessage(frame).type === 'awareness' && raw.received.indexOf(frame) >= seen, 20_000),
    raw.closed,
  ])
}

const errors = (kind: string, on = server) => readMetric(on.httpUrl, 'tandem_errors_total', { kind })

/** The warnings about refused messages on `room`, as code, reason and the type of the connection id. */
function refusalLogged(room: string) {
  return logLines(server.logs, { msg: BAD_MESSAGE_LOG, doc: room }).map(({ code, reason, connection }) => ({
    code,
    reason,
    connection: typeof connection,
  }))
}

describe('an update past the clock bounds', () => {
  const clock = 2 ** 53 - 5
  const other = MADE_UP + 1
  /** Garbage-collected ranges that take the client's clock past 2^60: no client can read the update back. */
  const past2to60 = writeUpdate([{ client: MADE_UP, clock: 0, structs: [{ gc: 2 ** 53 + 10 }, { gc: 2 ** 60 }] }])
  const variants: [string, Uint8Array[], RegExp][] = [
    ['a text struct at clock 2^53 - 5 (29 bytes)', [encodeUpdateMessage(textAt(MADE_UP, clock, 'abc'))], /clock/i],
    ['a text struct at clock 2^53 + 10', [encodeUpdateMessage(textAt(MADE_UP, 2 ** 53 + 10, 'abc'))], /clock/i],
    ['a text struct at clock 2^41', [encodeUpdateMessage(textAt(MADE_UP, 2 ** 41, 'abc'))], /clock/i],
    [
      "a left origin's clock at 2^53 - 5",
      [
        encodeUpdateMessage(
          writeUpdate([{ client: MADE_UP, clock: 0, structs: [{ text: 'a', after: { client: other, clock } }] }]),
        ),
      ],
      /clock/i,
    ],
    [
      'a delete range at clock 2^53 - 5',
      [encodeUpdateMessage(writeUpdate([], [{ client: MADE_UP, clock, length: 3 }]))],
      /clock/i,
    ],
    [
      'a text struct at clock 2^53 - 5, in a sync step 2',
      [encodeSyncStep2Message(textAt(MADE_UP, clock, 'abc'))],
      /clock/i,
    ],
    ['garbage-collected ranges that reach 2^60', [encodeUpdateMessage(past2to60)], /clock/i],
    [
      'garbage-collected ranges that reach 2^60 and a second update, in one event-loop turn',
      [encodeUpdateMessage(past2to60), encodeUpdateMessage(textAt(other, 0, 'abc'))],
      /clock/i,
    ],
    ['a client id past 2^53 - 1', [encodeUpdateMessage(textAt(2 ** 53 + 10, 0, 'abc'))], /client/i],
  ]

  it.each(variants.map((variant, index) => [index, ...variant] as const))(
    '#%i is refused with 4422 and nothing of it is applied, relayed or stored: %s',
    async (index, _label, frames, reason) => {
      const prefix = `clock-${index}`
      const room = `${prefix}/room`
      const clients = new Set([MADE_UP, other, 2 ** 53 + 10])
      const person = await personIn(room, 'what a person wrote\n')
      const observer = await observerOf(room)
      const refusedBefore = await errors('update-refused')

      const report = await underAttack(
        server,
        refusedUpdate(prefix, { person, observer, clients }, async () => {
          expect(await errors('update-refused')).toBe(refusedBefore + 1)
        }),
        async () => {
          const attacker = await openRaw(server.url, room)
          sendTogether(attacker, frames)
          return [attacker]
        },
      )
      expect(report.ends).toEqual([{ code: CloseCode.updateRefused, reason: expect.stringMatching(reason) }])
      expect(refusalLogged(room)).toEqual([
        { code: CloseCode.updateRefused, reason: expect.stringMatching(reason), connection: 'number' },
      ])
    },
  )
})

describe('an update dense with clients or structs', () => {
  const firstClient = 1_000_000
  /** One garbage-collected struct for each of `count` made-up clients: 7 bytes a client. */
  const oneStructEach = (count: number) =>
    writeUpdate(Array.from({ length: count }, (_, i) => ({ client: firstClient + i, clock: 0, structs: [{ gc: 1 }] })))
  const variants: [string, () => Uint8Array, number, RegExp][] = [
    ['300,000 clients in 2 MiB', () => oneStructEach(300_000), 300_000, /client/i],
    ['20,000 clients', () => oneStructEach(20_000), 20_000, /client/i],
    ['1,001 clients', () => oneStructEach(1001), 1001, /client/i],
    [
      '50,001 structs of one client',
      () =>
        writeUpdate([{ client: firstClient, clock: 0, structs: Array.from({ length: 50_001 }, () => ({ gc: 1 })) }]),
      1,
      /struct/i,
    ],
  ]

  it.each(variants.map((variant, index) => [index, ...variant] as const))(
    '#%i is refused with 4422 and nothing of it is applied, relayed or stored: %s',
    async (index, _label, make, clientCount, reason) => {
      const prefix = `dense-${index}`
      const room = `${prefix}/room`
      const update = make()
      const clients = new Set(Array.from({ length: clientCount }, (_, i) => firstClient + i))
      const person = await personIn(room, 'what a person wrote\n')
      const observer = await observerOf(room)

      const report = await underAttack(server, refusedUpdate(prefix, { person, observer, clients }), async () => {
        const attacker = await openRaw(server.url, room)
        attacker.send(encodeUpdateMessage(update))
        return [attacker]
      })
      if (clientCount === 300_000) expect(update.byteLength).toBeLessThan(2.1 * MiB)
      expect(report.ends).toEqual([{ code: CloseCode.updateRefused, reason: expect.stringMatching(reason) }])
      expect(refusalLogged(room)).toHaveLength(1)
    },
  )
})

describe('pending content', () => {
  /** Far in the future, but below the clock bound: held as pending, waiting for clocks 0 to 10^9 - 1. */
  const future = 1e9
  let nextClient = 2_000_000
  /** `count` updates, each of a new made-up client at a far-future clock, carrying `size` bytes of text. */
  const pendingUpdates = (count: number, size: number) =>
    Array.from({ length: count }, () => textAt(nextClient++, future, 'p'.repeat(size)))
  const clientsOf = (updates: readonly Uint8Array[]) =>
    new Set(updates.flatMap((update) => Y.decodeUpdate(update).structs.map((struct) => struct.id.client)))

  /**
   * Sends each batch of pending updates over its own connection, batch `i` to room `i % rooms`, and checks that
   * nothing of them is relayed, sent to a newcomer or stored in any of the rooms.
   */
  async function pendingAttack(prefix: string, rooms: number, batches: Uint8Array[][], attackerEnd: AttackerEnd) {
    const names = Array.from({ length: rooms }, (_, i) => `${prefix}/room-${i}`)
    const clients = clientsOf(batches.flat())
    const people = await Promise.all(names.map((room) => personIn(room, 'what a person wrote\n')))
    const observers = await Promise.all(names.map(observerOf))
    const api = documentApi(server)
    const sizes = async () => new Map((await api.list()).map((doc) => [doc.name, doc.size]))
    const sizesBefore = await sizes()
    const unresolvedBefore = await errors('pending-unresolved')

    await underAttack(
      server,
      attackOn(prefix, {
        attackerEnd,
        beforeRestart: async () => {
          for (const [i, room] of names.entries()) {
            await expectNothingRelayed(observers[i]!, people[i]!, clients)
            expect(await newcomerSees(room, clients), room).toEqual({ inStateVector: false, inDocument: false })
          }
          const closed = attackerEnd === 'stays open' ? 0 : batches.length
          expect(await errors('pending-unresolved')).toBe(unresolvedBefore + closed)
        },
        inStorage: async (store) => {
          for (const room of names) expect(await storedMentions(store, room, clients), room).toBe(false)
        },
      }),
      async () =>
        Promise.all(
          batches.map(async (batch, i) => {
            const attacker = await openRaw(server.url, names[i % rooms]!)
            for (const update of batch) attacker.send(encodeUpdateMessage(update))
            await handled(attacker)
            return attacker
          }),
        ),
    )
    // The restart compacted each document: it stores about what it did, not the pending bytes on top.
    const sizesAfter = await sizes()
    for (const room of names) {
      expect(sizesAfter.get(room), room).toBeLessThan(2 * sizesBefore.get(room)! + 16 * KiB)
    }
  }

  it('closes a connection with 4002 once it leaves more than 100 updates pending', async () => {
    await pendingAttack('pending-count', 1, [pendingUpdates(101, 16)], CloseCode.pendingUnresolved)
  })

  it('closes a connection with 4002 once it leaves more than 1 MiB pending', async () => {
    await pendingAttack('pending-bytes', 1, [pendingUpdates(17, 64 * KiB)], CloseCode.pendingUnresolved)
  })

  it('holds 1,000 pending updates from 20 connections in 4 rooms without relaying, serving or storing them', async () => {
    // 50 updates and 50 KiB a connection, 250 updates and 250 KiB a room: within every bound.
    const batches = Array.from({ length: 20 }, () => pendingUpdates(50, KiB))
    await pendingAttack('pending-many', 4, batches, 'stays open')
  })

  describe('past --max-pending-age', () => {
    let aging: TandemProcess
    beforeAll(async () => {
      aging = await startTandem({ args: [...OPEN_LIMITS, '--max-pending-age', '2000'] })
    })
    afterAll(async () => {
      await aging?.dispose()
    })

    it('closes the connection with 4002 once its oldest pending update is 2 s old, not before', async () => {
      const prefix = 'pending-age'
      const room = `${prefix}/room`
      const update = pendingUpdates(1, 16)[0]!
      let sentAt = 0
      let closedAt = 0
      const report = await underAttack(
        aging,
        { prefix, attackerEnd: CloseCode.pendingUnresolved, disconnect: closeAll },
        async () => {
          const attacker = await openRaw(aging.url, room)
          void attacker.closed.then(() => {
            closedAt = performance.now()
          })
          sentAt = performance.now()
          attacker.send(encodeUpdateMessage(update))
          return [attacker]
        },
      )
      expect(report.ends).toMatchObject([{ code: CloseCode.pendingUnresolved }])
      expect(closedAt - sentAt).toBeGreaterThanOrEqual(1900)
    })
  })
})

/** A person's presence as the editor sets it (name, colours and a cursor), as JSON carries it. */
function presenceOf(client: TestClient, name: string, color: string, at: number): Record<string, unknown> {
  const position = (index: number) =>
    Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(client.text, index))
  const state = {
    user: { name, color, colorLight: `${color}33` },
    cursor: { anchor: position(at), head: position(at + 2) },
  }
  return JSON.parse(JSON.stringify(state))
}

/** Every state `client` showed for `id` from now on (`null` when it showed the id leave). */
function watchPresence(client: TestClient, id: number): unknown[] {
  const seen: unknown[] = []
  client.provider.awareness.on(
    'change',
    ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      if (added.includes(id) || updated.includes(id)) seen.push(client.provider.awareness.getStates().get(id))
      if (removed.includes(id)) seen.push(null)
    },
  )
  return seen
}

const stateOf = (client: TestClient, id: number) => client.provider.awareness.getStates().get(id)
const named = (name: string) => (state: unknown) => (state as { user?: { name?: string } } | null)?.user?.name === name

/**
 * Makes sure that anything the server broadcast so far has reached `watchers`: a presence set on a new
 * connection after it reaches every one of them, and the server sends each connection's messages in order.
 */
async function presenceBarrier(on: TandemProcess, path: string, watchers: readonly TestClient[]): Promise<void> {
  const raw = await openRaw(on.url, path)
  const id = MADE_UP + 100 + Math.floor(Math.random() * 1000)
  raw.send(
    encodeAwarenessMessage(writeAwarenessEntries([{ clientId: id, clock: 1, state: '{"user":{"name":"barrier"}}' }])),
  )
  await waitFor(() => watchers.every((watcher) => stateOf(watcher, id) !== undefined), 'the barrier presence')
  raw.ws.terminate()
}

describe('presence takeover after a reconnect', () => {
  const forged = JSON.stringify({ user: { name: 'Mallory', color: '#000000', colorLight: '#00000033' } })

  /**
   * A person leaves cleanly; an attacker of another identity sets the person's client id, then the person comes
   * back with the same Y.Doc (so the same client id) and moves their cursor.
   */
  async function takeover(on: TandemProcess, prefix: string, attackerEnd: AttackerEnd, tokens?: Tokens) {
    const room = `${prefix}/room`
    const path = (token?: string) => (token ? `${room}?token=${token}` : room)
    const person = await personIn(room, 'a person wrote this\n', tokens ? { params: { token: tokens.person } } : {}, on)
    const third = connect(on.url, room, tokens ? { params: { token: tokens.third } } : {})
    await third.synced()
    const id = person.doc.clientID
    const real = presenceOf(person, 'Ada', '#30bced', 2)
    person.provider.awareness.setLocalState(real)
    await waitFor(() => isDeepStrictEqual(stateOf(third, id), real), 'the third client to show the person')
    const thirdSaw = watchPresence(third, id)
    const personSaw = watchPresence(person, id)
    person.provider.disconnect()
    await waitFor(() => stateOf(third, id) === undefined, 'the third client to show the person left')

    await underAttack(
      on,
      {
        prefix,
        attackerEnd,
        disconnect: closeAll,
        token: tokens?.bystanders,
        beforeRestart: async () => {
          expect.soft(thirdSaw.filter(named('Mallory')), 'forged states the third client showed').toEqual([])
          // The person comes back, and everyone shows them, the person included; so do their later moves.
          person.provider.connect()
          await person.synced()
          expect(person.provider.awareness.getLocalState(), 'the presence the person shows as their own').toEqual(real)
          // Within the 15 s after which a stock client sends its presence again anyway: a reconnect shows at once.
          await waitFor(
            () => isDeepStrictEqual(stateOf(third, id), real),
            'the third client to show the person again',
            8000,
          )
          const later = presenceOf(person, 'Ada', '#30bced', 5)
          person.provider.awareness.setLocalState(later)
          await waitFor(
            () => isDeepStrictEqual(stateOf(third, id), later),
            "the third client to show the person's move",
          )
          expect(thirdSaw.filter(named('Mallory')), 'forged states the third client showed').toEqual([])
          expect(personSaw.filter(named('Mallory')), 'forged states the person showed as their own').toEqual([])
        },
      },
      async () => {
        const attacker = await openRaw(on.url, path(tokens?.attacker), { localAddress: '127.0.0.2' })
        const clock = person.provider.awareness.meta.get(id)!.clock + 10
        attacker.send(encodeAwarenessMessage(writeAwarenessEntries([{ clientId: id, clock, state: forged }])))
        await handled(attacker)
        await presenceBarrier(on, path(tokens?.barrier), [third])
        return [attacker]
      },
    )
  }

  it('under --auth none, an attacker from another address cannot take the id of a person who left', async () => {
    await takeover(server, 'presence-none', 'stays open')
  })

  describe('under --auth token', () => {
    const secret = 'a secret of the hostile-writers tests, long enough for HS256'
    let tokenServer: TandemProcess
    let tokens: Tokens
    beforeAll(async () => {
      const mint = (name: string) => mintToken(secret, { docs: ['presence-token/*'], access: 'write', name })
      const [person, third, attacker, barrier, bystanders] = await Promise.all(
        ['Ada', 'Grace', 'Mallory', 'Barrier', 'Bystander'].map(mint),
      )
      tokens = { person: person!, third: third!, attacker: attacker!, barrier: barrier!, bystanders: bystanders! }
      tokenServer = await startTandem({ args: [...OPEN_LIMITS, '--auth', 'token'], env: { TANDEM_SECRET: secret } })
    })
    afterAll(async () => {
      await tokenServer?.dispose()
    })

    it("closes an attacker with another token's subject with 1008 when they set the id of a person who left", async () => {
      await takeover(tokenServer, 'presence-token', CloseCode.policyViolation, tokens)
    })
  })

  it.each(
    ['null', ' null', 'null ', '\nnull', '\tnull\r\n'].map((spelling, index) => [
      index,
      JSON.stringify(spelling),
      spelling,
    ]),
  )(
    "#%i: a state spelled %s at a live person's clock neither removes nor takes over their presence",
    async (index, _shown, spelling) => {
      const prefix = `presence-null-${index}`
      const room = `${prefix}/room`
      const person = await personIn(room, 'a person wrote this\n')
      const third = connect(server.url, room)
      await third.synced()
      const id = person.doc.clientID
      const real = presenceOf(person, 'Ada', '#30bced', 2)
      person.provider.awareness.setLocalState(real)
      await waitFor(() => isDeepStrictEqual(stateOf(third, id), real), 'the third client to show the person')
      const thirdSaw = watchPresence(third, id)
      const personSaw = watchPresence(person, id)

      await underAttack(
        server,
        attackOn(prefix, {
          attackerEnd: 'stays open',
          beforeRestart: async () => {
            expect(thirdSaw, 'what the third client showed for the person').toEqual([])
            expect(personSaw, 'what the person showed for themselves').toEqual([])
            expect(stateOf(third, id)).toEqual(real)
            const newcomer = connect(server.url, room)
            await waitFor(() => stateOf(newcomer, id) !== undefined, 'the newcomer to show the person')
            expect(stateOf(newcomer, id)).toEqual(real)
          },
        }),
        async () => {
          const attacker = await openRaw(server.url, room, { localAddress: '127.0.0.2' })
          const clock = person.provider.awareness.meta.get(id)!.clock
          attacker.send(encodeAwarenessMessage(writeAwarenessEntries([{ clientId: id, clock, state: spelling }])))
          attacker.send(
            encodeAwarenessMessage(writeAwarenessEntries([{ clientId: id, clock: clock + 1, state: forged }])),
          )
          await handled(attacker)
          await presenceBarrier(server, room, [third, person])
          return [attacker]
        },
      )
    },
  )
})

interface Tokens {
  person: string
  third: string
  attacker: string
  barrier: string
  bystanders: string
}

describe('an oversized presence state', () => {
  /** A presence state whose JSON is exactly `bytes` long. */
  const stateOfSize = (bytes: number) => {
    const shell = JSON.stringify({ user: { name: '' } })
    return JSON.stringify({ user: { name: 'x'.repeat(bytes - shell.length) } })
  }

  it.each([
    ['64 KiB + 1', 64 * KiB + 1],
    ['256 KiB', 256 * KiB],
    ['2 MiB', 2 * MiB],
  ])('of %s is refused with 4422; nobody in the room or after it is sent it', async (label, bytes) => {
    const prefix = `presence-size-${bytes}`
    const room = `${prefix}/room`
    const state = stateOfSize(bytes)
    expect(state.length).toBe(bytes)
    const attackerId = MADE_UP + 7
    const third = connect(server.url, room)
    await third.synced()
    const thirdSaw = watchPresence(third, attackerId)
    const tooLargeBefore = await errors('awareness-too-large')

    await underAttack(
      server,
      attackOn(prefix, {
        attackerEnd: CloseCode.updateRefused,
        beforeRestart: async () => {
          await presenceBarrier(server, room, [third])
          const newcomer = connect(server.url, room)
          await newcomer.synced()
          await presenceBarrier(server, room, [newcomer])
          expect(thirdSaw, `the ${label} state, shown by the third client`).toEqual([])
          expect(stateOf(newcomer, attackerId), `the ${label} state, sent to a newcomer`).toBeUndefined()
          expect(await errors('awareness-too-large')).toBe(tooLargeBefore + 1)
        },
      }),
      async () => {
        const attacker = await openRaw(server.url, room)
        attacker.send(encodeAwarenessMessage(writeAwarenessEntries([{ clientId: attackerId, clock: 1, state }])))
        return [attacker]
      },
    )
    expect(refusalLogged(room)).toMatchObject([{ code: CloseCode.updateRefused }])
  })
})

describe('amplification through sync requests', () => {
  it('closes a connection with 4029 past 30 sync requests at once, having answered at most 30', async () => {
    const prefix = 'amplify'
    const room = `${prefix}/room`
    await personIn(room, 'a'.repeat(100 * KiB))
    const request = encodeSyncStep1Message(Y.encodeStateVector(new Map([[MADE_UP, 0]])))
    let attacker: RawClient | undefined

    const report = await underAttack(server, attackOn(prefix, { attackerEnd: CloseCode.rateLimited }), async () => {
      attacker = await openRaw(server.url, room)
      for (let i = 0; i < 100; i++) attacker.send(request)
      return [attacker]
    })
    expect(report.ends).toMatchObject([{ code: CloseCode.rateLimited }])
    const answers = attacker!.received.filter((frame) => readMessage(frame).type === 'sync-step-2')
    expect(answers[0]!.byteLength).toBeGreaterThan(100 * KiB)
    expect(answers.length).toBeGreaterThanOrEqual(30)
    expect(answers.length).toBeLessThanOrEqual(31)
    const bytes = attacker!.received.reduce((sum, frame) => sum + frame.byteLength, 0)
    expect(bytes).toBeLessThanOrEqual(31 * answers[0]!.byteLength + 4 * KiB)
  })
})

describe('a flood of updates', () => {
  it('closes a connection sending 20,000 one-character updates with 4029 after its burst', async () => {
    const prefix = 'flood'
    const room = `${prefix}/room`
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(encodeUpdateMessage(update)))
    for (let i = 0; i < 20_000; i++) source.getText('content').insert(i, String.fromCharCode(97 + (i % 26)))
    const rateLimitedBefore = await errors('rate-limited')
    let openedAt = 0
    let closedAt = 0
    let accepted = 0

    const report = await underAttack(
      server,
      attackOn(prefix, {
        attackerEnd: CloseCode.rateLimited,
        written: [room],
        beforeRestart: async () => {
          accepted = (await documentApi(server).text(room)).body.length
          expect(await errors('rate-limited')).toBe(rateLimitedBefore + 1)
        },
      }),
      async () => {
        const attacker = await openRaw(server.url, room)
        void attacker.closed.then(() => {
          closedAt = performance.now()
        })
        openedAt = performance.now()
        // In slices, so that this process stays free to measure the probes while it sends.
        for (let i = 0; i < updates.length; i += 500) {
          for (const update of updates.slice(i, i + 500)) attacker.send(update)
          await new Promise((resolve) => setImmediate(resolve))
        }
        return [attacker]
      },
    )
    expect(report.ends).toMatchObject([{ code: CloseCode.rateLimited }])
    // The burst (one second's worth at 300 a second) goes through; the refill of the time it took at most.
    const seconds = (closedAt - openedAt) / 1000
    expect(accepted).toBeGreaterThanOrEqual(300)
    expect(accepted).toBeLessThanOrEqual(Math.ceil(300 + 300 * seconds))
  })
})

describe('a document stored with a poisoned update', () => {
  it.each([
    ['a text struct at clock 2^53 - 5 (29 bytes)', textAt(MADE_UP, 2 ** 53 - 5, 'abc')],
    [
      'garbage-collected ranges that reach 2^60',
      writeUpdate([{ client: MADE_UP, clock: 0, structs: [{ gc: 2 ** 53 + 10 }, { gc: 2 ** 60 }] }]),
    ],
  ])('still loads, without it, and sets it aside: %s', async (_label, poison) => {
    const room = `poisoned/${poison.byteLength}`
    const good = 'the good content\n'
    await personIn(room, good)
    closeAll()
    await server.stop()
    let store = await openSqliteStore({ dataDir: server.dataDir })
    await store.append([{ name: room, update: poison }])
    await store.close()
    await server.restart()

    expect(await documentApi(server).text(room)).toEqual({ status: 200, body: good })
    const reader = connect(server.url, room)
    await reader.synced()
    expect(reader.text.toString()).toBe(good)
    const warnings = logLines(server.logs, { doc: room }).filter((line) => (line.level as number) >= 40)
    expect(warnings.map((line) => JSON.stringify(line)).join('\n')).toMatch(/clock/i)

    closeAll()
    await server.stop()
    store = await openSqliteStore({ dataDir: server.dataDir })
    try {
      const kept = (await store.quarantined(room)).map(({ update, reason }) => ({
        update: Buffer.from(update).toString('hex'),
        reason,
      }))
      expect(kept).toContainEqual({ update: Buffer.from(poison).toString('hex'), reason: expect.any(String) })
    } finally {
      await store.close()
      await server.restart()
    }
  })
})
