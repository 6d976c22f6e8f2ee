/**
 * The documents whose server accepted this browser's connection for writing. Until a server has, a document
 * page does not let the person type: text typed under a refusal would be kept in the offline copy and sent
 * later, when the same browser opens the document with a valid link. A document accepted before opens ready to
 * type, so that a reload while the server is down keeps working from the offline copy. Kept in localStorage.
 */
import { readJson, writeJson } from './storage.js'

/** The localStorage key of the list. */
const ACCEPTED_KEY = 'tandem:accepted'

/** How many documents the list keeps; the oldest go first. */
const MAX_ACCEPTED = 200

function acceptedList(): string[] {
  const stored = readJson(ACCEPTED_KEY)
  return Array.isArray(stored) ? stored.filter((entry): entry is string => typeof entry === 'string') : []
}

/** Whether the server at `serverUrl` accepted this browser's connection to `name` for writing before. */
export function wasAccepted(serverUrl: string, name: string): boolean {
  return acceptedList().includes(`${serverUrl}/${name}`)
}

/** Records whether the server at `serverUrl` accepts this browser's connection to `name` for writing. */
export function rememberAccepted(serverUrl: string, name: string, accepted: boolean): void {
  const key = `${serverUrl}/${name}`
  const list = acceptedList()
  const rest = list.filter((entry) => entry !== key)
  // Nothing to write: already first in the list, or already not in it.
  if (accepted ? list[0] === key : rest.length === list.length) return
  writeJson(ACCEPTED_KEY, accepted ? [key, ...rest].slice(0, MAX_ACCEPTED) : rest)
}
