import type {
  ConnectionStatus,
  EditorError,
  Listener,
  LoadingProgress,
  Peer,
  Session,
  SessionEvents,
} from '@tandem/client'

/** What the hooks read from a session: each value kept as one snapshot, replaced only when it changes. */
export interface SessionSnapshot {
  readonly status: ConnectionStatus
  readonly saved: boolean
  readonly peers: Peer[]
  readonly text: string
  readonly error: EditorError | null
  readonly loading: LoadingProgress | null
}

/**
 * The values before a session exists: during server-side rendering, and in the browser until the provider's
 * effect has opened the session. The browser's first render must match the server's markup, so both use these.
 */
export const INITIAL_SNAPSHOT: SessionSnapshot = Object.freeze({
  status: 'connecting',
  saved: true,
  peers: Object.freeze([]) as unknown as Peer[],
  text: '',
  error: null,
  loading: null,
})

/**
 * A session seen through `useSyncExternalStore`: the session's getters build a new peers array and a new string
 * on every read, which would make React render forever, so this keeps the latest of each, updated by the
 * session's events. One per session, made by the provider; its listeners end with the session.
 */
export interface SessionStore {
  readonly session: Session
  subscribe(onChange: () => void): () => void
  getSnapshot(): SessionSnapshot
  /** Stops following the session (the session itself is destroyed by the provider). */
  destroy(): void
}

export function createSessionStore(session: Session): SessionStore {
  let snapshot: SessionSnapshot = {
    status: session.status,
    saved: session.saved,
    peers: session.peers,
    text: session.text.toString(),
    error: null,
    loading: session.loading,
  }
  const listeners = new Set<() => void>()
  const update = (change: Partial<SessionSnapshot>) => {
    snapshot = { ...snapshot, ...change }
    for (const listener of listeners) listener()
  }
  const stops: (() => void)[] = []
  const listen = <Name extends keyof SessionEvents>(name: Name, listener: Listener<SessionEvents[Name]>) => {
    session.on(name, listener)
    stops.push(() => session.off(name, listener))
  }
  listen('status', (status) => update({ status }))
  listen('saved', () => update({ saved: true }))
  listen('unsaved', () => update({ saved: false }))
  listen('peers', (peers) => update({ peers }))
  listen('error', (error) => update({ error }))
  listen('loading', (loading) => update({ loading }))
  const onText = () => update({ text: session.text.toString() })
  session.text.observe(onText)
  stops.push(() => session.text.unobserve(onText))
  return {
    session,
    subscribe(onChange) {
      listeners.add(onChange)
      return () => listeners.delete(onChange)
    },
    getSnapshot: () => snapshot,
    destroy() {
      listeners.clear()
      for (const stop of stops.splice(0)) stop()
    },
  }
}
