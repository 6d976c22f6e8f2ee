import { createSession, type SessionOptions, type TokenSource, type UserInfo } from '@tandem/client'
import { createContext, type ReactNode, useEffect, useRef, useState } from 'react'
import { createSessionStore, type SessionStore } from './session-store.js'

/** Session options the provider reads once, when it opens the session: those that have no prop of their own. */
export type ProviderSessionOptions = Omit<
  SessionOptions,
  'serverUrl' | 'docName' | 'user' | 'token' | 'offline' | 'doc'
>

/** Props of {@link TandemProvider}. */
export interface TandemProviderProps {
  /** The server, `ws://` or `wss://` (see `SessionOptions.serverUrl`). A new value opens a new session. Required. */
  serverUrl: string
  /** The document's name (see `SessionOptions.docName`). A new value opens a new session. Required. */
  docName: string
  /**
   * Credentials: a string, or a function that returns a fresh one before every connection attempt. A new value
   * is used from the next connection attempt on; it does not reconnect by itself.
   * @default no token
   */
  token?: TokenSource
  /** Who the local person is; a new name or colour is shown to everyone at once. @default an anonymous person */
  user?: UserInfo
  /** Keep a copy in this browser's IndexedDB (see `SessionOptions.offline`). A new value opens a new session. @default false */
  offline?: boolean
  /** Any other session option (WebSocket, crossTab, reconnect, ...), read when a session is opened. @default {} */
  options?: ProviderSessionOptions
  children?: ReactNode
}

/** The provider's session, as the hooks see it: `null` until the provider's effect has opened it. */
export const SessionContext = createContext<SessionStore | null | undefined>(undefined)

/**
 * Opens one document on a Tandem server for everything inside it: the hooks (`useText`, `useStatus`, ...) and
 * `<TandemEditor>` read the session it holds.
 *
 * The session is opened in an effect, never during rendering, and destroyed by the effect's cleanup: when the
 * provider unmounts, and when `serverUrl`, `docName` or `offline` change (a new session follows). So a server
 * render opens nothing (the hooks give their initial values), and React StrictMode's mount, unmount and mount
 * again in development destroys the first session before its socket opens (a session connects in a microtask)
 * and leaves exactly one.
 */
export function TandemProvider(props: TandemProviderProps): ReactNode {
  const { serverUrl, docName, offline = false } = props
  const [store, setStore] = useState<SessionStore | null>(null)
  // The latest props, for what the session reads later (the token before each attempt) or once at opening.
  const latest = useRef(props)
  latest.current = props

  useEffect(() => {
    const { token, user, options } = latest.current
    const session = createSession({
      ...options,
      serverUrl,
      docName,
      offline,
      ...(user ? { user } : {}),
      // Through the ref, so that a new token prop is used without opening a new session.
      ...(token === undefined ? {} : { token: () => currentToken(latest.current.token) }),
    })
    const opened = createSessionStore(session)
    setStore(opened)
    return () => {
      opened.destroy()
      session.destroy()
      setStore((current) => (current === opened ? null : current))
    }
  }, [serverUrl, docName, offline])

  const name = props.user?.name
  const color = props.user?.color
  useEffect(() => {
    if (store && (name !== undefined || color !== undefined)) store.session.setUser({ name, color })
  }, [store, name, color])

  return <SessionContext.Provider value={store}>{props.children}</SessionContext.Provider>
}

/** The token to send now: the prop's string, or what its function returns. */
function currentToken(token: TokenSource | undefined): string | Promise<string> {
  if (token === undefined) throw new Error('The token prop of <TandemProvider> was removed; give it a token again.')
  return typeof token === 'function' ? token() : token
}
