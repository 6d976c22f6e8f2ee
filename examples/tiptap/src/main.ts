// Tiptap rich text on @tandem/client: the page opens a session on a Tandem server, binds Tiptap to a Y.XmlFragment
// of its document, and shows the connection, whether the server has stored every change, and who is here.
import './style.css'
import { createSession, type Peer, type Session } from '@tandem/client'
import { createRichTextEditor } from './rich-text-editor.js'
import { readSettings } from './settings.js'
import { mountToolbar } from './toolbar.js'

/** The element of index.html with this id. */
function byId(id: string): HTMLElement {
  const element = document.getElementById(id)
  if (!element) throw new Error(`index.html needs an element with id="${id}".`)
  return element
}

/** Shows the session's status, saved state, people and errors in the page's header, and keeps them current. */
function showSession(session: Session): void {
  const status = byId('status')
  const saved = byId('saved')
  const people = byId('people')
  const problem = byId('problem')
  const showSaved = () => {
    saved.textContent = session.saved ? 'All changes saved' : 'Saving…'
  }
  const showPeople = (peers: Peer[]) => {
    // Names come from other people: set as text, never as HTML.
    people.replaceChildren(
      ...peers.map((peer) => {
        const item = document.createElement('li')
        item.textContent = peer.isLocal ? `${peer.name} (you)` : peer.name
        item.style.background = peer.color
        return item
      }),
    )
  }
  session.on('status', (value) => {
    status.textContent = value
  })
  session.on('saved', showSaved)
  session.on('unsaved', showSaved)
  session.on('peers', showPeople)
  session.on('error', (error) => {
    problem.textContent = error.message
    problem.hidden = false
  })
  status.textContent = session.status
  showSaved()
  showPeople(session.peers)
}

const settings = readSettings(location)
try {
  const session = createSession({
    serverUrl: settings.serverUrl,
    docName: settings.docName,
    user: { name: settings.name },
    token: settings.token,
  })
  showSession(session)
  const editor = createRichTextEditor(session, byId('editor'))
  mountToolbar(byId('toolbar'), editor)
  // Ask before leaving while the server has not stored every change yet.
  window.addEventListener('beforeunload', (event) => {
    if (!session.saved) event.preventDefault()
  })
} catch (error) {
  // A server address or document name that cannot be opened: say which, in the page.
  const problem = byId('problem')
  problem.textContent = error instanceof Error ? error.message : String(error)
  problem.hidden = false
}
