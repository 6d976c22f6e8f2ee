import type { TokenSource } from '@tandem/client'

/** The Tandem server `pnpm start` runs, used when the page's address names none. */
export const DEFAULT_SERVER_URL = 'ws://localhost:1234'
/** The document opened when the page's address names none. */
export const DEFAULT_DOC_NAME = 'examples/tiptap'

/** What the page opens, and as whom. */
export interface Settings {
  /** The Tandem server: `?server=ws://…`. @default {@link DEFAULT_SERVER_URL} */
  serverUrl: string
  /** The document: `?doc=team/notes`. @default {@link DEFAULT_DOC_NAME} */
  docName: string
  /** The person's name on their caret and in the list of people: `?name=Ada`. @default "Anonymous" */
  name: string | undefined
  /**
   * Credentials for a server started with `--auth token`: the token of the address's fragment (`#token=…`), or,
   * with `?token-url=/api/tandem-token`, a function that fetches a fresh one from there before every connection
   * attempt (as a real app asks its own backend). @default none: a server without access control
   */
  token: TokenSource | undefined
}

/**
 * Reads the settings from the page's address. The token is read from the fragment, never the query: browsers
 * do not send the fragment to any server, nor in a Referer header.
 */
export function readSettings(location: Pick<Location, 'search' | 'hash'>): Settings {
  const query = new URLSearchParams(location.search)
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''))
  const tokenUrl = query.get('token-url')
  return {
    serverUrl: query.get('server') || DEFAULT_SERVER_URL,
    docName: query.get('doc') || DEFAULT_DOC_NAME,
    name: query.get('name') || undefined,
    token: fragment.get('token') || (tokenUrl ? () => fetchToken(tokenUrl) : undefined),
  }
}

/** A fresh token from the app's backend, which decides who may open what (and answers 401 to a stranger). */
async function fetchToken(url: string): Promise<string> {
  const response = await fetch(url, { credentials: 'same-origin' })
  if (!response.ok) throw new Error(`No Tandem token: ${url} answered ${response.status} ${response.statusText}.`)
  return (await response.text()).trim()
}
