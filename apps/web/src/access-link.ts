/**
 * Links that carry access. On a server started with `--auth token`, a document link carries its token in the
 * fragment, `/d/team/notes#token=…`: browsers never send the fragment to a server or in a Referer header, so the
 * token only goes where the editor sends it. (What the token grants, the editor reads: `editor.access`.)
 */

/** The token of a link's fragment (`#token=…`), or `null`. */
export function tokenFromHash(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') || null
}

/** The fragment that carries a token: `#token=…`, or `''` without one. */
export function tokenHash(token: string | null | undefined): string {
  return token ? `#token=${encodeURIComponent(token)}` : ''
}
