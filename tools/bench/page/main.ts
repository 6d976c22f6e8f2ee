// The browser scenario's page: one Tandem editor, plus the clocks the benchmark reads. Times are
// performance.timeOrigin + performance.now(): high-resolution and comparable between the pages of one machine.
import { createEditor, type Editor } from '@tandem/editor'
import { type Message, readMessage } from '@tandem/protocol'

const now = () => performance.timeOrigin + performance.now()
const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(now())))

let editor: Editor | null = null
/** When each keystroke of this page's person started (keydown), in order. */
const keydowns: number[] = []
/** Per watched line: when its k-th character was in the DOM, and the next frame after that. */
const inDom: number[][] = []
const onFrame: number[][] = []

/** When this page sent each document update, and when the last document message arrived. */
const updateSends: number[] = []
let lastArrival = 0
/** Per remote change that reached the DOM: time from its message's arrival to the DOM. */
const applyDelays: number[] = []
/** The line this page's person types on (see caretAtEndOfLine); changes on other lines are remote. */
let ownLine = -1

/** When each keystroke was pressed (the event's own time stamp): later than keydowns only if the page was busy. */
const pressed: number[] = []

window.addEventListener(
  'keydown',
  (event) => {
    keydowns.push(now())
    pressed.push(performance.timeOrigin + event.timeStamp)
  },
  { capture: true },
)

/** The type of the message a frame holds; null for a frame that holds none (the editor closes on it). */
function messageType(data: unknown): Message['type'] | null {
  const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : null
  if (!bytes) return null
  try {
    return readMessage(bytes).type
  } catch {
    return null
  }
}

// A WebSocket that notes when document messages (sync) leave and arrive, to split the latency into the typist's
// side, the network and server, and the receiver's side.
class TimedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols)
    this.addEventListener('message', (event) => {
      if (messageType(event.data)?.startsWith('sync-')) lastArrival = now()
    })
  }

  override send(data: Parameters<WebSocket['send']>[0]): void {
    if (messageType(data) === 'sync-update') updateSends.push(now())
    super.send(data)
  }
}

function lineLength(line: number): number {
  const doc = (editor as Editor).view.state.doc
  return line < doc.lines ? doc.line(line + 1).length : 0
}

const bench = {
  /** Opens a document; resolves once it is synced and rendered, with the times from the call. */
  async open(options: {
    serverUrl: string
    docName: string
    name: string
    waitSynced: boolean
    expectedLength?: number
    /** The editor's `fullParseLimit`; `null` for Infinity (JSON has none). @default the editor's */
    fullParseLimit?: number | null
  }) {
    const started = now()
    const created = createEditor({
      parent: document.querySelector('#editor') as HTMLElement,
      serverUrl: options.serverUrl,
      docName: options.docName,
      user: { name: options.name },
      WebSocket: TimedWebSocket,
      ...(options.fullParseLimit !== undefined ? { fullParseLimit: options.fullParseLimit ?? Infinity } : {}),
    })
    editor = created
    // On the raw broadcaster nobody answers the first person's sync: there, connected is as good as it gets.
    await new Promise<void>((resolve) => {
      if (options.waitSynced) {
        if (created.synced) resolve()
        else created.on('synced', () => resolve())
      } else if (created.status === 'connected') resolve()
      else created.on('status', (status) => status === 'connected' && resolve())
    })
    const synced = now()
    const expected = options.expectedLength ?? created.text.length
    // Bounded: a minute of frames.
    for (let frame = 0; frame < 3600 && created.view.state.doc.length < expected; frame++) await nextFrame()
    const rendered = await nextFrame()
    return { syncedMs: synced - started, renderedMs: rendered - started, length: created.view.state.doc.length }
  },
  /** Starts recording when characters appear on the given lines (0-based), from the DOM's point of view. */
  watchLines(lines: number[]) {
    const view = (editor as Editor).view
    // Characters already on a line are not counted: the k-th entry is the k-th character added.
    const before = new Map(lines.map((line) => [line, lineLength(line)]))
    for (const line of lines) {
      inDom[line] = []
      onFrame[line] = []
    }
    new MutationObserver(() => {
      const t = now()
      for (const line of lines) {
        const seen = inDom[line] as number[]
        const length = lineLength(line) - (before.get(line) as number)
        if (length <= seen.length) continue
        if (line !== ownLine && lastArrival > 0) applyDelays.push(t - lastArrival)
        const from = seen.length
        while (seen.length < length) seen.push(t)
        requestAnimationFrame(() => {
          const frames = onFrame[line] as number[]
          const at = now()
          while (frames.length < length && frames.length >= from) frames.push(at)
        })
      }
    }).observe(view.contentDOM, { childList: true, subtree: true, characterData: true })
  },
  /** Inserts text without typing (to lay out the document). */
  insert(at: number, text: string) {
    ;(editor as Editor).view.dispatch({ changes: { from: at, insert: text } })
  },
  /** Puts the caret at the end of a line (0-based), in view, and focuses the editor. */
  caretAtEndOfLine(line: number) {
    ownLine = line
    const view = (editor as Editor).view
    view.focus()
    view.dispatch({ selection: { anchor: view.state.doc.line(line + 1).to }, scrollIntoView: true })
  },
  /** Puts the (unfocused) caret at the start of a line (0-based), in view, as a reader following along would. */
  scrollToLine(line: number) {
    const view = (editor as Editor).view
    view.dispatch({ selection: { anchor: view.state.doc.line(line + 1).from }, scrollIntoView: true })
  },
  /** Sets the document's language, for everyone in it. */
  setLanguage(name: string) {
    ;(editor as Editor).meta.set('language', name)
  },
  /** The language the editor has loaded (its `data-language`), or null before the first has loaded. */
  loadedLanguage: () => (editor as Editor).view.dom.getAttribute('data-language'),
  /** Resolves after two frames and an idle moment: the page has drawn and parsed what it had to. */
  settled: () =>
    new Promise<void>((resolve) =>
      requestAnimationFrame(() =>
        requestAnimationFrame(() => requestIdleCallback(() => resolve(), { timeout: 5_000 })),
      ),
    ),
  lineLength,
  lines: () => (editor as Editor).view.state.doc.lines,
  results: () => ({ keydowns, pressed, inDom, onFrame, updateSends, applyDelays }),
  destroy() {
    editor?.destroy()
    editor = null
  },
}

declare global {
  interface Window {
    bench: typeof bench
  }
}
window.bench = bench
