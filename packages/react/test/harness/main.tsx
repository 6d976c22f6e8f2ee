// A React page on @tandem/react for the browser tests: one provider in StrictMode (so that development's double
// mount runs), every hook shown as text, and the editor; buttons change the editor's theme and language, change the
// document and unmount the provider. Its options come from the URL's hash as JSON.
import { StrictMode, useState } from 'react'
import { createRoot } from 'react-dom/client'
import {
  TandemEditor,
  TandemProvider,
  useError,
  useLoading,
  usePeers,
  useSaved,
  useStatus,
  useText,
} from '../../src/index.js'

/** What a test gives the page. */
export interface HarnessConfig {
  serverUrl: string
  docName: string
  name: string
  /** A Tandem token, given to the provider as a function (asked before every connection attempt). */
  token?: string
}

function Values() {
  const status = useStatus()
  const saved = useSaved()
  const peers = usePeers()
  const text = useText()
  const error = useError()
  const loading = useLoading()
  return (
    <dl>
      <dt>status</dt>
      <dd data-testid="status">{status}</dd>
      <dt>saved</dt>
      <dd data-testid="saved">{saved ? 'saved' : 'saving'}</dd>
      <dt>people</dt>
      <dd data-testid="peers">{peers.map((peer) => (peer.isLocal ? `${peer.name} (you)` : peer.name)).join(', ')}</dd>
      <dt>text</dt>
      <dd data-testid="text">{text}</dd>
      <dt>error</dt>
      <dd data-testid="error">{error?.message ?? ''}</dd>
      <dt>loading</dt>
      <dd data-testid="loading">{loading ? `${loading.received} of ${loading.total}` : ''}</dd>
    </dl>
  )
}

const config = JSON.parse(decodeURIComponent(location.hash.slice(1))) as HarnessConfig

/** The provider on the configured document, with buttons to move it to another document and to unmount it. */
function App() {
  const [docName, setDocName] = useState(config.docName)
  const [mounted, setMounted] = useState(true)
  const [dark, setDark] = useState(false)
  return (
    <>
      <button type="button" onClick={() => setDark(true)}>
        Dark, in Python
      </button>
      <button type="button" onClick={() => setDocName(`${config.docName}-next`)}>
        Next document
      </button>
      <button type="button" onClick={() => setMounted(false)}>
        Close
      </button>
      {mounted && (
        <TandemProvider
          serverUrl={config.serverUrl}
          docName={docName}
          user={{ name: config.name }}
          token={config.token === undefined ? undefined : () => config.token!}
        >
          <Values />
          <TandemEditor className="editor" theme={dark ? 'dark' : undefined} language={dark ? 'python' : undefined} />
        </TandemProvider>
      )}
    </>
  )
}

createRoot(document.querySelector('#root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
