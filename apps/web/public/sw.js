/**
 * The Tandem web app's service worker: it lets the app open while its server is down. At install it keeps the
 * app shell (index.html and the files it loads, whose names carry a hash of their content); afterwards a page
 * is fetched from the network first and answered from that copy only when the network fails, and a file under
 * /assets/ (never changing under its name) from the copy first, kept as it is first loaded (the chunks loaded on
 * demand, such as a language's). Nothing else is touched: the API (/api/...), the WebSocket connection and
 * every other request go to the network as if there were no worker, so nothing the server says is ever stale.
 * The document itself comes from the editor's own offline copy in IndexedDB.
 */

/** The cache of this version of the app; a new build's worker replaces it. */
const CACHE = 'tandem-app-v1'
/** The page every app address (`/`, `/d/<name>`) answers with. */
const SHELL = '/index.html'

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      const response = await fetch(SHELL, { cache: 'no-store' })
      if (!response.ok) throw new Error(`The app shell answered ${response.status}.`)
      const html = await response.clone().text()
      // The files index.html loads: its hashed scripts and styles, and the icon.
      const files = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1])
      await cache.put(SHELL, response)
      await cache.addAll([...new Set(files)])
      await self.skipWaiting()
    })(),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name)
      await self.clients.claim()
    })(),
  )
})

// The page lists the files it loaded before this worker controlled it (the chunks it loads on demand, which
// index.html does not name), so that the next visit without the server has them too.
self.addEventListener('message', (event) => {
  const urls = event.data?.keep
  if (!Array.isArray(urls)) return
  const assets = urls.filter((url) => {
    if (typeof url !== 'string') return false
    const parsed = new URL(url, self.location.origin)
    return parsed.origin === self.location.origin && parsed.pathname.startsWith('/assets/')
  })
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE)
      for (const url of assets) if (!(await cache.match(url))) await cache.add(url)
    })(),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (request.mode === 'navigate' && (url.pathname === '/' || url.pathname.startsWith('/d/'))) {
    event.respondWith(pageFromNetworkFirst(request))
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(assetFromCacheFirst(request))
  }
})

/** A page: the server's answer (kept as the new shell when it is one), or the kept shell when it cannot be had. */
async function pageFromNetworkFirst(request) {
  try {
    const response = await fetch(request)
    if (response.ok) {
      const cache = await caches.open(CACHE)
      await cache.put(SHELL, response.clone())
    }
    return response
  } catch (error) {
    const kept = await caches.match(SHELL)
    if (kept) return kept
    throw error
  }
}

/** A hashed file: the kept copy, or the network's answer, kept for next time. */
async function assetFromCacheFirst(request) {
  const kept = await caches.match(request)
  if (kept) return kept
  const response = await fetch(request)
  if (response.ok) {
    const cache = await caches.open(CACHE)
    await cache.put(request, response.clone())
  }
  return response
}
