import { encodeSyncStep1Message, encodeUpdateMessage } from '@tandem/protocol'
import { connectClient, openRawClient, type RawClient, waitFor } from '@tandem/test-utils'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { type ControlledStore, setup } from './harness.js'

/**
 * A document typed one character at a time, and its state merged from those updates: a valid update that is
 * not what encoding the document gives (Yjs merges the characters into one item once they are applied), so a
 * client can tell the stored bytes from a fresh encoding.
 */
function typed(text: string) {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (const [i, char] of [...text].entries()) doc.getText('content').insert(i, char)
  return { doc, updates, stored: Y.mergeUpdates(updates) }
}

async function askForDocument(client: RawClient, stateVector: Uint8Array = new Uint8Array([0])): Promise<Uint8Array> {
  client.send(encodeSyncStep1Message(stateVector))
  return (await client.nextMessage('sync-step-2')).update
}

async function stored(store: ControlledStore, name: string, state: Uint8Array): Promise<void> {
  await store.inner.compact(name, state)
}

describe('a document loaded from storage', () => {
  it('answers a fresh client with the stored bytes, then applies them to its own document without storing them', async () => {
    const { store, sync, url } = await setup()
    const { stored: snapshot } = typed('abc')
    await stored(store, 'cold/fresh', snapshot)
    const fresh = await openRawClient(url, 'cold/fresh')
    expect(await askForDocument(fresh)).toEqual(snapshot)
    const room = await sync.openRoom('cold/fresh')
    try {
      // Nobody reads the document: the server applies the stored state by itself once the answer is sent.
      await waitFor(() => !room.source.deferred, 'the stored state to be applied')
      expect(room.doc().getText('content').toString()).toBe('abc')
      expect(room.log.appended).toBe(0)
    } finally {
      sync.releaseRoom(room)
    }
    expect(store.appendCalls).toBe(0)
  })

  it('sends a client that has part of the stored document exactly the rest', async () => {
    const { store, url } = await setup()
    const { updates, stored: snapshot } = typed('abcd')
    await stored(store, 'cold/partial', snapshot)
    const client = new Y.Doc()
    Y.applyUpdate(client, Y.mergeUpdates(updates.slice(0, 2)))
    const raw = await openRawClient(url, 'cold/partial')
    const diff = await askForDocument(raw, Y.encodeStateVector(client))
    Y.applyUpdate(client, diff)
    expect(client.getText('content').toString()).toBe('abcd')
    // Only the two characters the client lacked.
    expect(Y.decodeUpdate(diff).structs.reduce((sum, struct) => sum + struct.length, 0)).toBe(2)
  })

  it('applies an edit sent right after a fresh step 1 on top of the stored state, in order', async () => {
    const { store, url, connect } = await setup()
    const { doc: source, stored: snapshot } = typed('stored')
    await stored(store, 'cold/edit', snapshot)
    const editor = await openRawClient(url, 'cold/edit')
    // Commits wait until the newcomer has looked, so what storage holds then does not depend on timing.
    const releaseAppends = store.holdAppends()
    const before = Y.encodeStateVector(source)
    source.getText('content').insert(6, ' and edited')
    // Both frames leave together: the edit reaches the server before it had a turn to apply the stored state.
    editor.send(encodeSyncStep1Message(new Uint8Array([0])))
    editor.send(encodeUpdateMessage(Y.encodeStateAsUpdate(source, before)))
    const reader = connect('cold/edit')
    await reader.synced()
    await waitFor(() => reader.text.toString() === 'stored and edited', 'the edit to reach a newcomer')
    expect(await store.storedText('cold/edit')).toBe('stored')
    releaseAppends()
    await waitFor(async () => (await store.storedText('cold/edit')) === 'stored and edited', 'the edit to be stored')
  })

  it('gets the changes a returning client made offline: its step 1 follows once the stored state is applied', async () => {
    const { store, url, connect } = await setup()
    const { doc: source, stored: snapshot } = typed('shared')
    await stored(store, 'cold/offline', snapshot)
    const offline = new Y.Doc()
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(source))
    offline.getText('content').insert(0, 'offline ')
    const back = connectClient(url, 'cold/offline', { doc: offline })
    try {
      await back.synced()
      const reader = connect('cold/offline')
      await reader.synced()
      await waitFor(() => reader.text.toString() === 'offline shared', 'the offline change to reach a newcomer')
    } finally {
      back.destroy()
    }
  })

  it("sends the server's step 1 once the stored state is applied, with the stored state vector", async () => {
    const { store, url } = await setup()
    const { doc: source, stored: snapshot } = typed('vector')
    await stored(store, 'cold/vector', snapshot)
    const client = await openRawClient(url, 'cold/vector')
    await askForDocument(client)
    const { stateVector } = await client.nextMessage('sync-step-1')
    expect(stateVector).toEqual(Y.encodeStateVector(source))
  })

  it('keeps a stored state that does not apply aside, byte for byte, and opens the document with what loads', async () => {
    const { store, connect } = await setup({ commitDelay: 0 })
    const { stored: snapshot } = typed('precious')
    const broken = snapshot.slice(0, -3)
    await stored(store, 'cold/broken', broken)
    const client = connect('cold/broken')
    await client.synced()
    client.text.insert(0, 'x')
    // The document is rewritten without the part that does not apply, once that part is kept aside.
    await waitFor(async () => (await store.inner.quarantined('cold/broken')).length === 1, 'the quarantine')
    const [kept] = await store.inner.quarantined('cold/broken')
    expect(kept?.update).toEqual(broken)
    expect(kept?.reason).toMatch(/^snapshot \(\d+ bytes\)/)
    await waitFor(async () => {
      const now = await store.inner.load('cold/broken')
      if (!now?.snapshot) return false
      const doc = new Y.Doc()
      Y.applyUpdate(doc, now.snapshot)
      for (const update of now.updates) Y.applyUpdate(doc, update)
      return doc.getText('content').toString() === 'x'
    }, 'storage to hold the edit in a state that loads')
    expect(client.provider.wsconnected).toBe(true)
  })
})
