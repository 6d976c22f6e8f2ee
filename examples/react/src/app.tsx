import { TandemEditor, TandemProvider, useError, usePeers, useSaved, useStatus, useText } from '@tandem/react'
import { useState, version } from 'react'
import type { Settings } from './settings.js'

/** Words in a text: runs of anything but white space. */
function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length
}

/**
 * A line above the editor: the connection, whether the server has stored every change, the number of words (of
 * everyone's text, as it changes), and who is here.
 */
function StatusLine() {
  const status = useStatus()
  const saved = useSaved()
  // The whole text, on every change by anyone: fine for a word count of a note; a long document would count
  // from `useSession().text` less often.
  const words = countWords(useText())
  const peers = usePeers()
  const error = useError()
  return (
    <>
      <span data-testid="status">{status}</span>
      <span data-testid="saved">{saved ? 'All changes saved' : 'Saving…'}</span>
      <span data-testid="words">{words === 1 ? '1 word' : `${words} words`}</span>
      {/* Names come from other people: React puts them in the page as text, never as HTML. */}
      <ul className="people" aria-label="People here" data-testid="people">
        {peers.map((peer) => (
          <li key={peer.clientId} style={{ background: peer.color }}>
            {peer.isLocal ? `${peer.name} (you)` : peer.name}
          </li>
        ))}
      </ul>
      {error && <p role="alert">{error.message}</p>}
    </>
  )
}

/**
 * One document, edited together: a name field, the status line and the editor. Every part inside the provider
 * shares its one session, so the page opens one WebSocket.
 */
export function App({ settings }: { settings: Settings }) {
  const [name, setName] = useState(settings.name)
  return (
    <TandemProvider
      serverUrl={settings.serverUrl}
      docName={settings.docName}
      // A new name reaches everyone at once, without reconnecting.
      user={{ name }}
      token={settings.token}
    >
      <header>
        <label>
          Your name <input value={name} onChange={(event) => setName(event.target.value)} maxLength={40} />
        </label>
        <StatusLine />
      </header>
      <TandemEditor className="editor" />
      <footer data-testid="react-version">React {version}</footer>
    </TandemProvider>
  )
}
