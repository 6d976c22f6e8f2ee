import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { StoredDoc } from './doc-store.js'
import { recoverStoredState, type StoredStateCheck } from './stored-state.js'

const CLOCK_LIMIT = 2 ** 40

/** The shape of the server's check: bounds on every part, and for a whole state, nothing left pending. */
const bounded: StoredStateCheck = (update, wholeState) => {
  for (const struct of Y.decodeUpdate(update).structs) {
    const end = struct.id.clock + struct.length
    if (end > CLOCK_LIMIT) return `client ${struct.id.client} reaches clock ${end}, past ${CLOCK_LIMIT}`
  }
  return wholeState && leavesPending(update) ? 'it is not self-contained' : null
}

const acceptAll: StoredStateCheck = () => null

/** Records every call of `check`, then answers as it does. */
function spied(check: StoredStateCheck): { check: StoredStateCheck; calls: [Uint8Array, boolean][] } {
  const calls: [Uint8Array, boolean][] = []
  return {
    calls,
    check: (update, wholeState) => {
      calls.push([update, wholeState])
      return check(update, wholeState)
    },
  }
}

describe('recoverStoredState', () => {
  it('returns the merge of a clean stored doc byte for byte, without applying it', () => {
    const writer = new Writer(1)
    writer.type('Hello, world')
    const snapshot = Y.encodeStateAsUpdate(writer.doc)
    const log = [writer.type('!'), writer.delete(0, 7), writer.type(' again')]
    const merged = Y.mergeUpdates([snapshot, ...log])
    // Applying and encoding would give other bytes (the deleted text is collected), so equal bytes prove the
    // fast path served the merge as it is.
    expect(Y.encodeStateAsUpdate(docFrom(merged))).not.toEqual(merged)
    const { check, calls } = spied(bounded)

    const recovered = recoverStoredState({ snapshot, updates: log }, check)

    expect(recovered).toEqual({ state: merged, quarantined: [], clean: true })
    expect(calls).toEqual([[merged, true]])
    expect(textOf(recovered.state)).toBe('world! again')
  })

  it('has no state and nothing to check when nothing is stored', () => {
    const { check, calls } = spied(bounded)
    expect(recoverStoredState({ snapshot: null, updates: [] }, check)).toEqual({
      state: null,
      quarantined: [],
      clean: true,
    })
    expect(calls).toEqual([])
  })

  it('quarantines a log entry whose clock lies near 2^53 and keeps the text of every other entry', () => {
    const writer = new Writer(1)
    const hostile = stringAt(666, 2 ** 53 - 5, 'evil')
    // Yjs itself accepts it, which is how it reached storage.
    expect(() => Y.applyUpdate(new Y.Doc(), hostile)).not.toThrow()
    const updates = [writer.type('one '), hostile, writer.type('two '), writer.type('three')]

    const recovered = recoverStoredState({ snapshot: null, updates }, bounded)

    expect(recovered.clean).toBe(false)
    expect(recovered.quarantined).toEqual([
      {
        update: hostile,
        reason: `log entry 2 of 4 (${hostile.byteLength} bytes) is refused: client 666 reaches clock ${2 ** 53 - 1}, past ${CLOCK_LIMIT}`,
      },
    ])
    expect(textOf(recovered.state)).toBe('one two three')
    expect(clientsOf(recovered.state)).toEqual([1])
    expect(bounded(recovered.state!, true)).toBeNull()
  })

  it('drops pending content for a made-up client from a snapshot, quarantining its bytes', () => {
    const writer = new Writer(1)
    writer.type('a'.repeat(1024))
    const bloated = docFrom(Y.encodeStateAsUpdate(writer.doc))
    Y.applyUpdate(bloated, stringAt(4242, 1_000_000_000, 'x'.repeat(128 * 1024)))
    const snapshot = Y.encodeStateAsUpdate(bloated)
    const updates = [writer.type('b')]
    const { check, calls } = spied(bounded)

    const recovered = recoverStoredState({ snapshot, updates }, check)

    expect(textOf(recovered.state)).toBe(`${'a'.repeat(1024)}b`)
    expect(leavesPending(recovered.state!)).toBe(false)
    expect(recovered.state!.byteLength).toBeLessThan(2 * 1024)
    expect(snapshot.byteLength).toBeGreaterThan(128 * 1024)
    expect(recovered.clean).toBe(false)
    expect(recovered.quarantined).toHaveLength(1)
    const [dropped] = recovered.quarantined
    expect(dropped?.reason).toBe(
      'pending content dropped on load: it needs client 4242 clock 999999999, which no stored part holds',
    )
    expect(Y.decodeUpdate(dropped!.update).structs.map((struct) => [struct.id.client, struct.id.clock])).toEqual([
      [4242, 1_000_000_000],
    ])
    // The merge was refused as a whole; each part was then judged on its bounds alone.
    expect(calls.map(([, wholeState]) => wholeState)).toEqual([true, false, false])
  })

  it('drops a log entry that depends on a quarantined one, as pending content', () => {
    const writer = new Writer(1)
    const refused = writer.type('refused ')
    const dependent = writer.type('dependent')
    const other = new Writer(2).type('kept')
    // Refuses the first edit of client 1, alone or within the whole.
    const check: StoredStateCheck = (update, wholeState) =>
      Y.decodeUpdate(update).structs.some((struct) => struct.id.client === 1 && struct.id.clock === 0)
        ? 'refused by the test'
        : bounded(update, wholeState)

    const recovered = recoverStoredState({ snapshot: null, updates: [other, refused, dependent] }, check)

    expect(textOf(recovered.state)).toBe('kept')
    expect(recovered.quarantined.map(({ reason }) => reason)).toEqual([
      `log entry 2 of 3 (${refused.byteLength} bytes) is refused: refused by the test`,
      'pending content dropped on load: it needs client 1 clock 7, which no stored part holds',
    ])
    // Its bytes are kept whole: after the refused entry, they give back the text.
    expect(textOf(recovered.quarantined[1]!.update, refused)).toBe('refused dependent')
  })

  it('quarantines a part that makes Y.applyUpdate throw, rebuilding the doc without its partial effects', () => {
    const writer = new Writer(1)
    const broken = truncatedDeleteSet(new Writer(9).type('partial '))
    // Yjs integrates the part's text before it fails on the truncated delete set.
    const witness = new Y.Doc()
    expect(() => Y.applyUpdate(witness, broken)).toThrow('Unexpected end of array')
    expect(witness.getText('content').toString()).toBe('partial ')
    const updates = [writer.type('kept '), broken, writer.type('also kept')]

    const recovered = recoverStoredState({ snapshot: null, updates }, acceptAll)

    expect(recovered.quarantined).toEqual([
      {
        update: broken,
        reason: `log entry 2 of 3 (${broken.byteLength} bytes) does not apply on load: Unexpected end of array`,
      },
    ])
    expect(textOf(recovered.state)).toBe('kept also kept')
    expect(clientsOf(recovered.state)).toEqual([1])
    expect(recovered.clean).toBe(false)
  })

  it('quarantines every part of a stored doc that is all bad, leaving an empty state to write back', () => {
    const hostile = stringAt(666, 2 ** 53 - 5, 'evil')
    const stored: StoredDoc = { snapshot: Uint8Array.of(1), updates: [hostile, Uint8Array.of(1, 1, 200)] }

    const recovered = recoverStoredState(stored, bounded)

    expect(recovered.state).toEqual(Y.encodeStateAsUpdate(new Y.Doc()))
    expect(recovered.clean).toBe(false)
    expect(recovered.quarantined.map(({ update }) => update)).toEqual([stored.snapshot, ...stored.updates])
    expect(recovered.quarantined.map(({ reason }) => reason.slice(0, reason.indexOf(':')))).toEqual([
      'snapshot (1 bytes) is refused',
      `log entry 1 of 2 (${hostile.byteLength} bytes) is refused`,
      'log entry 2 of 2 (3 bytes) is refused',
    ])
    // The test's check decodes each part; with one that accepts anything, Yjs refuses the malformed bytes itself.
    const unchecked = recoverStoredState({ snapshot: stored.snapshot, updates: [Uint8Array.of(1, 1, 200)] }, acceptAll)
    expect(unchecked.quarantined.map(({ reason }) => reason.slice(0, reason.indexOf(':')))).toEqual([
      'snapshot (1 bytes) does not apply on load',
      'log entry 1 of 1 (3 bytes) does not apply on load',
    ])
    expect(unchecked.state).toEqual(Y.encodeStateAsUpdate(new Y.Doc()))
  })
})

/** A client typing into the root text "content", returning the update of each edit. */
class Writer {
  readonly doc = new Y.Doc()

  constructor(clientID: number) {
    this.doc.clientID = clientID
  }

  type(text: string): Uint8Array {
    return this.edit((content) => content.insert(content.length, text))
  }

  delete(index: number, length: number): Uint8Array {
    return this.edit((content) => content.delete(index, length))
  }

  private edit(change: (content: Y.Text) => void): Uint8Array {
    let update: Uint8Array | undefined
    const record = (bytes: Uint8Array) => {
      update = bytes
    }
    this.doc.on('update', record)
    change(this.doc.getText('content'))
    this.doc.off('update', record)
    return update!
  }
}

/**
 * A v1 update written by hand: one client with one ContentString struct at `clock` in the root text "content",
 * no origins and no deletions. Nothing before `clock` exists, so Yjs keeps it pending wherever it is applied.
 */
function stringAt(client: number, clock: number, text: string): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // clients
  encoding.writeVarUint(encoder, 1) // structs of the client
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, clock)
  encoding.writeUint8(encoder, 4) // info: ContentString, no origins, no parent sub-key
  encoding.writeVarUint(encoder, 1) // the parent is a root type, named next
  encoding.writeVarString(encoder, 'content')
  encoding.writeVarString(encoder, text)
  encoding.writeVarUint(encoder, 0) // delete set: no clients
  return encoding.toUint8Array(encoder)
}

/** `update` (which deletes nothing) with a delete set cut short: one client announced, its ranges missing. */
function truncatedDeleteSet(update: Uint8Array): Uint8Array {
  expect(update.at(-1)).toBe(0)
  return Uint8Array.of(...update.subarray(0, -1), 1, 9, 3, 0)
}

function docFrom(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

function leavesPending(update: Uint8Array): boolean {
  const { store } = docFrom(update)
  return store.pendingStructs !== null || store.pendingDs !== null
}

function textOf(state: Uint8Array | null, ...before: Uint8Array[]): string {
  expect(state).not.toBeNull()
  const doc = new Y.Doc()
  for (const update of before) Y.applyUpdate(doc, update)
  Y.applyUpdate(doc, state!)
  return doc.getText('content').toString()
}

/** The clients whose structs `state` holds. */
function clientsOf(state: Uint8Array | null): number[] {
  return [...new Set(Y.decodeUpdate(state!).structs.map((struct) => struct.id.client))]
}
