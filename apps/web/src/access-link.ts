/**
 * Links that carry access. On a server started with `--auth token`, a document link carries its token in the
 * fragment, `/d/team/notes#token=…`: browsers never send the fragment to a server or in a Referer header, so the
 * token only goes where the editor sends it.
 */
import type { Access } from '@tandem/protocol'

/** What a link's fragment grants. */
export interface LinkAccess {
  /** The token, or `null` for a link without one. */
  token: string | null
  /** What the token claims to grant, or `null` when unknown. */
  access: Access | null
}

/** Reads the token of a link's fragment (`#token=…`). */
export function accessFromHash(hash: string): LinkAccess {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token')
  return token ? { token, access: claimedAccess(token) } : { token: null, access: null }
}

/** The fragment that carries a token: `#token=…`, or `''` without one. */
export function tokenHash(token: string | null | undefined): string {
  return token ? `#token=${encodeURIComponent(token)}` : ''
}

/**
 * What a token says it grants, read from its claims without checking the signature: that is the server's job,
 * and the server enforces it. The app only uses it to not offer typing to someone who cannot write.
 */
function claimedAccess(token: string): Access | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { access?: unknown }
    return claims.access === 'read' || claims.access === 'write' ? claims.access : null
  } catch {
    return null
  }
}
