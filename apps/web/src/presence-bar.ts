/**
 * Everyone in the document, as coloured initials with their names on hover, and how many there are. People who
 * may only read are marked "view only". Clicking someone follows their cursor (or stops following them); clicking
 * yourself opens your name and colour.
 */
import type { Peer } from '@tandem/editor'
import { h } from './dom.js'
import { initials, textColorOn } from './identity.js'

/** The presence bar. */
export interface PresenceBar {
  readonly element: HTMLElement
  /** Shows these people (the local person first, as the editor lists them). */
  update(peers: readonly Peer[]): void
  /** Marks the person followed (their avatar pressed), or nobody with `null`. */
  setFollowed(clientId: number | null): void
}

/** What the presence bar does when someone is clicked. */
export interface PresenceBarOptions {
  /** Another person was clicked: follow them, or stop if they are followed. */
  onPeer(peer: Peer): void
  /** The local person was clicked. */
  onSelf(): void
  /** How many avatars to show before "+N". @default 5 */
  max?: number
}

const plural = new Intl.PluralRules('en')

/** "1 person here", "3 people here". */
export function peopleHere(count: number): string {
  return plural.select(count) === 'one' ? `${count} person here` : `${count} people here`
}

/** Creates the presence bar; put `element` in the page and call `update()` with the editor's peers. */
export function createPresenceBar(options: PresenceBarOptions): PresenceBar {
  const max = options.max ?? 5
  const list = h('ul', { class: 'avatars', 'aria-label': 'People here' })
  const count = h('span', { class: 'presence-count' })
  const element = h('div', { class: 'presence' }, list, count)
  let peers: readonly Peer[] = []
  let followed: number | null = null

  return {
    element,
    setFollowed(clientId) {
      followed = clientId
      this.update(peers)
    },
    update(next) {
      peers = next
      const shown = peers.slice(0, max)
      const hidden = peers.slice(max)
      const items = shown.map((peer) => {
        const label = [peer.name, peer.isLocal ? ' (you)' : '', peer.viewOnly ? ' (view only)' : ''].join('')
        const isFollowed = peer.clientId === followed
        const button = h(
          'button',
          {
            type: 'button',
            class: ['avatar', peer.isLocal ? 'is-local' : '', peer.viewOnly ? 'is-view-only' : ''].join(' ').trim(),
            title: label,
            'aria-label': peer.isLocal
              ? `${label}: change your name and colour`
              : `${label}: ${isFollowed ? 'stop following' : 'follow their cursor'}`,
            ...(peer.isLocal ? {} : { 'aria-pressed': String(isFollowed) }),
            'data-client-id': peer.clientId,
            onclick: () => (peer.isLocal ? options.onSelf() : options.onPeer(peer)),
          },
          initials(peer.name),
          ...(peer.viewOnly ? [h('span', { class: 'view-only-mark', 'aria-hidden': 'true' }, 'view only')] : []),
        )
        button.style.backgroundColor = peer.color
        button.style.color = textColorOn(peer.color)
        return h('li', {}, button)
      })
      if (hidden.length > 0) {
        const names = hidden.map((peer) => peer.name).join(', ')
        items.push(
          h(
            'li',
            {},
            h('span', { class: 'avatar more', title: names, 'aria-label': `and ${names}` }, `+${hidden.length}`),
          ),
        )
      }
      list.replaceChildren(...items)
      count.textContent = peopleHere(peers.length)
    },
  }
}
