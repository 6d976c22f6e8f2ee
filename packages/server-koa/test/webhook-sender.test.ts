/**
 * The webhook sender against a real HTTP receiver on loopback: what it retries and what it gives up on, how it
 * honours Retry-After, and which events a full queue drops.
 */
import { type ReceiverAnswer, startWebhookReceiver, type WebhookReceiver, waitFor } from '@tandem/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { type DeliveryResult, parseRetryAfter, WebhookSender } from '../src/webhook-sender.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A sender to one receiver that answers by `answer`, with its deliveries counted by result. */
async function setUp(
  answer: (index: number) => ReceiverAnswer,
  options: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {},
): Promise<{ receiver: WebhookReceiver; sender: WebhookSender; results: DeliveryResult[] }> {
  const receiver = await startWebhookReceiver((_, index) => answer(index))
  const results: DeliveryResult[] = []
  const sender = new WebhookSender({
    urls: [receiver.url],
    retryDelay: 50,
    random: () => 0.5,
    metrics: { delivery: (result) => results.push(result), attempt() {} },
    ...options,
  })
  cleanups.push(() => receiver.close())
  cleanups.push(() => sender.close())
  return { receiver, sender, results }
}

const idOf = (body: string) => (JSON.parse(body) as { id: string }).id

describe('WebhookSender', () => {
  it('does not retry a 4xx other than 429: one attempt, counted as failed', async () => {
    const { receiver, sender, results } = await setUp(() => 400)
    sender.emit('document.changed', { name: 'notes' })
    await waitFor(() => results.length === 1, 'the delivery to end')
    expect(results).toEqual(['failed'])
    expect(receiver.deliveries).toHaveLength(1)
  })

  it('retries a 429 after the Retry-After the receiver asked for, not after its own shorter backoff', async () => {
    const { receiver, sender, results } = await setUp((index) =>
      index === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : 200,
    )
    const event = sender.emit('document.changed', { name: 'notes' })
    await waitFor(() => results.includes('delivered'), 'the retried delivery', 15_000)
    expect(results).toEqual(['retried', 'delivered'])
    const [first, second] = receiver.deliveries
    expect([idOf(first?.body ?? '{}'), idOf(second?.body ?? '{}')]).toEqual([event.id, event.id])
    expect(second?.headers['tandem-attempt']).toBe('2')
    // The sender's own first backoff here is 50 ms; the receiver asked for a second.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950)
  })

  it('gives up after maxAttempts on a receiver that keeps failing with 5xx', async () => {
    const { receiver, sender, results } = await setUp(() => 503, { maxAttempts: 3 })
    sender.emit('document.changed', { name: 'notes' })
    await waitFor(() => results.includes('failed'), 'the delivery to fail', 15_000)
    expect(results).toEqual(['retried', 'retried', 'failed'])
    expect(receiver.deliveries.map((delivery) => delivery.headers['tandem-attempt'])).toEqual(['1', '2', '3'])
  })

  it('with a full queue drops the oldest waiting event, also when a failed delivery comes back to wait, and still delivers the others', async () => {
    // The first delivery hangs until it times out; meanwhile, one in flight and two waiting is all there is room for.
    const { receiver, sender, results } = await setUp((index) => (index === 0 ? 'hang' : 200), {
      concurrency: 1,
      maxPending: 2,
      timeout: 500,
    })
    const [one, two, three, four] = ['one', 'two', 'three', 'four'].map((name) =>
      sender.emit('document.changed', { name }),
    )
    // "one" is in flight; "two" and "three" wait; "four" pushes out "two", the oldest waiting.
    expect(results).toEqual(['dropped'])
    expect(sender.pending).toBe(2)
    // "one" times out and waits for its retry: with "three" and "four" waiting too, that is one too many, and
    // "three", now the oldest in the queue, goes. Never more than two wait.
    await waitFor(() => results.includes('retried'), 'the first delivery to time out', 15_000)
    expect(results.slice(0, 3)).toEqual(['dropped', 'retried', 'dropped'])
    await waitFor(() => results.filter((result) => result === 'delivered').length === 2, 'two deliveries', 15_000)
    expect(results.sort()).toEqual(['delivered', 'delivered', 'dropped', 'dropped', 'retried'])
    const delivered = new Set(receiver.deliveries.map((delivery) => idOf(delivery.body)))
    expect(delivered).toEqual(new Set([one?.id, four?.id]))
    expect(delivered.has(two?.id ?? '') || delivered.has(three?.id ?? '')).toBe(false)
  })
})

describe('parseRetryAfter', () => {
  it('reads delay-seconds and an HTTP date, and nothing else', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })
})
