/**
 * The app opens while its server is down: a service worker (public/sw.js) keeps the app shell, index.html and
 * the files it loads, and the document page opens the editor's offline copy from IndexedDB. Not in development,
 * where Vite serves the sources and a kept shell would hide changes.
 */

/** The service worker's file, served at the root so that its scope is the whole app. */
const WORKER_URL = '/sw.js'

/** Registers the service worker, and tells it which of the app's files this page loaded before it took over. */
export function keepAppShell(): void {
  if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return
  navigator.serviceWorker.register(WORKER_URL, { scope: '/' }).catch((error: unknown) => {
    console.warn('Tandem: the app will not open while the server is unreachable.', error)
  })
  // Files loaded while no worker controlled the page (the first visit) went past it: list them to it.
  const keep = (entries: PerformanceEntryList) => {
    if (navigator.serviceWorker.controller) return
    const urls = entries.map((entry) => entry.name).filter((url) => new URL(url).pathname.startsWith('/assets/'))
    if (urls.length === 0) return
    void navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage({ keep: urls }))
  }
  keep(performance.getEntriesByType('resource'))
  new PerformanceObserver((list) => keep(list.getEntries())).observe({ type: 'resource' })
}
