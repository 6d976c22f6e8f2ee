import { describe, expect, it } from 'vitest'
import { docNameError, docNameFromPath, MAX_DOC_NAME_LENGTH } from './doc-name.js'

describe('document names', () => {
  it.each(['notes', 'team/notes', 'a/b/c', 'My-Doc_1.md', 'user@example.com:draft', 'a+b=c~d'])(
    'accepts %j',
    (name) => {
      expect(docNameError(name)).toBeNull()
    },
  )

  it.each([
    ['', 'empty'],
    ['a/../b', '".."'],
    ['./a', '"."'],
    ['a//b', 'empty segment'],
    ['/a', 'empty segment'],
    ['a/', 'empty segment'],
    ['a b', 'character outside'],
    ['a\u0000b', 'character outside'],
    ['a%2Fb', 'character outside'],
    ['naïve', 'character outside'],
    ['x'.repeat(MAX_DOC_NAME_LENGTH + 1), 'longer than'],
  ])('rejects %j and says why', (name, reason) => {
    expect(docNameError(name)).toContain(reason)
  })

  it('reads the name from a request path, dropping the query and decoding once', () => {
    expect(docNameFromPath('/team/notes?tandem=saved&x=1')).toEqual({ ok: true, name: 'team/notes' })
    expect(docNameFromPath('/a%40b')).toEqual({ ok: true, name: 'a@b' })
    expect(docNameFromPath('/a%2F..%2Fb')).toMatchObject({ ok: false, error: expect.stringContaining('..') })
    expect(docNameFromPath('/a%252Fb')).toMatchObject({ ok: false })
    expect(docNameFromPath('/%E0%A4%A')).toEqual({
      ok: false,
      error: 'the document name is not valid percent-encoding',
    })
    expect(docNameFromPath('/')).toMatchObject({ ok: false, error: 'the document name is empty' })
  })
})
