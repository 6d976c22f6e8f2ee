import { TandemEditor, TandemProvider, useError, usePeers, useSaved, useStatus } from '@tandem/react'
import { useState } from 'react'
import type { Settings } from './settings.js'

/** A line above the editor: the connection, whether the server has stored every change, and who is here. */
function StatusLine() {
  const status = useStatus()
  const saved = useSaved()
  const peers = usePeers()
  const error = useError()
  return (
    <>
      <span data-testid="status">{status}</span>
      <span data-testid="saved">{saved ? 'All changes saved' : 'Saving…'}</span>
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
    </TandemProvider>
  )
}
