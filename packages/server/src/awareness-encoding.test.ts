import { readAwarenessEntries } from '@tandem/protocol'
import { describe, expect, it } from 'vitest'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { AwarenessEncoding } from './awareness-encoding.js'

/** The entries of an awareness update by client id, in a comparable form (the order of entries is free). */
function entries(update: Uint8Array): Map<number, string> {
  return new Map(readAwarenessEntries(update).map(({ clientId, clock, state }) => [clientId, `${clock} ${state}`]))
}

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
}

describe('the encoded awareness of a room', () => {
  it('always equals encoding every state anew, through joins, changes, renewals and departures', () => {
    const room = new Awareness(new Y.Doc())
    room.setLocalState(null)
    const encoded = new AwarenessEncoding(room)
    const changed = new Set<number>()
    room.on('update', ({ added, updated, removed }: Record<string, number[]>) => {
      for (const id of [...(added ?? []), ...(updated ?? []), ...(removed ?? [])]) changed.add(id)
    })
    const people = new Map<number, Awareness>()
    const next = random(7)
    for (let step = 0; step < 2000; step++) {
      const id = 100 + Math.floor(next() * 30)
      const roll = next()
      if (roll < 0.6) {
        // A person joins, moves their cursor, or renews the same state (a new clock, the same JSON).
        let person = people.get(id)
        if (!person) {
          const doc = new Y.Doc()
          doc.clientID = id
          person = new Awareness(doc)
          people.set(id, person)
        }
        const state = roll < 0.45 ? { user: { name: `person ${id}` }, cursor: step } : (person.getLocalState() ?? {})
        person.setLocalState(state)
        applyAwarenessUpdate(room, encodeAwarenessUpdate(person, [id]), 'client')
      } else if (roll < 0.7 && room.states.has(id)) {
        removeAwarenessStates(room, [id], 'leave')
      } else if (roll < 0.85) {
        const ids = [...changed]
        changed.clear()
        if (ids.length > 0) expect(encoded.changed(ids)).toEqual(encodeAwarenessUpdate(room, ids))
      } else {
        expect(entries(encoded.all())).toEqual(entries(encodeAwarenessUpdate(room, [...room.states.keys()])))
      }
    }
    expect(entries(encoded.all())).toEqual(entries(encodeAwarenessUpdate(room, [...room.states.keys()])))
  })
})
