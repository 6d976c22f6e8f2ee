import type { ConnectionStatus, EditorError, LoadingProgress, Peer, Session } from '@tandem/client'
import { useContext, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import { SessionContext } from './provider.js'
import { INITIAL_SNAPSHOT, type SessionSnapshot, type SessionStore } from './session-store.js'

const noSubscription = () => () => {}

/** The provider's store; throws outside a provider, where every hook would silently show its initial value. */
function useStore(hook: string): SessionStore | null {
  const store = useContext(SessionContext)
  if (store === undefined) throw new Error(`${hook} must be called inside a <TandemProvider>.`)
  return store
}

/** One value of the session's snapshot, re-rendering only when that value changes. */
function useSnapshot<Key extends keyof SessionSnapshot>(hook: string, key: Key): SessionSnapshot[Key] {
  const store = useStore(hook)
  return useSyncExternalStore(
    store ? store.subscribe : noSubscription,
    () => (store ? store.getSnapshot() : INITIAL_SNAPSHOT)[key],
    () => INITIAL_SNAPSHOT[key],
  )
}

/** The provider's session: `null` during server rendering and until the provider's effect has opened it. */
export function useSession(): Session | null {
  return useStore('useSession()')?.session ?? null
}

/** The provider's Yjs document, or `null` while there is no session (see {@link useSession}). */
export function useDoc(): Y.Doc | null {
  return useSession()?.doc ?? null
}

/** The connection's status; `'connecting'` while there is no session. */
export function useStatus(): ConnectionStatus {
  return useSnapshot('useStatus()', 'status')
}

/**
 * Whether every local change is stored on the server (the session's `saved` and `unsaved` events); `true`
 * while there is no session, and before any change. Needs a Tandem server: a stock y-websocket server never
 * acknowledges, so it stays `false` after the first change there.
 */
export function useSaved(): boolean {
  return useSnapshot('useSaved()', 'saved')
}

/** The people present, local person first; `[]` while there is no session. */
export function usePeers(): Peer[] {
  return useSnapshot('usePeers()', 'peers')
}

/**
 * The document's text as a string, re-rendering on every change, local or remote; `''` while there is no
 * session. Each change copies the whole text: for a long document, bind a view to `useSession().text` instead.
 */
export function useText(): string {
  return useSnapshot('useText()', 'text')
}

/**
 * The latest error the page should tell the person about (such as access denied), or `null`. It is not cleared
 * when the problem goes away; a new session (another document) starts with `null`. Because the provider listens
 * for errors, the session no longer logs them to the console: show them with this hook.
 */
export function useError(): EditorError | null {
  return useSnapshot('useError()', 'error')
}

/**
 * While a big document arrives in pieces, how much of it has come (`received` of `total` bytes), to show
 * progress; `null` otherwise, and while there is no session.
 */
export function useLoading(): LoadingProgress | null {
  return useSnapshot('useLoading()', 'loading')
}
