/**
 * The server's document API (`/api/docs`) as the pages use it: the list and the trash, renaming, making a copy,
 * moving to the trash and back. Requests carry the page's access token, if it has one. A refusal becomes a
 * {@link DocumentsApiError} with the server's own sentence, which says what was wrong.
 */

/** Who changed or deleted a document, as the server records it. */
export interface DocAuthor {
  id: string
  name: string | null
  verified: boolean
}

/** A document as the server lists it. */
export interface DocRow {
  name: string
  title: string | null
  /** The stored size, in bytes. */
  size: number
  updatedAt: string
  updatedBy: DocAuthor | null
  /** Only for a document in the trash: when it went there, by whom, and when it is purged for good. */
  deletedAt?: string
  deletedBy?: DocAuthor | null
  purgeAt?: string
}

/** One page of the list. */
export interface DocList {
  documents: DocRow[]
  total: number
  nextOffset: number | null
  /** The server lists documents to anyone who can reach it (no access control). */
  public: boolean
}

/** What to list. */
export interface ListQuery {
  /** Part of the title or name. */
  q?: string
  sort?: 'updated' | 'name'
  /** The trash instead of the documents. */
  trash?: boolean
  offset?: number
}

/** A request the server refused (`status`), or one that never reached it (`status` 0). */
export class DocumentsApiError extends Error {
  override readonly name = 'DocumentsApiError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** The document API of the server at `apiBase` (`https://host:port`), with `token` if there is one. */
export function documentsApi(apiBase: string, token: string | null) {
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {}
    if (token) headers.Authorization = `Bearer ${token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(`${apiBase}/api/docs${path}`, {
        method,
        headers,
        cache: 'no-store',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch {
      throw new DocumentsApiError(0, 'The server could not be reached; try again when the connection is back.')
    }
    const text = await response.text()
    if (!response.ok) {
      throw new DocumentsApiError(response.status, text.trim() || `The server answered ${response.status}.`)
    }
    return JSON.parse(text) as T
  }
  const doc = (name: string) => `/${encodeURIComponent(name)}`
  return {
    list(query: ListQuery = {}): Promise<DocList> {
      const params = new URLSearchParams()
      if (query.q) params.set('q', query.q)
      if (query.sort) params.set('sort', query.sort)
      if (query.trash) params.set('trash', '1')
      if (query.offset) params.set('offset', String(query.offset))
      const search = params.toString()
      return request('GET', search ? `?${search}` : '')
    },
    /** The document's row, where it is now: an old name leads to the renamed document. */
    info: (name: string) => request<DocRow>('GET', doc(name)),
    rename: (name: string, to: string) => request<DocRow>('POST', `${doc(name)}/rename`, { to }),
    duplicate: (name: string, to: string, title: string) =>
      request<DocRow>('POST', `${doc(name)}/duplicate`, { to, title }),
    trash: (name: string) => request<DocRow>('DELETE', doc(name)),
    restore: (name: string) => request<DocRow>('POST', `${doc(name)}/restore`),
  }
}

/** The document API of one server. */
export type DocumentsApi = ReturnType<typeof documentsApi>

/** The HTTP base of the sync server at `syncUrl` (`wss://host` → `https://host`). */
export function apiBaseOf(syncUrl: string): string {
  return syncUrl.replace(/^ws/, 'http')
}

/** " by Ada" for a sentence about who did something, or `''` when the server knows no name. */
export function byAuthor(author: DocAuthor | null | undefined): string {
  const name = author?.name?.trim()
  return name ? ` by ${name}` : ''
}
