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
  // Files fetched while no worker controlled the page (the first visit) went past it: list them to it. Each
  // entry says itself whether a worker answered it (`workerStart`): asking whether a worker controls the page
  // when the entry is delivered is too late, since it may have taken over between the fetch and the delivery.
  const keep = (entries: PerformanceEntryList) => {
    const urls = (entries as PerformanceResourceTiming[])
      .filter((entry) => entry.workerStart === 0 && new URL(entry.name).pathname.startsWith('/assets/'))
      .map((entry) => entry.name)
    if (urls.length === 0) return
    void navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage({ keep: urls }))
  }
  keep(performance.getEntriesByType('resource'))
  new PerformanceObserver((list) => keep(list.getEntries())).observe({ type: 'resource' })
}
