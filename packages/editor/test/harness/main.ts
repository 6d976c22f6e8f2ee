// A page that runs one editor for the browser tests, configured by the JSON in the URL's fragment, and keeps a
// log of the editor's events for the tests to read.
import {
  createEditor,
  type Editor,
  type EditorOptions,
  parseColor,
  reconnectDelay,
  sanitizeName,
} from '../../src/index.js'

type Config = Omit<EditorOptions, 'parent'>

interface LogEntry {
  type: 'status' | 'synced' | 'saved' | 'unsaved' | 'peers' | 'error' | 'moved'
  value?: unknown
}

const log: LogEntry[] = []
let editor: Editor | null = null

const statusBadge = document.querySelector<HTMLElement>('#status')!
const savedNote = document.querySelector<HTMLElement>('#saved')!
const peerList = document.querySelector<HTMLElement>('#peers')!

function renderPeers(peers: Editor['peers']): void {
  peerList.replaceChildren(
    ...peers.map((peer) => {
      const item = document.createElement('li')
      const dot = document.createElement('span')
      dot.className = 'dot'
      dot.style.backgroundColor = peer.color
      item.append(dot, peer.isLocal ? `${peer.name} (you)` : peer.name)
      item.dataset.clientId = String(peer.clientId)
      return item
    }),
  )
}

function create(config: Config): Editor {
  editor?.destroy()
  const created = createEditor({ ...config, parent: document.querySelector('#editor')! })
  editor = created
  document.querySelector('#doc')!.textContent = config.docName
  created.on('status', (status) => {
    log.push({ type: 'status', value: status })
    statusBadge.textContent = status
    statusBadge.dataset.status = status
  })
  created.on('synced', () => log.push({ type: 'synced' }))
  created.on('saved', () => {
    log.push({ type: 'saved' })
    savedNote.textContent = 'All changes saved'
  })
  created.on('unsaved', () => {
    log.push({ type: 'unsaved' })
    savedNote.textContent = 'Saving…'
  })
  created.on('peers', (peers) => {
    log.push({ type: 'peers', value: peers })
    renderPeers(peers)
  })
  created.on('moved', (to, from) => log.push({ type: 'moved', value: { to, from } }))
  created.on('error', (error) => log.push({ type: 'error', value: { ...error, cause: String(error.cause ?? '') } }))
  renderPeers(created.peers)
  return created
}

const harness = {
  log,
  create,
  get editor() {
    return editor
  },
  destroy() {
    editor?.destroy()
    editor = null
  },
  /** Pure helpers, for tests that check them in a real browser. */
  parseColor,
  sanitizeName,
  reconnectDelay,
}

declare global {
  interface Window {
    harness: typeof harness
  }
}
window.harness = harness

if (location.hash.length > 1) create(JSON.parse(decodeURIComponent(location.hash.slice(1))) as Config)
