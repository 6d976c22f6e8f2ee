/**
 * Bad input against the real server process: garbage frames, oversized frames, bad document names and a client
 * that stops reading. Each gets a named answer and ends only the connection that sent it; the process, other
 * rooms and stored data are untouched.
 */
import type { Socket } from 'node:net'
import { CloseCode, encodeSyncStep1Message, encodeUpdateMessage, readMessage } from '@tandem/protocol'
import {
  type CloseInfo,
  openRawClient,
  type RawClient,
  startTandem,
  type TandemProcess,
  type TestClient,
  useTestClients,
  waitFor,
} from '@tandem/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { describeFrame, type MalformedFrame, malformedFrames } from './support/malformed-frames.js'
import { logLines, metricValue, rawUpgrade, readMetric, scrapeMetrics, within } from './support/probes.js'

const KiB = 1024
const MiB = 1024 * KiB
/** The frame cap the server under test runs with (`--max-message-size 64KiB`). */
const MAX_MESSAGE = 64 * KiB
const BAD_MESSAGE_LOG = 'closing a connection that sent a bad message'
/** The close codes a bad frame may get. */
const NAMED_CODES = [
  CloseCode.protocolError,
  CloseCode.unsupportedData,
  CloseCode.invalidPayload,
  CloseCode.messageTooBig,
  CloseCode.internalError,
  CloseCode.updateRefused,
]

const { connect, openRaw, closeAll } = useTestClients()
/** Two stock clients in `room`, synced. */
async function pair(server: TandemProcess, room: string): Promise<[TestClient, TestClient]> {
  const a = connect(server.url, room)
  const b = connect(server.url, room)
  await Promise.all([a.synced(), b.synced()])
  return [a, b]
}

/** Appends `line` through `writer` and waits until every client has the text `expected + line`. */
async function appendAndSync(writer: TestClient, everyone: TestClient[], expected: string, line: string) {
  writer.text.insert(writer.text.length, line)
  const want = expected + line
  await waitFor(
    () => everyone.every((client) => client.text.toString() === want),
    `every client to have ${JSON.stringify(line)}`,
  )
  return want
}

async function getText(server: TandemProcess, name: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}/text`)
  return { status: response.status, body: await response.text() }
}

/** The server for bad frames and bad names: a 64 KiB frame cap, and no connection rate limit to trip over. */
let server: TandemProcess
beforeAll(async () => {
  server = await startTandem({ args: ['--max-message-size', '64KiB', '--max-connections-per-minute', '1000000'] })
})
afterAll(async () => {
  await server?.dispose()
})

describe('bad frames', () => {
  it('ends 1,000 connections sending malformed frames with named codes, touching nothing else', async () => {
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 32)
    console.log(`bad-input fuzz: seed ${seed} (replay with FUZZ_SEED=${seed})`)
    const frames = malformedFrames(seed, 1000, MAX_MESSAGE)
    const fuzzRoom = 'fuzz/target'
    const calmRoom = 'calm/bystander'
    const [a, b] = await pair(server, calmRoom)
    let expected = await appendAndSync(a, [a, b], '', 'before the garbage\n')
    const before = await scrapeMetrics(server.httpUrl)

    // One frame per connection, then a text frame: a frame the server happens to take as valid leaves the
    // connection open, and the text frame then ends it with 1003, so every connection ends with a close code.
    const terminator = 'end'
    const outcomes: { frame: MalformedFrame; close: CloseInfo }[] = []
    let next = 0
    const sendAll = async () => {
      while (next < frames.length) {
        const frame = frames[next++]!
        const raw = await openRawClient(server.url, fuzzRoom)
        raw.send(frame.data)
        raw.send(terminator)
        const close = await within(raw.closed, 20_000, `the close after ${describeFrame(frame)} (seed ${seed})`)
        outcomes.push({ frame, close })
      }
    }
    let fuzzDone = false
    const fuzz = Promise.all(Array.from({ length: 16 }, sendAll)).finally(() => {
      fuzzDone = true
    })
    // Awaited below; this only keeps a failure from being reported as unhandled while the edits go on.
    fuzz.catch(() => {})

    // Meanwhile, the bystanders keep editing their own room, in turns.
    let rounds = 0
    while (!fuzzDone) {
      const writer = rounds % 2 === 0 ? b : a
      expected = await appendAndSync(writer, [a, b], expected, `edit ${rounds} during the garbage\n`)
      rounds++
    }
    await fuzz
    expected = await appendAndSync(a, [a, b], expected, 'after the garbage\n')
    expect(rounds).toBeGreaterThanOrEqual(1)

    expect(outcomes).toHaveLength(1000)
    const counts = new Map<number, number>()
    let takenAsValid = 0
    for (const { frame, close } of outcomes) {
      const where = `${describeFrame(frame)}, closed with ${close.code} "${close.reason}" (seed ${seed})`
      expect(NAMED_CODES, where).toContain(close.code)
      counts.set(close.code, (counts.get(close.code) ?? 0) + 1)
      // The reason always says what was wrong.
      if (close.code === CloseCode.protocolError) {
        expect(close.reason, where).toMatch(/^(malformed message: .+|unknown (sync )?message type \d+)$/)
      } else if (close.code === CloseCode.invalidPayload) {
        expect(close.reason, where).toMatch(/^rejected payload: .+/)
      } else if (close.code === CloseCode.updateRefused) {
        expect(close.reason, where).toMatch(/^update refused: .+/)
      } else if (close.code === CloseCode.unsupportedData) {
        expect(close.reason, where).toBe('text frames are not supported')
      }
      if (close.code === CloseCode.unsupportedData && frame.kind !== 'text-frame') {
        // The terminator's answer: the frame itself was a valid message.
        expect(frame.mayBeValid, where).toBe(true)
        takenAsValid++
        continue
      }
      expect(frame.codes, where).toContain(close.code)
      if (frame.reason !== undefined) expect(close.reason, where).toBe(frame.reason)
      if (frame.reasonPrefix !== undefined) expect(close.reason.startsWith(frame.reasonPrefix), where).toBe(true)
    }
    console.log(
      `bad-input fuzz: close codes ${JSON.stringify(Object.fromEntries(counts))}, ${takenAsValid} frames were valid messages`,
    )
    for (const code of [
      CloseCode.protocolError,
      CloseCode.unsupportedData,
      CloseCode.invalidPayload,
      CloseCode.messageTooBig,
    ]) {
      expect(counts.get(code) ?? 0, `connections closed with ${code} (seed ${seed})`).toBeGreaterThan(0)
    }
    expect(counts.get(CloseCode.internalError) ?? 0, `internal errors (seed ${seed})`).toBe(0)

    // Every refusal was counted by kind and logged with its document; no connection was left behind.
    const count = (code: number) => counts.get(code) ?? 0
    const after = await scrapeMetrics(server.httpUrl)
    const delta = (kind: string) =>
      metricValue(after, 'tandem_errors_total', { kind }) - metricValue(before, 'tandem_errors_total', { kind })
    expect(delta('malformed-message')).toBe(count(CloseCode.protocolError))
    expect(delta('rejected-update')).toBe(count(CloseCode.invalidPayload))
    expect(delta('update-refused')).toBe(count(CloseCode.updateRefused))
    expect(delta('text-frame')).toBe(count(CloseCode.unsupportedData))
    expect(delta('socket-error')).toBe(count(CloseCode.messageTooBig))
    const refused =
      count(CloseCode.protocolError) +
      count(CloseCode.unsupportedData) +
      count(CloseCode.invalidPayload) +
      count(CloseCode.updateRefused)
    await waitFor(
      () => logLines(server.logs, { msg: BAD_MESSAGE_LOG, doc: fuzzRoom }).length === refused,
      `${refused} "${BAD_MESSAGE_LOG}" log lines for ${fuzzRoom}`,
    )
    await waitFor(
      () => logLines(server.logs, { msg: 'WebSocket error', doc: fuzzRoom }).length === count(CloseCode.messageTooBig),
      `${count(CloseCode.messageTooBig)} "WebSocket error" log lines for ${fuzzRoom}`,
    )
    await expect.poll(() => readMetric(server.httpUrl, 'tandem_connections'), { timeout: 10_000 }).toBe(2)

    // The process is alive and healthy, and the other room's text is exactly what its clients wrote.
    expect(server.child.exitCode).toBeNull()
    const health = await fetch(`${server.httpUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect(await getText(server, calmRoom)).toEqual({ status: 200, body: expected })

    // And so is what storage holds: read back after a restart.
    closeAll()
    await server.restart()
    expect(await getText(server, calmRoom)).toEqual({ status: 200, body: expected })
  })

  /** Sends `frame` on a new connection to `room` and returns how the server closed it. */
  async function rejectionOf(room: string, frame: Uint8Array | string): Promise<CloseInfo> {
    const raw = await openRaw(server.url, room)
    await raw.next(() => true)
    raw.send(frame)
    return within(raw.closed, 10_000, `the server to close the connection to ${room}`)
  }

  /** Waits for the warning about a refused message on `room`, and checks it names the document and connection. */
  async function expectBadMessageLogged(room: string, code: number, reason: string) {
    await waitFor(() => logLines(server.logs, { msg: BAD_MESSAGE_LOG, doc: room }).length > 0, `a log line for ${room}`)
    const lines = logLines(server.logs, { msg: BAD_MESSAGE_LOG, doc: room })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 40, doc: room, code, reason, connection: expect.any(Number) })
    expect(Number.isInteger(lines[0]!.connection) && (lines[0]!.connection as number) > 0).toBe(true)
  }

  it('answers a text frame with 1003', async () => {
    const close = await rejectionOf('bad/text', 'hello?')
    expect(close).toEqual({ code: 1003, reason: 'text frames are not supported' })
    await expectBadMessageLogged('bad/text', 1003, 'text frames are not supported')
  })

  it('answers an unknown message type with 1002, naming the type', async () => {
    const close = await rejectionOf('bad/unknown-type', new Uint8Array([42, 1, 2, 3]))
    expect(close).toEqual({ code: 1002, reason: 'unknown message type 42' })
    await expectBadMessageLogged('bad/unknown-type', 1002, 'unknown message type 42')
  })

  it('answers a corrupt update with 1007 and leaves the document as it was', async () => {
    const room = 'bad/corrupt-update'
    const [a, b] = await pair(server, room)
    await appendAndSync(a, [a, b], '', 'intact')
    // A real update, cut short, in a well-formed envelope.
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(update))
    source.getText('content').insert(0, 'hello world')
    const corrupt = encodeUpdateMessage(updates[0]!.slice(0, -4))

    // The update is walked before Yjs sees it: the reason names the part that runs past the end.
    const reason = 'rejected payload: a string or buffer of 11 bytes runs past the end of the update'
    const close = await rejectionOf(room, corrupt)
    expect(close).toEqual({ code: 1007, reason })
    await expectBadMessageLogged(room, 1007, reason)
    expect(await getText(server, room)).toEqual({ status: 200, body: 'intact' })
    await appendAndSync(b, [a, b], 'intact', ' and still editable')
  })

  it('closes a connection that sends a frame over --max-message-size with 1009; the room keeps working', async () => {
    const room = 'big/room'
    const [a, b] = await pair(server, room)
    const close = await rejectionOf(room, new Uint8Array(100 * KiB).fill(7))
    // ws sends 1009 without a reason; the log line says what happened.
    expect(close.code).toBe(1009)
    await waitFor(
      () => logLines(server.logs, { msg: 'WebSocket error', doc: room }).length === 1,
      'the WebSocket error log line',
    )
    expect(logLines(server.logs, { msg: 'WebSocket error', doc: room })[0]).toMatchObject({
      level: 40,
      connection: expect.any(Number),
      err: { message: 'Max payload size exceeded' },
    })

    // Just under the cap still goes through, and the others in the room still sync.
    const text = await appendAndSync(a, [a, b], '', 'y'.repeat(48 * KiB))
    await appendAndSync(b, [a, b], text, ' after the big frame')
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true)
  })
})

describe('bad document names', () => {
  it.each([
    ['/a/../b', 'the document name has a "." or ".." segment'],
    ['/%2E%2E/secret', 'the document name has a "." or ".." segment'],
    ['/team/./notes', 'the document name has a "." or ".." segment'],
    ['/a//b', 'the document name has an empty segment (a leading, trailing or double "/")'],
    ['/team/notes/', 'the document name has an empty segment (a leading, trailing or double "/")'],
    [`/${'n'.repeat(201)}`, 'the document name is longer than 200 characters'],
    ['/team/a%00b', 'the document name has a character outside A-Z a-z 0-9 - _ . ~ @ : + = and /'],
    ['/team/a%20b', 'the document name has a character outside A-Z a-z 0-9 - _ . ~ @ : + = and /'],
    ['/%E0%A4%A', 'the document name is not valid percent-encoding'],
    ['/?room=x', 'the document name is empty'],
  ])('refuses the upgrade of %s with 400 and the reason', async (path, reason) => {
    const response = await rawUpgrade(server.port, path)
    expect(response.status).toBe(400)
    expect(response.statusText).toBe('Bad Request')
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(response.body).toBe(`Invalid document name: ${reason}.\n`)
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)))
  })

  it('still accepts a valid name after refusing bad ones', async () => {
    const response = await rawUpgrade(server.port, '/a/../b')
    expect(response.status).toBe(400)
    const client = connect(server.url, 'a/b')
    await client.synced()
    await expect.poll(() => readMetric(server.httpUrl, 'tandem_connections')).toBe(1)
  })
})

describe('a client that stops reading', () => {
  const chunk = 64 * KiB
  // Its own server, so that what it measures (memory, error counts) is about this alone.
  let tandem: TandemProcess

  beforeAll(async () => {
    tandem = await startTandem({ args: ['--max-buffered', '1MiB'] })
  })
  afterAll(async () => {
    await tandem?.dispose()
  })

  /** Opens a raw connection to `room`, waits for the server's first message, and stops reading from it. */
  async function stalledClient(room: string): Promise<RawClient> {
    const raw = await openRaw(tandem.url, room)
    await raw.next(() => true)
    socketOf(raw).pause()
    return raw
  }
  /** A writer connected to `room`, once the server holds `chunks` chunks of `letter` it wrote there. */
  async function written(room: string, letter: string, chunks: number) {
    const writer = connect(tandem.url, room)
    await writer.synced()
    for (let i = 0; i < chunks; i++) writer.text.insert(writer.text.length, letter.repeat(chunk))
    await waitFor(
      async () => (await getText(tandem, room)).body.length === chunks * chunk,
      `the server to hold ${chunks} × 64 KiB`,
    )
    return writer
  }
  const socketOf = (raw: RawClient) => (raw.ws as unknown as { _socket: Socket })._socket
  const slowConsumerErrors = () => readMetric(tandem.httpUrl, 'tandem_errors_total', { kind: 'slow-consumer' })
  const cutOffLines = (room: string) =>
    logLines(tandem.logs, { msg: 'terminating a connection that stopped reading', doc: room })

  it('is cut off once 1 MiB waits for it while others push 200 × 64 KiB, and the room goes on', async () => {
    const room = 'slow/busy-room'
    const inserts = 200
    const writer = connect(tandem.url, room)
    await writer.synced()
    // A client that keeps reading sees every broadcast the stalled one was sent. The writer waits for it to
    // have each insert before the next, so that every broadcast is one insert and this reader is never behind.
    const reader = await openRaw(tandem.url, room)
    const stalled = await stalledClient(room)
    const errorsBefore = await slowConsumerErrors()

    for (let i = 0; i < inserts; i++) {
      const seen = reader.received.length
      writer.text.insert(writer.text.length, String.fromCharCode(97 + (i % 26)).repeat(chunk))
      await reader.next((frame) => frame.byteLength > chunk && reader.received.indexOf(frame) >= seen)
    }
    await expect.poll(slowConsumerErrors, { timeout: 30_000 }).toBe(errorsBefore + 1)
    await waitFor(() => cutOffLines(room).length === 1, 'the log line about the cut-off connection')
    const cutOff = cutOffLines(room)[0]!
    expect(cutOff).toMatchObject({ level: 40, connection: expect.any(Number) })

    // Reading again, the stalled client finds its connection dropped without a close frame.
    socketOf(stalled).resume()
    expect((await within(stalled.closed, 20_000, 'the stalled client to see its connection end')).code).toBe(1006)

    // The writer is still connected; a newcomer gets everything it wrote and edits with it.
    expect(writer.provider.wsconnected).toBe(true)
    const newcomer = connect(tandem.url, room)
    await newcomer.synced(30_000)
    await waitFor(() => newcomer.text.length === inserts * chunk, 'the newcomer to have every insert', 30_000)
    newcomer.text.insert(0, 'still here: ')
    await waitFor(() => writer.text.toString().startsWith('still here: aaaa'), 'the writer to see the newcomer', 30_000)
    await expect.poll(() => readMetric(tandem.httpUrl, 'tandem_connections')).toBe(3)

    // The server checks before every send, so it held at most the cap plus one message (and its frame header).
    const largest = Math.max(...reader.received.map((frame) => frame.byteLength))
    expect(cutOff.bufferedAmount as number).toBeGreaterThan(1 * MiB)
    expect(cutOff.bufferedAmount as number).toBeLessThanOrEqual(1 * MiB + largest + 14)
  })

  it('is cut off before requests for the whole document pile up, and the server does not grow', async () => {
    // A stalled client that keeps asking for the whole document (sync step 1 with an empty state vector) would
    // have 30 × 960 KiB queued for it without the cap (its budget allows 30 requests at once): that would show in
    // the server's memory. A bigger document would come in pieces (see the next test).
    const room = 'slow/greedy'
    const writer = await written(room, 'g', 15)
    const errorsBefore = await slowConsumerErrors()
    const baseline = await readMetric(tandem.httpUrl, 'process_resident_memory_bytes')
    const bound = baseline + 16 * MiB

    const stalled = await stalledClient(room)
    let peak = baseline
    let cutOff = false
    const sampler = (async () => {
      while (!cutOff) {
        const metrics = await scrapeMetrics(tandem.httpUrl)
        peak = Math.max(peak, metricValue(metrics, 'process_resident_memory_bytes'))
        cutOff = metricValue(metrics, 'tandem_errors_total', { kind: 'slow-consumer' }) > errorsBefore
      }
    })()
    for (let i = 0; i < 30; i++) stalled.send(encodeSyncStep1Message(new Uint8Array([0])))
    await within(sampler, 30_000, 'the stalled client to be cut off')
    const after = await readMetric(tandem.httpUrl, 'process_resident_memory_bytes')
    console.log(
      `slow consumer: RSS ${(baseline / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB, ` +
        `${(after / MiB).toFixed(1)} MiB after (bound ${(bound / MiB).toFixed(1)} MiB)`,
    )
    expect(peak).toBeLessThan(bound)
    expect(after).toBeLessThan(bound)
    expect(await slowConsumerErrors()).toBe(errorsBefore + 1)
    await waitFor(() => cutOffLines(room).length === 1, 'the log line about the cut-off connection')

    // The document and its writer are fine.
    expect(tandem.child.exitCode).toBeNull()
    expect(writer.provider.wsconnected).toBe(true)
    expect((await getText(tandem, room)).body).toBe('g'.repeat(15 * chunk))
  })

  it('gets a big document one piece at a time however often it asks, and all of it once it reads again', async () => {
    // 4 MiB: sent in pieces of 256 KiB, each once the one before has left. Asking again while they are on their
    // way queues nothing: the last piece's step 2 answers every request.
    const room = 'slow/big-greedy'
    const writer = await written(room, 'h', 64)
    const errorsBefore = await slowConsumerErrors()
    const baseline = await readMetric(tandem.httpUrl, 'process_resident_memory_bytes')
    const receivedBefore = await readMetric(tandem.httpUrl, 'tandem_messages_received_total')

    const stalled = await stalledClient(room)
    for (let i = 0; i < 20; i++) stalled.send(encodeSyncStep1Message(new Uint8Array([0])))
    // Every request has been read by the server (and, without the pieces, answered with 4 MiB each).
    await waitFor(
      async () => (await readMetric(tandem.httpUrl, 'tandem_messages_received_total')) >= receivedBefore + 20,
      'the server to read the 20 requests',
    )
    expect(await readMetric(tandem.httpUrl, 'process_resident_memory_bytes')).toBeLessThan(baseline + 16 * MiB)
    expect(await slowConsumerErrors()).toBe(errorsBefore)

    // Reading again, it gets the pieces, then one step 2 for all 20 requests, and holds the whole document.
    const doc = new Y.Doc()
    const types: string[] = []
    const apply = (frame: Uint8Array) => {
      const message = readMessage(frame)
      types.push(message.type)
      if (message.type === 'sync-update' || message.type === 'sync-step-2') Y.applyUpdate(doc, message.update)
      return message.type === 'sync-step-2'
    }
    for (const frame of stalled.received) apply(frame)
    socketOf(stalled).resume()
    await stalled.next((frame) => stalled.received.indexOf(frame) >= types.length && apply(frame), 30_000)
    expect(doc.getText('content').toString()).toBe('h'.repeat(64 * chunk))
    expect(types.filter((type) => type === 'sync-step-2')).toHaveLength(1)
    expect(types.filter((type) => type === 'sync-update')).toHaveLength(17)
    expect(await slowConsumerErrors()).toBe(errorsBefore)
    expect(writer.provider.wsconnected).toBe(true)
  })
})
