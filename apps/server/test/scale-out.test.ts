import { openPostgresStore } from '@tandem/store-postgres'
import {
  type Balancer,
  freePort,
  type PostgresServer,
  type RedisServer,
  startBalancer,
  startPostgres,
  startRedis,
  startTandem,
  type TandemProcess,
  type TestClient,
  useTestClients,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { runCli } from './support/cli-process.js'

// Several Tandem processes on one PostgreSQL database and one Redis, as a scaled-out deployment runs them.
let postgres: PostgresServer
let redis: RedisServer
const instances: TandemProcess[] = []
const balancers: Balancer[] = []
const { connect } = useTestClients()

/** What `/readyz` answers: each dependency's state, `redis` included when the instance has a bus. */
type Readiness = { status: string; store: string; redis?: string }

beforeAll(async () => {
  ;[postgres, redis] = await Promise.all([startPostgres({ fsync: false }), startRedis()])
})

afterEach(async () => {
  await Promise.all(balancers.splice(0).map((balancer) => balancer.close()))
  await Promise.all(instances.splice(0).map((instance) => instance.dispose()))
})

afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()])
})

/** Starts `count` instances on a new, empty database (a schema of its own), each with `args` added. */
async function startInstances(
  count: number,
  databaseUrl?: string,
  args: readonly string[] = [],
): Promise<{ databaseUrl: string; started: TandemProcess[] }> {
  const url = databaseUrl ?? (await postgres.createSchema())
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      startTandem({ args: ['--database-url', url, '--redis-url', redis.url, '--unload-delay', '500', ...args] }),
    ),
  )
  instances.push(...started)
  return { databaseUrl: url, started }
}

/** The `content` text PostgreSQL holds for each of `names`, read by a store of the test's own. */
async function storedTexts(databaseUrl: string, names: readonly string[]): Promise<Map<string, string>> {
  const store = await openPostgresStore({ url: databaseUrl, poolSize: 2 })
  try {
    const texts = new Map<string, string>()
    for (const name of names) {
      const stored = await store.load(name)
      const doc = new Y.Doc()
      if (stored?.snapshot) Y.applyUpdate(doc, stored.snapshot)
      for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update)
      texts.set(name, doc.getText('content').toString())
      doc.destroy()
    }
    return texts
  } finally {
    await store.close()
  }
}

/** What an instance decided each time it proposed an automatic version of `name`, from its debug log lines. */
function versionDecisions(instance: TandemProcess, name: string): ('took' | 'not needed')[] {
  return instance.logs.flatMap((entry) => {
    if (entry.doc !== name) return []
    if (entry.msg === 'took an automatic version') return ['took' as const]
    return typeof entry.msg === 'string' && entry.msg.startsWith('no automatic version needed')
      ? ['not needed' as const]
      : []
  })
}

/** Inserts `count` unique markers between the markers already there, one every few ms; resolves with them. */
async function typeMarkers(client: TestClient, label: string, count: number, everyMs = 15): Promise<string[]> {
  const markers: string[] = []
  for (let i = 0; i < count; i++) {
    const marker = `<${label}:${i}>`
    markers.push(marker)
    // Never inside another marker: at the start, or right after a marker's end.
    const text = client.text.toString()
    const ends = [0, ...[...text.matchAll(/>/g)].map((match) => (match.index as number) + 1)]
    client.text.insert(ends[Math.floor(Math.random() * ends.length)] as number, marker)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  return markers
}

/** Waits until every client of every room has the same text, holding every one of the room's markers. */
async function waitForConvergence(
  rooms: Map<string, { clients: TestClient[]; markers: string[] }>,
  timeoutMs = 20_000,
): Promise<void> {
  const lagging = () =>
    [...rooms].flatMap(([name, { clients, markers }]) =>
      clients.flatMap((client, c) => {
        const text = client.text.toString()
        const missing = markers.filter((marker) => !text.includes(marker))
        return missing.length > 0 ? [`${name} client ${c} lacks ${missing.length}, e.g. ${missing[0]}`] : []
      }),
    )
  await waitFor(
    () =>
      lagging().length === 0 &&
      [...rooms.values()].every(({ clients }) =>
        clients.every((client) => client.text.toString() === clients[0]?.text.toString()),
      ),
    'every client of every document to converge with every marker',
    timeoutMs,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n${lagging().slice(0, 12).join('\n')}`)
  })
}

async function expectStored(
  databaseUrl: string,
  rooms: Map<string, { clients: TestClient[]; markers: string[] }>,
  timeoutMs = 20_000,
): Promise<void> {
  const names = [...rooms.keys()]
  let missing: string[] = []
  await waitFor(
    async () => {
      const texts = await storedTexts(databaseUrl, names)
      missing = names.flatMap((name) => {
        const text = texts.get(name) ?? ''
        return (rooms.get(name)?.markers ?? []).filter((marker) => !text.includes(marker))
      })
      return missing.length === 0
    },
    'every marker to be in PostgreSQL',
    timeoutMs,
  ).catch((error) => {
    throw new Error(`${(error as Error).message} Missing: ${missing.slice(0, 10).join(' ')} (${missing.length})`)
  })
}

describe('several Tandem instances on PostgreSQL and Redis', () => {
  it('30 people on 3 instances editing 5 documents converge, and every edit is in PostgreSQL', async () => {
    const { databaseUrl, started } = await startInstances(3)
    const rooms = new Map<string, { clients: TestClient[]; markers: string[] }>()
    for (let d = 0; d < 5; d++) rooms.set(`team/doc-${d}`, { clients: [], markers: [] })
    let n = 0
    for (const [name, room] of rooms) {
      for (let c = 0; c < 6; c++) room.clients.push(connect((started[n++ % 3] as TandemProcess).url, name))
    }
    await Promise.all([...rooms.values()].flatMap(({ clients }) => clients.map((client) => client.synced())))

    await Promise.all(
      [...rooms].flatMap(([name, room]) =>
        room.clients.map(async (client, c) => room.markers.push(...(await typeMarkers(client, `${name}/${c}`, 20)))),
      ),
    )
    expect([...rooms.values()].reduce((sum, room) => sum + room.markers.length, 0)).toBe(600)
    await waitForConvergence(rooms)
    await expectStored(databaseUrl, rooms)
    // Every instance took part: each published its clients' updates and received the others'.
    for (const instance of started) {
      const metrics = await (await fetch(`${instance.httpUrl}/metrics`)).text()
      expect(Number(/tandem_bus_published_total\{outcome="sent"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0)
      expect(Number(/tandem_bus_received_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0)
      expect(metrics).toMatch(/^tandem_bus_subscribed_documents 5$/m)
      expect(await (await fetch(`${instance.httpUrl}/readyz`)).json()).toEqual({
        status: 'ready',
        store: 'ok',
        redis: 'ok',
      })
    }
  })

  it('loses nothing when an instance is killed mid-run: its people reconnect to another one', async () => {
    const { databaseUrl, started } = await startInstances(3)
    const balancer = await startBalancer(started.map((instance) => instance.port))
    balancers.push(balancer)
    const [survivor, victim] = started as [TandemProcess, TandemProcess, TandemProcess]
    const rooms = new Map<string, { clients: TestClient[]; markers: string[] }>()
    for (let d = 0; d < 3; d++) {
      const name = `kill/doc-${d}`
      rooms.set(name, { clients: Array.from({ length: 6 }, () => connect(balancer.url, name)), markers: [] })
    }
    const all = [...rooms.values()].flatMap((room) => room.clients)
    await Promise.all(all.map((client) => client.synced()))
    // A person connected to the victim directly, who will not come back: their presence must fade elsewhere.
    const gone = connect(victim.url, 'kill/doc-0', { maxBackoffTime: 60_000 })
    gone.provider.awareness.setLocalStateField('user', { name: 'Gone', color: '#000000' })
    const watcher = connect(survivor.url, 'kill/doc-0')
    await Promise.all([gone.synced(), watcher.synced()])
    const goneId = gone.doc.clientID
    await waitFor(
      () => watcher.provider.awareness.getStates().has(goneId),
      'the watcher to see the person on the victim',
    )

    const typing = [...rooms].flatMap(([name, room]) =>
      room.clients.map(async (client, c) => room.markers.push(...(await typeMarkers(client, `${name}/${c}`, 40, 20)))),
    )
    await waitFor(() => all.every((client) => client.text.length > 30), 'typing to be under way')
    await victim.kill()
    await Promise.all(typing)

    await waitForConvergence(rooms)
    // Every client is connected again, none of them to the dead instance.
    expect(all.every((client) => client.provider.wsconnected)).toBe(true)
    await expectStored(databaseUrl, rooms)
    // The victim's person is dropped from the others' presence within the awareness timeout (30 s).
    gone.provider.shouldConnect = false
    await waitFor(
      () => !watcher.provider.awareness.getStates().has(goneId),
      "the dead instance's person to leave the others' presence",
      40_000,
    )
  }, 120_000)

  it('converges within seconds of Redis coming back after a restart, losing nothing', async () => {
    const { databaseUrl, started } = await startInstances(3)
    const rooms = new Map<string, { clients: TestClient[]; markers: string[] }>()
    let n = 0
    for (let d = 0; d < 3; d++) {
      const name = `redis/doc-${d}`
      const clients = Array.from({ length: 3 }, () => connect((started[n++ % 3] as TandemProcess).url, name))
      rooms.set(name, { clients, markers: [] })
    }
    const all = [...rooms.values()].flatMap((room) => room.clients)
    await Promise.all(all.map((client) => client.synced()))

    const typing = [...rooms].flatMap(([name, room]) =>
      room.clients.map(async (client, c) => room.markers.push(...(await typeMarkers(client, `${name}/${c}`, 60, 20)))),
    )
    await waitFor(() => all.every((client) => client.text.length > 30), 'typing to be under way')
    await redis.kill()
    const first = started[0] as TandemProcess
    await waitFor(
      async () => ((await (await fetch(`${first.httpUrl}/readyz`)).json()) as Readiness).status === 'degraded',
      '/readyz to report Redis down',
    )
    const during = (await (await fetch(`${first.httpUrl}/readyz`)).json()) as Readiness
    expect(during.store).toBe('ok')
    expect(during.redis).toMatch(/not connected to Redis/)
    await waitFor(() => all.every((client) => client.text.length > 300), 'more typing while Redis is down')
    await redis.restart()
    await Promise.all(typing)

    await waitForConvergence(rooms, 15_000)
    await expectStored(databaseUrl, rooms)
    for (const instance of started) {
      expect(((await (await fetch(`${instance.httpUrl}/readyz`)).json()) as Readiness).redis).toBe('ok')
    }
  }, 120_000)

  it('takes one automatic version per pause in editing: every instance with an editor proposes it, one stores it', async () => {
    const { databaseUrl, started } = await startInstances(2, undefined, ['--version-pause', '1s'])
    const name = 'versions/doc'
    // A person on each instance: each instance sees its own person's edits, so each proposes a version after the pause.
    const people = started.map((instance) => connect(instance.url, name))
    await Promise.all(people.map((person) => person.synced()))
    const store = await openPostgresStore({ url: databaseUrl, poolSize: 1 })
    try {
      const markers: string[] = []
      for (const burst of [1, 2]) {
        const typed = (
          await Promise.all(people.map((person, p) => typeMarkers(person, `burst ${burst} person ${p}`, 4)))
        ).flat()
        markers.push(...typed)
        await waitForConvergence(new Map([[name, { clients: people, markers }]]))
        await waitFor(
          () => started.every((instance) => versionDecisions(instance, name).length >= burst),
          `both instances to propose an automatic version after burst ${burst}`,
        )

        // Each instance proposed once per burst, and only one of them stored it.
        const decisions = started.map((instance) => versionDecisions(instance, name))
        expect(decisions.map((decided) => decided.length)).toEqual([burst, burst])
        expect(decisions.flat().filter((decided) => decided === 'took')).toHaveLength(burst)
        const versions = await store.versions(name)
        expect(versions.map((version) => [version.id, version.kind])).toEqual(
          Array.from({ length: burst }, (_, index) => [index + 1, 'auto']),
        )
        // The stored version holds both people's edits of this burst.
        expect(versions.at(-1)?.inserted).toBe(typed.join('').length)
      }
    } finally {
      await store.close()
    }
  }, 60_000)

  it('refuses to start when Redis cannot be reached, naming it and not its password', async () => {
    const port = await freePort()
    const { code, stdout } = await runCli(['serve', '--port', '0'], {
      DATABASE_URL: await postgres.createSchema(),
      REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
    })
    expect(code).toBe(1)
    const fatal = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((entry) => entry.level === 60)
    expect(fatal?.msg).toMatch(
      new RegExp(`^Tandem could not start: Cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    )
    expect(stdout).not.toContain('hunter2')
  })

  it('two instances loading the same document at the same moment neither duplicate nor drop content', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `race/doc-${i}`)
    // Stored content first, by an instance that then stops.
    const { databaseUrl, started: seeders } = await startInstances(1)
    const seeder = seeders[0] as TandemProcess
    for (const name of names) {
      const client = connect(seeder.url, name, { saved: true })
      await client.synced()
      client.text.insert(0, `stored ${name}.`)
      await waitFor(() => client.saves.saved, 'the seed to be saved')
      client.destroy()
    }
    expect(await seeder.stop()).toBe(0)

    const [a, b] = (await startInstances(2, databaseUrl)).started as [TandemProcess, TandemProcess]
    const pairs = names.map((name) => [connect(a.url, name), connect(b.url, name)] as const)
    await Promise.all(pairs.flat().map((client) => client.synced()))
    for (const [fromA, fromB] of pairs) {
      fromA.text.insert(fromA.text.length, ' line from A.')
      fromB.text.insert(fromB.text.length, ' line from B.')
    }
    const expectedOf = (text: string) =>
      text.startsWith('stored ') && text.split(' line from A.').length === 2 && text.split(' line from B.').length === 2
    await waitFor(
      () => pairs.every(([x, y]) => x.text.toString() === y.text.toString() && expectedOf(x.text.toString())),
      'both clients of each document to hold the stored text and both lines',
    )
    for (const [index, [client]] of pairs.entries()) {
      const text = client.text.toString()
      expect(text.split(`stored ${names[index]}.`).length).toBe(2)
      expect(text.length).toBe(`stored ${names[index]}.`.length + ' line from A.'.length * 2)
    }
    // Both instances save and compact the documents as they stop, at the same moment.
    const texts = pairs.map(([client]) => client.text.toString())
    for (const client of pairs.flat()) client.destroy()
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0])
    const stored = await storedTexts(databaseUrl, names)
    expect(names.map((name) => stored.get(name))).toEqual(texts)
  }, 60_000)
})
