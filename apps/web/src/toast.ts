/** Short notes at the bottom of the page ("Link copied"), read out by screen readers, gone after a moment. */
import { h } from './dom.js'

let region: HTMLElement | null = null
let timer: ReturnType<typeof setTimeout> | undefined

/** Shows `message` for a few seconds, replacing any note still shown. */
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  if (!region?.isConnected) {
    region = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite' })
    document.body.append(region)
  }
  region.textContent = message
  region.dataset.kind = kind
  region.classList.add('is-shown')
  clearTimeout(timer)
  timer = setTimeout(() => region?.classList.remove('is-shown'), 3000)
}
