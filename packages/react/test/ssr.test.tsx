/**
 * Server-side rendering: in Node, with no DOM, a provider with every hook and the editor renders its initial
 * values, and nothing opens a session or a socket (the provider opens its session in an effect, which a server
 * render never runs).
 */
import { renderToString } from 'react-dom/server'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  TandemEditor,
  TandemProvider,
  useDoc,
  useError,
  usePeers,
  useSaved,
  useSession,
  useStatus,
  useText,
} from '../src/index.js'

/** Every socket anything tried to open, through the option or the global. */
const opened: string[] = []
class CountingWebSocket {
  constructor(url: string) {
    opened.push(url)
    throw new Error('No socket may be opened while rendering on the server.')
  }
}
const globals = globalThis as { WebSocket?: unknown }
const originalWebSocket = globals.WebSocket
globals.WebSocket = CountingWebSocket
afterEach(() => {
  opened.length = 0
})
afterAll(() => {
  globals.WebSocket = originalWebSocket
})

function Values() {
  const session = useSession()
  const doc = useDoc()
  const error = useError()
  return (
    <p>
      {[
        `session=${session === null ? 'none' : 'some'}`,
        `doc=${doc === null ? 'none' : 'some'}`,
        `status=${useStatus()}`,
        `saved=${useSaved()}`,
        `peers=${usePeers().length}`,
        `text=[${useText()}]`,
        `error=${error?.message ?? 'none'}`,
      ].join(' ')}
    </p>
  )
}

/** Waits for the microtasks and timers a session would start its connection in (it connects in a microtask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('@tandem/react on the server', () => {
  it('renders the initial values and the empty editor element, and opens no socket', async () => {
    expect(typeof window).toBe('undefined')
    expect(typeof document).toBe('undefined')
    const html = renderToString(
      <TandemProvider
        serverUrl="ws://127.0.0.1:9"
        docName="ssr/notes"
        token="a-token"
        user={{ name: 'Ada', color: '#2f6fdd' }}
        options={{ WebSocket: CountingWebSocket as unknown as typeof WebSocket }}
      >
        <Values />
        <TandemEditor className="editor" style={{ height: 300 }} />
      </TandemProvider>,
    )
    expect(html).toBe(
      '<p>session=none doc=none status=connecting saved=true peers=0 text=[] error=none</p>' +
        '<div class="editor" style="height:300px"></div>',
    )
    await settle()
    expect(opened).toEqual([])
  })

  it('a hook or the editor outside a provider says so', () => {
    expect(() => renderToString(<Values />)).toThrow('useSession() must be called inside a <TandemProvider>.')
    expect(() => renderToString(<TandemEditor />)).toThrow('<TandemEditor> must be inside a <TandemProvider>.')
  })
})
