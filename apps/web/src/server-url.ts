/**
 * Where the sync server is. The app is served by the Tandem server it talks to, so by default that is the
 * page's own origin: `ws://host:port` for `http://host:port`, `wss://` for `https://`. A build can point it
 * elsewhere with `VITE_TANDEM_SERVER` (an absolute URL, or a path on the page's origin such as `/_tandem`,
 * which is what `pnpm dev` uses to go through the Vite dev server's proxy).
 */

/** The WebSocket URL of the sync server for a page at `location`. */
export function serverUrl(location: { href: string }, override?: string): string {
  const url = new URL(override || '/', location.href)
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:'
  url.search = ''
  url.hash = ''
  return url.href.replace(/\/+$/, '')
}
