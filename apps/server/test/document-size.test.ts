/**
 * The document size limit against the real server process: a change that would take a document past
 * `--max-document-size` closes its sender with 4413, unapplied and unstored, every time it is sent again, while
 * the people below the limit keep editing.
 */
import { join } from 'node:path'
import { CloseCode } from '@tandem/protocol'
import { startTandem, storedText, type TandemProcess, useTestClients, waitFor } from '@tandem/test-utils'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** Whether the stored log of `name` was compacted into a snapshot with nothing after it, read from the SQLite file. */
function compacted(dataDir: string, name: string): boolean {
  const db = new Database(join(dataDir, 'tandem.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const snapshot = db.prepare<[string], { snapshot: Buffer | null }>(
      'SELECT data AS snapshot FROM snapshots WHERE name = ?',
    )
    const updates = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM updates WHERE name = ?')
    return Boolean(snapshot.get(name)?.snapshot) && updates.get(name)?.n === 0
  } finally {
    db.close()
  }
}

/** The limit the server runs with: small, so a test reaches it with a few kilobytes of text. */
const LIMIT = 4096
const REASON = `the document is over the server's limit of ${LIMIT} bytes; the change was not saved`

const { connect } = useTestClients()

let server: TandemProcess
beforeAll(async () => {
  // Compacting after two stored changes lets a test see the measure recounted.
  server = await startTandem({ args: ['--max-document-size', String(LIMIT), '--compact-after', '2'] })
})
afterAll(async () => {
  await server?.dispose()
})

describe('--max-document-size', () => {
  it('refuses a change past the limit with 4413, stores none of it, and lets the others go on', async () => {
    const doc = 'size-limit'
    const first = connect(server.url, doc, { saved: true })
    const second = connect(server.url, doc, { saved: true })
    await Promise.all([first.synced(), second.synced()])
    first.text.insert(0, 'a'.repeat(1000))
    await waitFor(() => first.saves.saved && second.text.length === 1000, 'the first change to be saved and relayed')

    const writer = connect(server.url, doc)
    const closes: { code: number; reason: string }[] = []
    writer.provider.on('connection-close', (event) => {
      if (event) closes.push({ code: event.code, reason: event.reason })
    })
    await writer.synced()
    writer.text.insert(0, 'x'.repeat(LIMIT))
    await waitFor(() => closes.length === 1, 'the oversized change to be refused')
    // y-websocket does not reconnect after a 4xxx close on its own; one that does, with the same change pending,
    // is refused again.
    writer.provider.connect()
    await waitFor(() => closes.length === 2, 'the oversized change to be refused again')
    writer.destroy()
    expect(closes.slice(0, 2)).toEqual([
      { code: CloseCode.documentTooLarge, reason: REASON },
      { code: CloseCode.documentTooLarge, reason: REASON },
    ])

    // The others stay connected and keep editing below the limit.
    second.text.insert(1000, 'b')
    await waitFor(() => second.saves.saved && first.text.length === 1001, 'a small change to be saved and relayed')
    expect(first.provider.wsconnected && second.provider.wsconnected).toBe(true)
    expect(first.text.toString()).toBe(`${'a'.repeat(1000)}b`)
    expect(await storedText(server.dataDir, doc)).toBe(`${'a'.repeat(1000)}b`)
    expect(server.logs).toContainEqual(
      expect.objectContaining({ doc, code: CloseCode.documentTooLarge, reason: REASON }),
    )
  })

  it('answers a write through the document API that could pass the limit with 413, writing nothing', async () => {
    const append = (text: string) =>
      fetch(`${server.httpUrl}/api/docs/api-writes/append`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: text,
      })
    expect((await append('small. ')).status).toBe(201)
    const refused = await append('w'.repeat(LIMIT))
    expect(refused.status).toBe(413)
    expect(await refused.text()).toBe(
      `The document would pass the server's size limit of ${LIMIT} bytes; nothing was written.`,
    )
    expect(await storedText(server.dataDir, 'api-writes')).toBe('small. ')
  })

  it('counts deleted text that history keeps: after a compaction it still takes its room', async () => {
    const doc = 'deleted-and-compacted'
    const client = connect(server.url, doc, { saved: true })
    const closes: number[] = []
    client.provider.on('connection-close', (event) => {
      if (event) closes.push(event.code)
    })
    await client.synced()
    client.text.insert(0, 'q'.repeat(3000))
    await waitFor(() => client.saves.saved, 'the text to be saved')
    client.text.delete(0, 3000)
    await waitFor(() => client.saves.saved && compacted(server.dataDir, doc), 'the deletion to be saved and compacted')
    // The deleted 3000 characters stay in the stored state for the document's history (and reach every client that
    // syncs it), so 2000 new ones would take it past the 4 KiB limit: refused, and nothing of them stored.
    client.text.insert(0, 'r'.repeat(2000))
    await waitFor(() => closes.length === 1, 'the change to be refused')
    expect(closes).toEqual([CloseCode.documentTooLarge])
    expect(await storedText(server.dataDir, doc)).toBe('')
    client.destroy()
  })

  it('opens a document stored over a lowered limit for reading, and refuses every change to it', async () => {
    const doc = 'grown-before'
    const writer = connect(server.url, doc, { saved: true })
    await writer.synced()
    writer.text.insert(0, 'z'.repeat(2000))
    await waitFor(() => writer.saves.saved, 'the text to be saved')
    writer.destroy()
    // What was saved is committed: the server may go at once (the last test of the file, so it stays down).
    await server.kill()
    const lowered = await startTandem({ dataDir: server.dataDir, args: ['--max-document-size', '1KiB'] })
    try {
      const reader = connect(lowered.url, doc)
      const closes: number[] = []
      reader.provider.on('connection-close', (event) => {
        if (event) closes.push(event.code)
      })
      await reader.synced()
      expect(reader.text.toString()).toBe('z'.repeat(2000))
      // Even a deletion: it adds to the document's encoding until the next compaction.
      reader.text.delete(0, 1)
      await waitFor(() => closes.length === 1, 'the change to be refused')
      expect(closes).toEqual([CloseCode.documentTooLarge])
      expect(await storedText(lowered.dataDir, doc)).toBe('z'.repeat(2000))
    } finally {
      await lowered.kill()
    }
  })
})
