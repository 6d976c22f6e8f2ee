/**
 * The connection pill: what is true about the connection and the person's changes, in a few words.
 *
 * - "Connecting…": opening the page, not connected yet.
 * - "Loading 12 of 50 MB": connected, and a big document is still arriving in pieces.
 * - "Connected": connected, and this person has changed nothing yet.
 * - "Saving…": connected, and a change of theirs is not yet stored on the server.
 * - "All changes saved": the server acknowledged storing every change they made (its saved acknowledgement).
 * - "Reconnecting…": the connection dropped; the editor is trying again, edits go on locally.
 * - "Offline — changes kept on this device": the browser is offline, or the server has been unreachable for a
 *   while; edits are kept in this browser (IndexedDB) and sent when the connection is back.
 * - "Too many connections": the server is turning this address away for now (too many connection attempts or
 *   open documents); the editor tries again after a pause, and the page shows the server's reason.
 * - "Not connected": the server refused access for good (the page shows why).
 *
 * A refusal is never shown as "Offline": the server answered, and the person is told what it said.
 */
import type { Editor } from '@tandem/editor'
import { h } from './dom.js'

/** The states of the pill. */
export type PillState =
  | 'connecting'
  | 'loading'
  | 'connected'
  | 'saving'
  | 'saved'
  | 'reconnecting'
  | 'offline'
  | 'limited'
  | 'refused'

/** What the pill says in each state. */
export const PILL_TEXT: Record<PillState, string> = {
  connecting: 'Connecting…',
  loading: 'Loading…',
  connected: 'Connected',
  saving: 'Saving…',
  saved: 'All changes saved',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — changes kept on this device',
  limited: 'Too many connections',
  refused: 'Not connected',
}

const PILL_DETAIL: Record<PillState, string> = {
  connecting: 'Connecting to the server.',
  loading: 'Connected. The document is big: it arrives in pieces, and the editor shows each as it comes.',
  connected: 'Connected: changes reach everyone here as they are typed.',
  saving: 'Sending your latest changes to the server.',
  saved: 'Every change you made is stored on the server.',
  reconnecting: 'The connection to the server was lost. Trying again; keep typing, nothing is lost.',
  offline: 'Not connected. Your changes are kept in this browser and sent as soon as the server can be reached.',
  limited: 'The server is turning away connections from this address for now. Trying again shortly.',
  refused: 'The server refused the connection.',
}

/** Options of {@link createConnectionPill}. */
export interface ConnectionPillOptions {
  /** After this long without a connection, "Reconnecting…" becomes "Offline — …". @default 8000 */
  offlineAfter?: number
  /** Whether the changes are really kept on this device (the editor's offline copy is on). @default true */
  keptLocally?: boolean
}

/** The pill. */
export interface ConnectionPill {
  readonly element: HTMLElement
  readonly state: PillState
  destroy(): void
}

/** Creates the pill for an editor and keeps it up to date. */
export function createConnectionPill(editor: Editor, options: ConnectionPillOptions = {}): ConnectionPill {
  const offlineAfter = options.offlineAfter ?? 8000
  const element = h('span', { class: 'pill' })
  // Screen readers hear when the connection is lost or back, not every "Saving…" between keystrokes.
  const announcer = h('span', { class: 'visually-hidden', role: 'status' })
  let announced = 'online'
  let state: PillState = 'connecting'
  let everConnected = false
  let changed = false
  let refused = false
  /** The server turned the last attempt away for now (close 4029), and nothing was synced since. */
  let limited = false
  let downSince = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined

  const compute = (): PillState => {
    if (refused) return 'refused'
    if (limited) return 'limited'
    if (editor.status === 'connected') {
      if (editor.loading) return 'loading'
      if (!editor.saved) return 'saving'
      return changed ? 'saved' : 'connected'
    }
    if (!navigator.onLine || Date.now() - downSince >= offlineAfter) return 'offline'
    return everConnected ? 'reconnecting' : 'connecting'
  }

  const render = () => {
    state = compute()
    clearTimeout(timer)
    if (state === 'reconnecting' || state === 'connecting') {
      timer = setTimeout(render, Math.max(0, downSince + offlineAfter - Date.now()) + 10)
    }
    let text = PILL_TEXT[state]
    if (state === 'offline' && options.keptLocally === false) text = 'Offline'
    const loading = editor.loading
    if (state === 'loading' && loading) text = loadingText(loading.received, loading.total)
    if (element.textContent !== text) element.textContent = text
    element.dataset.state = state
    element.title = PILL_DETAIL[state]
    const category = ['loading', 'connected', 'saving', 'saved'].includes(state) ? 'online' : state
    if (category !== announced && (everConnected || ['refused', 'limited', 'offline'].includes(category))) {
      announced = category
      announcer.textContent = category === 'online' ? 'Connected again.' : text
    }
  }

  let lastStatus = editor.status
  const onStatus = (status: Editor['status']) => {
    if (status === 'connected') {
      everConnected = true
      refused = false
    } else if (lastStatus === 'connected') {
      downSince = Date.now()
    }
    lastStatus = status
    render()
  }
  const onUnsaved = () => {
    changed = true
    render()
  }
  const onError = (error: { fatal: boolean; reason: string }) => {
    if (error.fatal) refused = true
    if (error.reason === 'rate-limited') limited = true
    render()
  }
  // Not on `connected`: a connection turned away is accepted for a moment before it is closed.
  const onSynced = () => {
    limited = false
    render()
  }
  editor.on('status', onStatus)
  editor.on('saved', render)
  editor.on('error', onError)
  editor.on('synced', onSynced)
  editor.on('unsaved', onUnsaved)
  editor.on('loading', render)
  window.addEventListener('online', render)
  window.addEventListener('offline', render)
  document.body.append(announcer)
  render()

  return {
    element,
    get state() {
      return state
    },
    destroy() {
      clearTimeout(timer)
      editor.off('status', onStatus)
      editor.off('saved', render)
      editor.off('error', onError)
      editor.off('synced', onSynced)
      editor.off('unsaved', onUnsaved)
      editor.off('loading', render)
      window.removeEventListener('online', render)
      window.removeEventListener('offline', render)
      announcer.remove()
    },
  }
}

/** "Loading 12 of 50 MB": megabytes of a million bytes, with a decimal below 10 MB. */
export function loadingText(received: number, total: number): string {
  const mb = (bytes: number, round: (value: number) => number) => {
    const value = bytes / 1e6
    return value < 10 ? (round(value * 10) / 10).toFixed(1) : String(round(value))
  }
  return `Loading ${mb(Math.min(received, total), Math.floor)} of ${mb(total, Math.round)} MB`
}
