import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { VersionSchedule, versionDue } from './version-schedule.js'

beforeEach(() => {
  vi.useFakeTimers({ now: 0 })
})

afterEach(() => {
  vi.useRealTimers()
})

it('makes a version due a pause after the latest change, but no later than the interval after the first', () => {
  const options = { versionPause: 30_000, maxVersionInterval: 300_000 }
  expect(versionDue({ first: 1_000, last: 1_000 }, options)).toBe(31_000)
  expect(versionDue({ first: 1_000, last: 200_000 }, options)).toBe(230_000)
  // Typing without a pause: the interval decides.
  expect(versionDue({ first: 1_000, last: 290_000 }, options)).toBe(301_000)
  expect(versionDue({ first: 0, last: 0 })).toBe(30_000)
})

it('takes a version after a pause, waits again while changes go on, and takes one per interval without a pause', () => {
  const taken: [string, number][] = []
  const schedule = new VersionSchedule((name, last) => taken.push([name, last]), Date.now, {
    versionPause: 100,
    maxVersionInterval: 1000,
  })
  schedule.changed('a', Date.now())
  vi.advanceTimersByTime(60)
  schedule.changed('a', Date.now())
  // The first timer fires at 100 ms, finds the version due at 160 ms, and waits for it.
  vi.advanceTimersByTime(99)
  expect(taken).toEqual([])
  vi.advanceTimersByTime(1)
  expect(taken).toEqual([['a', 60]])

  // A change every 50 ms never pauses: the interval after the first of them decides.
  const first = Date.now()
  for (let step = 0; step < 30; step++) {
    schedule.changed('b', Date.now())
    vi.advanceTimersByTime(50)
  }
  expect(taken).toEqual([
    ['a', 60],
    ['b', first + 950],
  ])
  schedule.stop()
  vi.advanceTimersByTime(10_000)
  expect(taken).toHaveLength(2)
})
