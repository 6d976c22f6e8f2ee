import { expect, test } from './fixtures.js'

// Runs before any page script: counts what the editor could leave behind.
const instrument = () => {
  const counts = {
    sockets: [] as WebSocket[],
    intervals: new Set<unknown>(),
    listeners: new Map<string, number>(),
    channels: [] as { closed: boolean }[],
  }
  ;(window as unknown as { leaks: typeof counts }).leaks = counts
  const NativeSocket = window.WebSocket
  window.WebSocket = class extends NativeSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      counts.sockets.push(this)
    }
  }
  const setInterval = window.setInterval.bind(window)
  const clearInterval = window.clearInterval.bind(window)
  window.setInterval = ((handler: TimerHandler, timeout?: number, ...args: unknown[]) => {
    const id = setInterval(handler, timeout, ...args)
    counts.intervals.add(id)
    return id
  }) as typeof window.setInterval
  window.clearInterval = ((id?: number) => {
    counts.intervals.delete(id)
    clearInterval(id)
  }) as typeof window.clearInterval
  for (const target of [window, document]) {
    const add = target.addEventListener.bind(target)
    const remove = target.removeEventListener.bind(target)
    const name = target === window ? 'window' : 'document'
    target.addEventListener = (
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: unknown,
    ) => {
      counts.listeners.set(`${name}:${type}`, (counts.listeners.get(`${name}:${type}`) ?? 0) + 1)
      add(type, listener as EventListenerOrEventListenerObject, options as AddEventListenerOptions)
    }
    target.removeEventListener = (
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: unknown,
    ) => {
      counts.listeners.set(`${name}:${type}`, (counts.listeners.get(`${name}:${type}`) ?? 0) - 1)
      remove(type, listener as EventListenerOrEventListenerObject, options as EventListenerOptions)
    }
  }
  const NativeChannel = window.BroadcastChannel
  window.BroadcastChannel = class extends NativeChannel {
    closed = false
    constructor(name: string) {
      super(name)
      counts.channels.push(this)
    }
    override close() {
      this.closed = true
      super.close()
    }
  }
}

test('destroy() leaves no open socket, timer, listener or presence behind', async ({
  browser,
  web,
  tandem,
  docName,
  openPerson,
}) => {
  const bob = await openPerson({ name: 'Bob' })
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.addInitScript(instrument)
  await page.goto(`${web.url}/harness/index.html`)
  const snapshot = () =>
    page.evaluate(() => {
      const { leaks } = window as unknown as {
        leaks: {
          sockets: WebSocket[]
          intervals: Set<unknown>
          listeners: Map<string, number>
          channels: { closed: boolean }[]
        }
      }
      return {
        openSockets: leaks.sockets.filter((socket) => socket.readyState !== WebSocket.CLOSED).length,
        sockets: leaks.sockets.length,
        intervals: leaks.intervals.size,
        listeners: Object.fromEntries([...leaks.listeners].filter(([, n]) => n !== 0)),
        openChannels: leaks.channels.filter((channel) => !channel.closed).length,
        editors: document.querySelectorAll('.cm-editor').length,
      }
    })
  const before = await snapshot()

  await page.evaluate(
    ({ serverUrl, docName }) => {
      window.harness.create({ serverUrl, docName, user: { name: 'Ada' }, offline: true })
    },
    { serverUrl: tandem.url, docName },
  )
  await expect.poll(() => page.evaluate(() => window.harness.editor!.status)).toBe('connected')
  await expect
    .poll(async () => (await bob.page.evaluate(() => window.harness.editor!.peers)).map((p) => p.name))
    .toEqual(['Bob', 'Ada'])
  const running = await snapshot()
  expect(running.openSockets).toBe(1)
  expect(running.intervals).toBeGreaterThan(before.intervals)
  expect(running.openChannels).toBe(1)

  // Destroying twice is harmless; a destroyed editor refuses to connect again, saying why.
  const connectAfterDestroy = await page.evaluate(() => {
    const editor = window.harness.editor!
    editor.destroy()
    editor.destroy()
    try {
      editor.connect()
      return 'no error'
    } catch (error) {
      return (error as Error).message
    }
  })
  expect(connectAfterDestroy).toBe('This session was destroyed; create a new one to connect again.')
  await expect.poll(snapshot).toEqual({
    openSockets: 0,
    sockets: 1,
    intervals: before.intervals,
    listeners: before.listeners,
    openChannels: 0,
    editors: 0,
  })
  // The others see the person leave at once (the awareness removal was sent before the socket closed).
  await expect
    .poll(async () => (await bob.page.evaluate(() => window.harness.editor!.peers)).map((p) => p.name))
    .toEqual(['Bob'])
  await context.close()
})

test('misuse throws a sentence that says what to do', async ({ page, web }) => {
  await page.goto(`${web.url}/harness/index.html`)
  const attempt = (options: Record<string, unknown>) =>
    page.evaluate((options) => {
      try {
        window.harness.create(options as never)
        return 'no error'
      } catch (error) {
        return (error as Error).message
      }
    }, options)
  expect(await attempt({ docName: 'notes' })).toBe(
    'The serverUrl option is missing. Pass a URL such as "wss://tandem.example.com" (or "ws://localhost:1234" in development).',
  )
  expect(await attempt({ serverUrl: 'ws://localhost:1', docName: '../etc' })).toBe(
    'The docName "../etc" cannot be used: the document name has a "." or ".." segment. Pick a name such as "team/notes".',
  )
  expect(
    await attempt({ serverUrl: 'ws://localhost:1', docName: 'notes', user: { name: 'Ada', color: 'blurple' } }),
  ).toBe('The user colour "blurple" is not a CSS colour; pass one such as "#2f6fdd" or "rebeccapurple".')
  expect(await attempt({ serverUrl: 'ws://localhost:1', docName: 'notes', language: 'cobol' })).toBe(
    'Unknown language "cobol"; use one of markdown, javascript, typescript, jsx, tsx, python, json, html, css, plain.',
  )
  expect(await attempt({ serverUrl: 'ws://localhost:1', docName: 'notes', reconnect: { maxDelay: -1 } })).toBe(
    'reconnect.maxDelay must be a positive number of milliseconds; got -1.',
  )
})
