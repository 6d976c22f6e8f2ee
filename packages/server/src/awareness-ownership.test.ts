import { describe, expect, it } from 'vitest'
import { AwarenessIds } from './awareness-ids.js'
import { type AwarenessMember, AwarenessOwnership } from './awareness-ownership.js'

/** A member of the person `key`, which counts the probes it gets. */
function member(key: string, verified = false): AwarenessMember & { probes: number } {
  const made = {
    identity: { key, verified },
    awarenessIds: new AwarenessIds(),
    probes: 0,
    probe() {
      made.probes++
    },
  }
  return made
}

describe('AwarenessOwnership', () => {
  it('gives a free id to whoever sets it first, and probes the owner on another member’s claim', () => {
    const ownership = new AwarenessOwnership()
    const alice = member('ip:1')
    const mallory = member('ip:2')
    expect(ownership.judge(alice, 7)).toBe('own')
    ownership.set(alice, 7)
    expect(ownership.owner(7)).toBe(alice)
    expect([...alice.awarenessIds]).toEqual([7])
    expect(ownership.judge(mallory, 7)).toBe('claimed')
    ownership.claim(mallory, [7], new Uint8Array([1]))
    expect(alice.probes).toBe(1)
    expect(ownership.liveIds()).toEqual([7])
  })

  it('keeps the id of a person who left for that person: another person’s claim is refused, theirs wins', () => {
    const ownership = new AwarenessOwnership()
    const alice = member('user:alice')
    ownership.set(alice, 7)
    const gone = ownership.leave(alice, () => true)
    expect(gone.removed).toEqual([7])
    expect(ownership.owner(7)).toBeUndefined()
    expect(ownership.liveIds()).toEqual([])
    expect(ownership.judge(member('user:mallory'), 7)).toBe('reserved')
    const back = member('user:alice')
    expect(ownership.judge(back, 7)).toBe('own')
    ownership.set(back, 7)
    expect(ownership.owner(7)).toBe(back)
  })

  it('hands a silently dropped owner’s id to a live claimant only when it is the same person', () => {
    const ownership = new AwarenessOwnership()
    const alice = member('ip:1')
    const aliceAgain = member('ip:1')
    const mallory = member('ip:2')
    ownership.set(alice, 7)
    ownership.set(alice, 8)
    ownership.claim(mallory, [7], new Uint8Array([1]))
    ownership.claim(aliceAgain, [8], new Uint8Array([2]))
    const { removed, handedOver } = ownership.leave(alice, () => true)
    expect(removed).toEqual([7])
    expect([...handedOver]).toEqual([[aliceAgain, new Uint8Array([2])]])
    expect(ownership.owner(8)).toBe(aliceAgain)
    expect(ownership.judge(mallory, 7)).toBe('reserved')
  })

  it('forgets the oldest reservations past 10,000', () => {
    const ownership = new AwarenessOwnership()
    for (let id = 0; id < 10_001; id++) {
      const someone = member(`ip:${id}`)
      ownership.set(someone, id)
      ownership.leave(someone, () => true)
    }
    expect(ownership.judge(member('ip:x'), 0)).toBe('own')
    expect(ownership.judge(member('ip:x'), 1)).toBe('reserved')
    expect(ownership.judge(member('ip:x'), 10_000)).toBe('reserved')
  })
})
