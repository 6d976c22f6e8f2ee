import type { Access } from '@tandem/protocol'

/**
 * What a Tandem access token grants (`read` or `write`), read from its claims, or `null` for a token that is
 * not a Tandem JWT. Unverified, and only a hint for the view: the server checks the signature and enforces
 * the access whatever the client does. It lets the editor make itself read-only for a `read` token, instead
 * of letting the person type changes the server will never accept.
 */
export function tokenAccess(token: string): Access | null {
  const payload = token.split('.')[1]
  if (payload === undefined || typeof atob !== 'function') return null
  try {
    const json = atob(
      payload
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(payload.length / 4) * 4, '='),
    )
    const claims: unknown = JSON.parse(json)
    const access = (claims as { access?: unknown } | null)?.access
    return access === 'read' || access === 'write' ? access : null
  } catch {
    return null
  }
}
