import { freePort, type RedisServer, startRedis, waitFor } from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openRedisBus, type RedisBus } from './redis-bus.js'

let redis: RedisServer
const buses: RedisBus[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()))
})

afterAll(async () => {
  await redis?.stop()
})

async function open(prefix?: string): Promise<RedisBus> {
  const bus = await openRedisBus({ url: redis.url, prefix })
  buses.push(bus)
  return bus
}

/** Collects what a subscription receives. */
function inbox() {
  const received: number[][] = []
  return { received, listener: (message: Uint8Array) => received.push([...message]) }
}

describe('RedisBus', () => {
  it('delivers bytes published on a topic to the subscribers of that topic only', async () => {
    const [a, b] = await Promise.all([open(), open()])
    const doc1 = inbox()
    const doc2 = inbox()
    await b.subscribe('doc:one', doc1.listener)
    await b.subscribe('doc:two ünïcödé', doc2.listener)
    expect(a.publish('doc:one', Uint8Array.of(0, 255, 7))).toBe(true)
    expect(a.publish('doc:two ünïcödé', new Uint8Array(4).subarray(1, 3).fill(9))).toBe(true)
    await waitFor(() => doc1.received.length === 1 && doc2.received.length === 1, 'both messages')
    expect(doc1.received).toEqual([[0, 255, 7]])
    expect(doc2.received).toEqual([[9, 9]])

    b.unsubscribe('doc:one')
    a.publish('doc:one', Uint8Array.of(1))
    a.publish('doc:two ünïcödé', Uint8Array.of(2))
    await waitFor(() => doc2.received.length === 2, 'the second message on the topic still subscribed')
    expect(doc1.received).toHaveLength(1)
  })

  it('keeps deployments with different prefixes apart', async () => {
    const [a, b] = await Promise.all([open('blue:'), open('green:')])
    const green = inbox()
    const blue = inbox()
    await b.subscribe('doc:x', green.listener)
    await a.subscribe('doc:x', blue.listener)
    a.publish('doc:x', Uint8Array.of(1))
    b.publish('doc:x', Uint8Array.of(2))
    await waitFor(() => green.received.length === 1 && blue.received.length === 1, 'each its own message')
    expect(blue.received).toEqual([[1]])
    expect(green.received).toEqual([[2]])
  })

  it('drops publishes while Redis is down, then subscribes again and tells its listeners when it is back', async () => {
    const [a, b] = await Promise.all([open(), open()])
    const got = inbox()
    await b.subscribe('doc:outage', got.listener)
    let reconnects = 0
    b.onReconnect(() => reconnects++)
    await expect(b.check()).resolves.toBeUndefined()

    await redis.kill()
    await waitFor(() => !a.publish('doc:outage', Uint8Array.of(1)), 'publishing to report the outage')
    await expect(b.check()).rejects.toThrow(/not connected to Redis at redis:\/\/127\.0\.0\.1:\d+/)
    // Subscribing while down resolves at once; the channel is subscribed when Redis is back.
    const later = inbox()
    await b.subscribe('doc:made-during-outage', later.listener)

    await redis.restart()
    await waitFor(() => reconnects === 1, 'the reconnect listener')
    await expect(b.check()).resolves.toBeUndefined()
    await waitFor(() => a.publish('doc:outage', Uint8Array.of(2)), 'the publisher to be back')
    a.publish('doc:made-during-outage', Uint8Array.of(3))
    await waitFor(() => got.received.length === 1 && later.received.length === 1, 'messages after the outage')
    expect(got.received).toEqual([[2]])
    expect(later.received).toEqual([[3]])
  })

  it('refuses to open, naming the server and not its password, when Redis cannot be reached', async () => {
    const port = await freePort()
    await expect(openRedisBus({ url: `redis://:hunter2@127.0.0.1:${port}`, connectTimeoutMs: 2000 })).rejects.toThrow(
      new RegExp(`^Cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    )
  })
})
