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

/** The sessionStorage key under which this tab keeps the token of a document's link. */
function tokenKey(name: string): string {
  return `tandem:token:${name}`
}

/**
 * The token this tab opens document `name` with, taken out of the address bar. A token in the link's fragment
 * is kept in sessionStorage (this tab only, so a reload still opens the document) and removed from the address
 * with `history.replaceState`, so that copying the address hands out no token; without one in the link, the
 * token this tab kept for the document, or `null`. (The recent list keeps one too: see recent.ts.)
 */
export function takeLinkToken(name: string): string | null {
  const fromLink = tokenFromHash(location.hash)
  if (fromLink === null) {
    try {
      return sessionStorage.getItem(tokenKey(name))
    } catch {
      return null
    }
  }
  keepLinkToken(name, fromLink)
  history.replaceState(history.state, '', location.pathname + location.search)
  return fromLink
}

/** Keeps `token` as the one this tab opens document `name` with (after a rename, under the new name). */
export function keepLinkToken(name: string, token: string | null): void {
  if (token === null) return
  try {
    sessionStorage.setItem(tokenKey(name), token)
  } catch {
    // Storage disabled: the recent list (or the link, opened again) still has the token.
  }
}

/**
 * Calls `onLink` when a link with a token arrives in this tab without a page load: pasted into the address bar
 * over the same page (only the fragment changes) or reached through the history. The page reloads there, so
 * that the new token is read like any other link's.
 */
export function watchPastedLinks(onLink: () => void): void {
  const check = () => {
    if (tokenFromHash(location.hash) !== null) onLink()
  }
  window.addEventListener('hashchange', check)
  window.addEventListener('popstate', check)
}
