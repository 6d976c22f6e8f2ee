import type { Awareness } from 'y-protocols/awareness'
import { defaultColor, parseColor, toHex } from './colors.js'
import { sanitizeName } from './names.js'

/** A person present in the document, as every peer's awareness state describes them. */
export interface Peer {
  /** The Yjs client id of their editor; one person with two tabs open is two peers. */
  clientId: number
  /** Their name, sanitised: plain text, no control characters, at most 40 characters. */
  name: string
  /** Their colour as `#rrggbb`; a colour that was not a CSS colour is replaced by a default one. */
  color: string
  /** Whether this is the local editor. */
  isLocal: boolean
  /**
   * Whether their presence says they may only read (their editor's token grants `read`): a hint its client
   * gives, for showing "view only"; the server enforces access whatever it says.
   */
  viewOnly: boolean
}

/**
 * The people present, local editor first, then the others in the order they arrived. Names and colours are
 * sanitised (see {@link sanitizeName}), so they are safe to show as text.
 */
export function peersOf(awareness: Awareness): Peer[] {
  const local = awareness.clientID
  const peers: Peer[] = []
  for (const [clientId, state] of awareness.getStates()) {
    const { user, access } = state as { user?: { name?: unknown; color?: unknown }; access?: unknown }
    const parsed = parseColor(user?.color)
    const peer = {
      clientId,
      name: sanitizeName(user?.name),
      color: parsed ? toHex(parsed) : defaultColor(clientId),
      isLocal: clientId === local,
      viewOnly: access === 'read',
    }
    if (peer.isLocal) peers.unshift(peer)
    else peers.push(peer)
  }
  return peers
}

/**
 * Calls `onChange` with the list of people whenever someone arrives, leaves, or changes name or colour (not
 * when a caret moves). Returns a function that stops watching.
 */
export function watchPeers(awareness: Awareness, onChange: (peers: Peer[]) => void): () => void {
  let last = ''
  const check = () => {
    const peers = peersOf(awareness)
    const key = JSON.stringify(peers)
    if (key === last) return
    last = key
    onChange(peers)
  }
  awareness.on('change', check)
  check()
  return () => awareness.off('change', check)
}
