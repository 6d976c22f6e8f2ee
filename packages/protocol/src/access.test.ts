import { describe, expect, it } from 'vitest'
import { docPatternError, isWildcard, patternCovers, patternsCover } from './access.js'

describe('document patterns', () => {
  it('covers names under a prefix at any depth, and nothing else', () => {
    expect(patternCovers('a/*', 'a/x')).toBe(true)
    expect(patternCovers('a/*', 'a/x/y')).toBe(true)
    expect(patternCovers('a/*', 'a')).toBe(false)
    expect(patternCovers('a/*', 'ab/x')).toBe(false)
    expect(patternCovers('a/*', 'b')).toBe(false)
    expect(patternCovers('a/*', 'b/a/x')).toBe(false)
  })

  it('matches exact names exactly, and * matches all', () => {
    expect(patternCovers('notes', 'notes')).toBe(true)
    expect(patternCovers('notes', 'notes/x')).toBe(false)
    expect(patternCovers('notes', 'note')).toBe(false)
    expect(patternCovers('*', 'anything/at/all')).toBe(true)
    expect(patternsCover(['x', 'team/*'], 'team/plan')).toBe(true)
    expect(patternsCover([], 'team/plan')).toBe(false)
    expect(['*', 'team/*', 'team/plan', 'notes'].map(isWildcard)).toEqual([true, true, false, false])
  })

  it('accepts only valid names, prefix/* patterns and *', () => {
    expect(docPatternError('team/*')).toBeNull()
    expect(docPatternError('*')).toBeNull()
    expect(docPatternError('notes')).toBeNull()
    expect(docPatternError('a/../*')).toContain('prefix')
    expect(docPatternError('a*')).toContain('neither a document name')
    expect(docPatternError('/*')).toContain('prefix')
    expect(docPatternError('**')).toContain('neither')
  })
})
