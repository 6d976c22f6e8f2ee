import { checkDocName } from './doc-name.js'
import type { TokenSource } from './reconnecting-socket.js'
import { normalizeServerUrl } from './server-url.js'

/** Settings of {@link documentHistory}. */
export interface DocumentHistoryOptions {
  /** The Tandem server, as for `createSession`: `wss://host` (or `https://host`; both reach its HTTP API). */
  serverUrl: string
  /** The document, as for `createSession`: `team/notes`. */
  docName: string
  /**
   * Credentials, sent as `Authorization: Bearer <token>`: a string, or a function that returns a fresh one (or a
   * promise of one) before each request. Looking needs read access; naming and restoring need write access.
   * @default no token
   */
  token?: TokenSource
  /**
   * The name of the person asking, sent when they name or restore a version: a server without access control
   * records it, marked unverified, as who did it (as it records the name a person chose for their cursor as the
   * author of their edits). A server that knows a name from the token records that one instead. A string, or a
   * function asked before each request (the person may rename themselves meanwhile).
   * @default no name: the server records only the address
   */
  name?: string | (() => string)
}

/** Who made a change, named a version or restored one, as the server recorded them. */
export interface HistoryAuthor {
  /** `user:<token subject>` when verified, `ip:<address>` when the server knew only the address. */
  readonly id: string
  /** A display name, when the server knew one (a token's `name` claim). */
  readonly name: string | null
  /** Whether a token vouched for `id`; an unverified author is only the address a change came from. */
  readonly verified: boolean
}

/** A point in a document's history that can be shown, compared with another and restored. */
export interface HistoryVersion {
  /** Increasing per document, from 1. */
  readonly id: number
  /** `auto` after a pause in editing, `named` by a person, `restore` when a person restored an earlier version. */
  readonly kind: 'auto' | 'named' | 'restore'
  /** The name a person gave it; `null` when none was given. */
  readonly label: string | null
  /** Who named it or restored; `null` for an automatic version. */
  readonly by: HistoryAuthor | null
  /** When it was taken, as an ISO 8601 string. */
  readonly at: string
  /** Who changed the document since the previous version. */
  readonly authors: readonly HistoryAuthor[]
  /** Characters inserted since the previous version. */
  readonly inserted: number
  /** Characters deleted since the previous version. */
  readonly deleted: number
  /** For a `restore`, the id of the version restored; `null` otherwise. */
  readonly restoredFrom: number | null
}

/** A version by id, or the document as it is now. */
export type HistoryRef = number | 'current'

/** One stretch of a diff: kept, inserted or deleted, with who inserted or deleted it. */
export interface HistoryRange {
  readonly type: 'same' | 'inserted' | 'deleted'
  readonly text: string
  /** Who inserted or deleted it; `null` for `same` ranges and where history does not say. */
  readonly author: HistoryAuthor | null
}

/** What changed from one version (or the current text) to another. */
export interface HistoryDiff {
  readonly from: HistoryRef
  readonly to: HistoryRef
  readonly ranges: readonly HistoryRange[]
}

/** A range of the current text with who wrote it (`null` where history does not say). */
export interface AuthoredText {
  readonly text: string
  readonly author: HistoryAuthor | null
}

/** The history of one document, over the server's HTTP API. */
export interface DocumentHistory {
  /** The versions, oldest first. */
  versions(): Promise<HistoryVersion[]>
  /** The text at version `id`. */
  textAt(id: number): Promise<string>
  /** What changed from `from` to `to` (`current` by default), with authors. */
  diff(from: HistoryRef, to?: HistoryRef): Promise<HistoryDiff>
  /** The current text, range by range, with who wrote each. */
  authorship(): Promise<AuthoredText[]>
  /** Stores a version of the document as it is now, named `label` (1 to 100 characters); needs write access. */
  nameVersion(label: string): Promise<HistoryVersion>
  /**
   * Makes version `id` the current text through an ordinary change (people editing keep their own edits and
   * see the restore at once) and resolves to the `restore` version it adds; needs write access.
   */
  restore(id: number): Promise<HistoryVersion>
}

/**
 * A request the server refused (`status`, such as 403 without write access or 404 for a version the document
 * lacks), or one that never reached it (`status` 0). The message is the server's own sentence about what was wrong.
 */
export class HistoryError extends Error {
  override readonly name = 'HistoryError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The history of the document `docName` on a Tandem server: its versions, the text at each, diffs and
 * authorship, naming and restoring versions. Each call is one HTTP request; a refusal rejects with a
 * {@link HistoryError}. Needs a server that keeps history (answers 409 otherwise).
 */
export function documentHistory(options: DocumentHistoryOptions): DocumentHistory {
  const base = `${httpBase(normalizeServerUrl(options.serverUrl))}/api/docs/${encodeURIComponent(checkDocName(options.docName))}`
  const token = options.token
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'function') {
    throw new TypeError('The token option must be a string or a function that returns one (or a promise of one).')
  }

  const name = options.name
  if (name !== undefined && typeof name !== 'string' && typeof name !== 'function') {
    throw new TypeError('The name option must be a string or a function that returns one.')
  }
  /** The request's `name` field, when there is a name to send. */
  const asking = (): { name?: string } => {
    const given = (typeof name === 'function' ? name() : name)?.trim()
    return given ? { name: given } : {}
  }

  const request = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<string> => {
    const headers: Record<string, string> = {}
    const credential = typeof token === 'function' ? await token() : token
    if (credential) headers.Authorization = `Bearer ${credential}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        cache: 'no-store',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch {
      throw new HistoryError(0, 'The server could not be reached; try again when the connection is back.')
    }
    const text = await response.text()
    if (!response.ok) throw new HistoryError(response.status, text.trim() || `The server answered ${response.status}.`)
    return text
  }
  const json = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> =>
    JSON.parse(await request(method, path, body)) as T

  return {
    versions: async () => (await json<{ versions: HistoryVersion[] }>('GET', '/versions')).versions,
    textAt: (id) => request('GET', `/versions/${encodeURIComponent(id)}/text`),
    diff: (from, to = 'current') => json('GET', `/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
    authorship: async () => (await json<{ ranges: AuthoredText[] }>('GET', '/authorship')).ranges,
    nameVersion: (label) => json('POST', '/versions', { label, ...asking() }),
    restore: (id) => json('POST', `/versions/${encodeURIComponent(id)}/restore`, asking()),
  }
}

/** The HTTP(S) origin and path of a normalized `ws:`/`wss:` server URL. */
function httpBase(serverUrl: string): string {
  return serverUrl.replace(/^ws/, 'http')
}
