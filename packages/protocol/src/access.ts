/**
 * Access rules shared by the server and its clients: what a token grants, and how its document patterns
 * match document names. Pure functions; verifying signatures is the server's job.
 */
import { docNameError, MAX_DOC_NAME_LENGTH } from './doc-name.js'

/** What a token lets its holder do with the documents it covers. */
export type Access = 'read' | 'write'

/**
 * The claims of a Tandem access token (a JWT).
 *
 * ```json
 * { "sub": "alice", "name": "Alice", "docs": ["team/*", "notes"], "access": "write", "iat": 1790000000, "exp": 1790604800 }
 * ```
 */
export interface TokenClaims {
  /** Who holds the token: a user id of the issuing service. */
  sub: string
  /** The holder's display name, if the issuer knows it. */
  name?: string
  /** The documents covered: exact names, `prefix/*` for every document under `prefix/`, or `*` for all. */
  docs: string[]
  /** `read` or `write`. */
  access: Access
  /** Expiry, in seconds since the epoch. */
  exp: number
  /** Issue time, in seconds since the epoch. */
  iat?: number
  /**
   * The token's id: every token Tandem mints carries one, so that it can be revoked on its own. Tokens other
   * services sign may carry one (see `tokenIdError`); without it they can only expire.
   */
  jti?: string
}

/** The longest token id (`jti`), in characters. */
export const MAX_TOKEN_ID_LENGTH = 200

/**
 * Returns why `id` is not a valid token id (`jti`), or `null` when it is: 1 to 200 characters, none of them a
 * control character or white space, so an id can be shown, logged and put in a URL path without surprises.
 */
export function tokenIdError(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'a token id must be a non-empty string'
  if (id.length > MAX_TOKEN_ID_LENGTH) return `a token id must be at most ${MAX_TOKEN_ID_LENGTH} characters long`
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rule refuses.
  if (/[\u0000-\u0020\u007f-\u009f\s]/.test(id)) return 'a token id must not contain spaces or control characters'
  return null
}

/** The most patterns one token may carry. */
export const MAX_TOKEN_PATTERNS = 100

/** Returns why `pattern` is not a valid document pattern, or `null` when it is. */
export function docPatternError(pattern: string): string | null {
  if (pattern === '*') return null
  if (pattern.endsWith('/*')) {
    const prefix = pattern.slice(0, -2)
    if (prefix.length > MAX_DOC_NAME_LENGTH - 2) return `the pattern "${pattern}" is too long`
    const error = docNameError(prefix)
    return error === null ? null : `the prefix of "${pattern}" is not valid: ${error}`
  }
  const error = docNameError(pattern)
  return error === null ? null : `"${pattern}" is neither a document name nor a prefix/* pattern: ${error}`
}

/**
 * Whether a document pattern covers a document name. `prefix/*` covers every name that starts with `prefix/`,
 * at any depth; `*` covers every name; anything else covers exactly that name. The name must already be
 * valid (see `docNameError`), which rules out `..` and encoded tricks.
 */
export function patternCovers(pattern: string, name: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1)) && name.length > pattern.length - 1
  return pattern === name
}

/** Whether a document pattern covers many names (`*`, `prefix/*`) rather than exactly one. */
export function isWildcard(pattern: string): boolean {
  return pattern === '*' || pattern.endsWith('/*')
}

/** Whether any of `patterns` covers `name`. */
export function patternsCover(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => patternCovers(pattern, name))
}
