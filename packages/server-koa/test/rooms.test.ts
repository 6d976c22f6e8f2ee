import { openRawClient, waitFor } from '@tandem/test-utils'
import { describe, expect, it } from 'vitest'
import { setup, textUpdate } from './harness.js'

describe('the open rooms', () => {
  it('loads a document once for every connection that arrives while it loads, and answers none before', async () => {
    const { store, server, connect } = await setup()
    await store.inner.append([{ name: 'shared', update: textUpdate('stored text') }])
    const release = store.holdLoads()
    let upgrades = 0
    server.on('upgrade', () => upgrades++)
    const firstSeen: string[] = []
    const clients = Array.from({ length: 5 }, () => {
      const client = connect('shared')
      client.provider.once('sync', () => firstSeen.push(client.text.toString()))
      return client
    })
    await waitFor(() => upgrades === 5, 'five connections to wait for the load')
    expect(store.loadCalls).toBe(1)
    release()
    await Promise.all(clients.map((c) => c.synced()))
    expect(store.loadCalls).toBe(1)
    expect(firstSeen).toEqual(Array(5).fill('stored text'))
  })

  it('keeps an edit that arrives while the document is being saved to unload (hocuspocus#995)', async () => {
    const { store, sync, connect } = await setup({ unloadDelay: 0 })
    const release = store.holdAppends()
    const first = connect('race', true)
    await first.synced()
    first.text.insert(0, 'first ')
    await waitFor(() => store.appendCalls === 1, 'the first commit to be in flight')
    first.destroy()
    // The document is now unloading, waiting for that commit. A second person arrives and edits.
    const second = connect('race', true)
    await second.synced()
    expect(second.text.toString()).toBe('first ')
    second.text.insert(6, 'second')
    release()
    await waitFor(() => second.saves.sent > 0 && second.saves.saved, 'the second edit to be saved')
    expect(store.loadCalls).toBe(1)
    second.destroy()
    await waitFor(() => sync.documentCount === 0, 'the document to unload')
    expect(await store.storedText('race')).toBe('first second')
  })

  it('returns to an empty registry and its baseline of timers after 1,000 documents open and close', async () => {
    const { store, sync, connect } = await setup({ unloadDelay: 0 })
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
    const baseline = timers()
    for (let batch = 0; batch < 20; batch++) {
      const clients = Array.from({ length: 50 }, (_, i) => connect(`many/${batch * 50 + i}`))
      await Promise.all(clients.map((c) => c.synced()))
      for (const [i, c] of clients.entries()) c.text.insert(0, `doc ${batch * 50 + i}`)
      for (const c of clients) c.destroy()
    }
    await waitFor(() => sync.documentCount === 0 && sync.connectionCount === 0, 'every document to unload', 30_000)
    const stored = await store.list()
    expect(stored).toHaveLength(1000)
    expect(await store.storedText('many/999')).toBe('doc 999')
    await waitFor(() => timers() <= baseline, `timers to return to the baseline of ${baseline}`)
  })

  it('refuses a connection with 503 when storage fails to load, and leaves the stored document as it was', async () => {
    const { store, sync, url, connect } = await setup()
    await store.inner.append([{ name: 'fragile', update: textUpdate('precious') }])
    store.failLoads = 1
    await expect(openRawClient(url, 'fragile')).rejects.toThrow('upgrade refused with 503')
    expect(sync.documentCount).toBe(0)
    expect(await store.storedText('fragile')).toBe('precious')
    // A stock client retries by itself and gets the stored document once storage answers.
    store.failLoads = 2
    const client = connect('fragile')
    await client.synced()
    expect(client.text.toString()).toBe('precious')
    expect(store.loadCalls).toBe(4)
  })

  it('keeps a document in memory while storage fails to commit, retries, and acknowledges only after success', async () => {
    const { store, sync, connect } = await setup({ unloadDelay: 0 })
    store.failAppends = 3
    const client = connect('outage', true)
    await client.synced()
    client.text.insert(0, 'kept through the outage')
    await waitFor(() => store.appendCalls >= 2, 'commits to fail')
    expect(client.saves.saved).toBe(false)
    client.destroy()
    // The last connection left, but the document stays until its changes are stored.
    expect(sync.documentCount).toBe(1)
    await waitFor(() => sync.documentCount === 0, 'the document to be saved and unloaded', 15_000)
    expect(store.appendCalls).toBe(4)
    expect(await store.storedText('outage')).toBe('kept through the outage')
  })
})
