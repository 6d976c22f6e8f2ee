import { expect, it } from 'vitest'
import { versionDue } from './version-schedule.js'

it('makes a version due a pause after the latest change, but no later than the interval after the first', () => {
  const options = { versionPause: 30_000, maxVersionInterval: 300_000 }
  expect(versionDue({ first: 1_000, last: 1_000 }, options)).toBe(31_000)
  expect(versionDue({ first: 1_000, last: 200_000 }, options)).toBe(230_000)
  // Typing without a pause: the interval decides.
  expect(versionDue({ first: 1_000, last: 290_000 }, options)).toBe(301_000)
  expect(versionDue({ first: 0, last: 0 })).toBe(30_000)
})
