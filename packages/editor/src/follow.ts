/**
 * Following a person: the view keeps their cursor in sight as they move and type, until the local person takes
 * the view back (types, clicks or scrolls) or the followed person leaves.
 */
import { EditorView } from '@codemirror/view'
import * as Y from 'yjs'
import { cursorsConfigOf, type RemoteCursorsConfig } from './remote-cursors.js'

/**
 * Why following stopped: the local person `typed` (any key in the editor), `clicked` or `scrolled` in it (wheel,
 * touch, scrollbar), the followed person `left`, or the stop function was `called`.
 */
export type FollowStopReason = 'typed' | 'clicked' | 'scrolled' | 'left' | 'called'

/** Options of {@link followPeer}. */
export interface FollowOptions {
  /** Called once when following stops, with the reason. @default none */
  onStop?: (reason: FollowStopReason) => void
}

/** The events by which a person takes the view back, and the reason each gives. */
const TAKE_BACK: readonly (readonly [keyof HTMLElementEventMap, FollowStopReason])[] = [
  ['keydown', 'typed'],
  ['paste', 'typed'],
  ['drop', 'typed'],
  ['pointerdown', 'clicked'],
  ['wheel', 'scrolled'],
  ['touchmove', 'scrolled'],
]

/** How far from the edge of the view a followed cursor is kept, in pixels. */
const MARGIN = 40

/**
 * Follows the cursor of the person whose awareness client id is `clientId` (a `Peer`'s `clientId`) in a view that
 * has {@link collab}: scrolls to it now if they have one, and again each time it moves. Following stops when the
 * local person types, clicks or scrolls in the view, when the followed person leaves, or when the returned
 * function is called; `onStop` says which.
 *
 * ```ts
 * const stop = followPeer(editor.view, peer.clientId, {
 *   onStop: (reason) => console.log(`Stopped following ${peer.name}: ${reason}`),
 * })
 * ```
 */
export function followPeer(view: EditorView, clientId: number, options: FollowOptions = {}): () => void {
  const config = view instanceof EditorView ? cursorsConfigOf(view) : null
  if (!config) throw new TypeError('followPeer() needs an EditorView that has the collab() extension.')
  const { awareness, text } = config
  if (clientId === awareness.clientID) throw new TypeError('followPeer() follows another person, not this editor.')
  if (!awareness.getStates().has(clientId)) {
    throw new TypeError(`followPeer(): nobody with client id ${clientId} is in the document; pick one from peers.`)
  }

  let stopped = false
  const stop = (reason: FollowStopReason) => {
    if (stopped) return
    stopped = true
    awareness.off('change', onAwareness)
    text.doc?.off('afterTransaction', onRemoteText)
    for (const [type, listener] of listeners) view.dom.removeEventListener(type, listener, true)
    options.onStop?.(reason)
  }
  const listeners = TAKE_BACK.map(([type, reason]) => [type, () => stop(reason)] as const)
  for (const [type, listener] of listeners) view.dom.addEventListener(type, listener, { capture: true, passive: true })

  const onAwareness = ({ updated, added, removed }: { updated: number[]; added: number[]; removed: number[] }) => {
    if (removed.includes(clientId)) stop('left')
    else if (updated.includes(clientId) || added.includes(clientId)) reveal('nearest')
  }
  const reveal = (y: 'nearest' | 'center') => {
    const position = cursorOf(config, clientId, view.state.doc.length)
    if (position !== null) view.dispatch({ effects: EditorView.scrollIntoView(position, { y, yMargin: MARGIN }) })
  }
  // Their cursor can arrive before the text it points into; the text's arrival moves them too.
  const onRemoteText = (transaction: Y.Transaction) => {
    if (!transaction.local) reveal('nearest')
  }
  awareness.on('change', onAwareness)
  text.doc?.on('afterTransaction', onRemoteText)
  reveal('center')
  return () => stop('called')
}

/** Where the cursor of `clientId` is in the view's text, or `null` when they have none (or a malformed one). */
function cursorOf({ awareness, text }: RemoteCursorsConfig, clientId: number, length: number): number | null {
  const head = (awareness.getStates().get(clientId) as { cursor?: { head?: unknown } } | undefined)?.cursor?.head
  if (!head || !text.doc) return null
  try {
    const absolute = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(head), text.doc)
    return absolute && absolute.type === text ? Math.min(absolute.index, length) : null
  } catch {
    return null
  }
}
