/**
 * Following a person from the presence bar: clicking them keeps their cursor in view until this person types,
 * clicks or scrolls in the text, presses Escape or clicks them again. While it lasts the page says whom it follows;
 * when it ends it says why.
 */
import { type Editor, type FollowStopReason, followPeer, type Peer } from '@tandem/editor'
import { h } from './dom.js'
import type { PresenceBar } from './presence-bar.js'
import { toast } from './toast.js'

/** Following, as the document page uses it. */
export interface Following {
  /** "Following Ada Lovelace", with a button to stop; hidden while nobody is followed. */
  readonly element: HTMLElement
  /** Follows `peer`, or stops following them if they are followed already. */
  toggle(peer: Peer): void
}

/** Why following stopped, as the page says it. */
const STOPPED: Record<FollowStopReason, string> = {
  typed: 'you typed',
  clicked: 'you clicked in the text',
  scrolled: 'you scrolled',
  left: 'they left',
  called: 'you stopped it',
}

/** Wires following to the editor and the presence bar; put `element` in the page. */
export function createFollowing(editor: Editor, presence: PresenceBar): Following {
  const who = h('span', { class: 'follow-name' })
  const element = h(
    'div',
    { class: 'follow-status', hidden: true },
    who,
    h('button', { type: 'button', class: 'button', onclick: () => stop?.() }, 'Stop'),
  )
  let following: Peer | null = null
  let stop: (() => void) | null = null

  const onEscape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') stop?.()
  }
  const ended = (peer: Peer, reason: FollowStopReason) => {
    following = null
    stop = null
    element.hidden = true
    presence.setFollowed(null)
    document.removeEventListener('keydown', onEscape)
    toast(`Stopped following ${peer.name}: ${STOPPED[reason]}.`)
  }

  return {
    element,
    toggle(peer) {
      const wasFollowed = following?.clientId === peer.clientId
      stop?.()
      if (wasFollowed) return
      stop = followPeer(editor.view, peer.clientId, { onStop: (reason) => ended(peer, reason) })
      following = peer
      who.textContent = `Following ${peer.name}`
      element.hidden = false
      presence.setFollowed(peer.clientId)
      document.addEventListener('keydown', onEscape)
    },
  }
}
