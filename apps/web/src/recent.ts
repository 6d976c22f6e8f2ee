/**
 * The documents this browser opened, newest first, with their titles, for the home page. Kept in
 * localStorage: nothing about them is sent anywhere.
 */
import { docNameError } from '@tandem/protocol'
import { readJson, writeJson } from './storage.js'

/** A document in the recent list. */
export interface RecentDoc {
  /** The document's name. */
  name: string
  /** Its title when it was last open here; `''` for none. */
  title: string
  /** When it was last opened here, in ms since the epoch. */
  openedAt: number
  /** The access token of the link it was opened with, on a server that needs one. */
  token?: string
}

/** The localStorage key of the recent list. */
export const RECENT_KEY = 'tandem:recent'

/** How many documents the list keeps. */
export const MAX_RECENT = 50

/** The recent documents, most recently opened first. */
export function recentDocs(): RecentDoc[] {
  const stored = readJson(RECENT_KEY)
  if (!Array.isArray(stored)) return []
  const docs: RecentDoc[] = []
  for (const entry of stored) {
    if (typeof entry !== 'object' || entry === null) continue
    const { name, title, openedAt, token } = entry as Record<string, unknown>
    if (typeof name !== 'string' || docNameError(name) !== null) continue
    if (typeof openedAt !== 'number' || !Number.isFinite(openedAt)) continue
    if (docs.some((doc) => doc.name === name)) continue
    docs.push({
      name,
      title: typeof title === 'string' ? title : '',
      openedAt,
      ...(typeof token === 'string' && token ? { token } : {}),
    })
  }
  return docs.sort((a, b) => b.openedAt - a.openedAt)
}

function save(docs: RecentDoc[]): void {
  writeJson(RECENT_KEY, docs.slice(0, MAX_RECENT))
}

/** Puts a document at the top of the list, as opened now (with the token of its link, if it had one). */
export function rememberDoc(name: string, token: string | null = null, now = Date.now()): void {
  const docs = recentDocs()
  const existing = docs.find((doc) => doc.name === name)
  const kept = token ?? existing?.token
  const entry: RecentDoc = { name, title: existing?.title ?? '', openedAt: now, ...(kept ? { token: kept } : {}) }
  save([entry, ...docs.filter((doc) => doc.name !== name)])
}

/** Updates the title of a document in the list, keeping its place. */
export function updateRecentTitle(name: string, title: string): void {
  const docs = recentDocs()
  const entry = docs.find((doc) => doc.name === name)
  if (!entry || entry.title === title) return
  entry.title = title
  save(docs)
}

/** Takes a document off the list (the document itself stays on the server). */
export function forgetDoc(name: string): void {
  save(recentDocs().filter((doc) => doc.name !== name))
}

/** Follows a rename: the entry of `from` becomes `to`, keeping its place, title and token. */
export function renameRecent(from: string, to: string): void {
  const docs = recentDocs()
  const entry = docs.find((doc) => doc.name === from)
  if (!entry) return
  entry.name = to
  save(docs.filter((doc) => doc === entry || doc.name !== to))
}
