/**
 * The rule for document names.
 *
 * A document name is 1 to 200 characters of `A-Z a-z 0-9 - _ . ~ @ : + =`, in one or more segments joined
 * by `/`. No segment is empty, `.` or `..`; the name does not start or end with `/`. The rule is strict on
 * purpose: a name is used as a storage key and, with access control, matched against `prefix/*` patterns, so
 * there is exactly one spelling of every name (no percent-encoding, no path tricks, no NUL).
 */

/** The longest document name the server accepts, in characters. */
export const MAX_DOC_NAME_LENGTH = 200

const segmentPattern = /^[A-Za-z0-9\-_.~@:+=]+$/

/** Returns why `name` is not a valid document name, or `null` when it is. */
export function docNameError(name: string): string | null {
  if (name.length === 0) return 'the document name is empty'
  if (name.length > MAX_DOC_NAME_LENGTH) {
    return `the document name is longer than ${MAX_DOC_NAME_LENGTH} characters`
  }
  for (const segment of name.split('/')) {
    if (segment === '') return 'the document name has an empty segment (a leading, trailing or double "/")'
    if (segment === '.' || segment === '..') return 'the document name has a "." or ".." segment'
    if (!segmentPattern.test(segment)) {
      return 'the document name has a character outside A-Z a-z 0-9 - _ . ~ @ : + = and /'
    }
  }
  return null
}

/** A document name read from a request path, or why the path names none. */
export type DocNameResult = { ok: true; name: string } | { ok: false; error: string }

/**
 * Reads the document name from a WebSocket request path (`/team/notes?x=1` -> `team/notes`): the path
 * without its leading `/`, percent-decoded once, then checked against the rule.
 */
export function docNameFromPath(path: string): DocNameResult {
  const queryStart = path.indexOf('?')
  const raw = (queryStart === -1 ? path : path.slice(0, queryStart)).replace(/^\//, '')
  let name: string
  try {
    name = decodeURIComponent(raw)
  } catch {
    return { ok: false, error: 'the document name is not valid percent-encoding' }
  }
  const error = docNameError(name)
  return error === null ? { ok: true, name } : { ok: false, error }
}
