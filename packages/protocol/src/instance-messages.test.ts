import { describe, expect, it } from 'vitest'
import {
  decodeInstanceMessage,
  encodeInstanceAwareness,
  encodeInstanceCommitted,
  encodeInstanceGone,
  encodeInstanceSyncReply,
  encodeInstanceSyncRequest,
  encodeInstanceUpdate,
  instanceAwareness,
  instanceCommitted,
  instanceGone,
  instanceSyncReply,
  instanceSyncRequest,
  instanceUpdate,
  MalformedInstanceMessage,
} from './instance-messages.js'

const bytes = (...values: number[]) => Uint8Array.from(values)

describe('instance messages', () => {
  it('round-trip every kind with the sender and the time it was sent', () => {
    const before = Date.now()
    expect(decodeInstanceMessage(encodeInstanceUpdate('a-1', 42, 40, bytes(1, 2, 3)))).toMatchObject({
      kind: instanceUpdate,
      sender: 'a-1',
      seq: 42,
      committed: 40,
      update: bytes(1, 2, 3),
    })
    expect(decodeInstanceMessage(encodeInstanceGone('a-1', 4308, 'team/new'))).toMatchObject({
      kind: instanceGone,
      sender: 'a-1',
      code: 4308,
      movedTo: 'team/new',
    })
    expect(decodeInstanceMessage(encodeInstanceGone('a-1', 4410, ''))).toMatchObject({ code: 4410, movedTo: '' })
    expect(decodeInstanceMessage(encodeInstanceAwareness('a-1', bytes(9)))).toMatchObject({
      kind: instanceAwareness,
      update: bytes(9),
    })
    expect(decodeInstanceMessage(encodeInstanceSyncRequest('b', bytes(0)))).toMatchObject({
      kind: instanceSyncRequest,
      sender: 'b',
      stateVector: bytes(0),
    })
    expect(decodeInstanceMessage(encodeInstanceSyncReply('c', 'b', bytes(5), bytes(), bytes(7, 7)))).toMatchObject({
      kind: instanceSyncReply,
      sender: 'c',
      to: 'b',
      update: bytes(5),
      awareness: bytes(),
      stateVector: bytes(7, 7),
    })
    const committed = decodeInstanceMessage(encodeInstanceCommitted('c', 1_000_000))
    expect(committed).toMatchObject({ kind: instanceCommitted, seq: 1_000_000 })
    expect(committed.sentAt).toBeGreaterThanOrEqual(before)
    expect(committed.sentAt).toBeLessThanOrEqual(Date.now())
  })

  it('name what is wrong with a malformed message', () => {
    const update = encodeInstanceUpdate('a', 1, 0, bytes(1, 2, 3))
    expect(() => decodeInstanceMessage(update.subarray(0, update.length - 1))).toThrow(
      new MalformedInstanceMessage(`truncated instance message (${update.length - 1} bytes)`),
    )
    expect(() => decodeInstanceMessage(Uint8Array.of(...update, 0))).toThrow('1 bytes after the instance message')
    expect(() => decodeInstanceMessage(bytes(1, 97, 9, 0))).toThrow('unknown instance message kind 9')
    expect(() => decodeInstanceMessage(bytes())).toThrow(MalformedInstanceMessage)
  })
})
