/**
 * Checks a server URL and returns it in the one form the editor uses: `ws:` or `wss:` (an `http:` or `https:`
 * URL is turned into the matching one), without a trailing slash.
 * @internal
 */
export function normalizeServerUrl(serverUrl: unknown): string {
  const hint = 'Pass a URL such as "wss://tandem.example.com" (or "ws://localhost:1234" in development).'
  if (typeof serverUrl !== 'string' || serverUrl === '') {
    throw new TypeError(`The serverUrl option is missing. ${hint}`)
  }
  let url: URL
  try {
    url = new URL(serverUrl)
  } catch {
    throw new TypeError(`The serverUrl ${JSON.stringify(serverUrl)} is not a URL. ${hint}`)
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:'
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`The serverUrl ${JSON.stringify(serverUrl)} is not a ws:// or wss:// URL. ${hint}`)
  }
  if (url.search || url.hash) {
    throw new TypeError(
      `The serverUrl ${JSON.stringify(serverUrl)} has a query or fragment; pass query parameters through the params option.`,
    )
  }
  return url.href.replace(/\/+$/, '')
}
