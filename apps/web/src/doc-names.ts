/**
 * Document names as the app uses them: new unguessable ones, and the `/d/<name>` paths of the document page.
 * The rule itself (which names the server accepts) is `docNameError` from @tandem/protocol.
 */
import { docNameError } from '@tandem/protocol'

// 32 symbols (digits and lowercase letters without i, l, o, u), so that a byte modulo 32 is unbiased and a
// name read aloud or copied by hand has no look-alike characters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

/** How many symbols a new name has: 20 × 5 = 100 random bits, too many to guess. */
export const NEW_NAME_LENGTH = 20

/** A new document name nobody can guess, from the browser's cryptographic random numbers. */
export function newDocName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(NEW_NAME_LENGTH))
  let name = ''
  for (const byte of bytes) name += ALPHABET[byte % ALPHABET.length]
  return name
}

/** The page of a document: `/d/<name>`. Every character a valid name may hold is fine in a URL path as is. */
export function docPath(name: string): string {
  return `/d/${name}`
}

/** What the document page's path names: a valid document name, or why it is not one. */
export type DocPathResult = { ok: true; name: string } | { ok: false; error: string }

/** Reads the document name from a `/d/<name>` path (percent-decoded once). */
export function docNameFromPath(pathname: string): DocPathResult {
  let name: string
  try {
    name = decodeURIComponent(pathname.replace(/^\/d\//, ''))
  } catch {
    return { ok: false, error: 'the link is not valid percent-encoding' }
  }
  const error = docNameError(name)
  return error === null ? { ok: true, name } : { ok: false, error }
}

/**
 * What a person typed into "Open": a document name, or a link to a document page (`https://host/d/<name>`,
 * `/d/<name>`), whose name is taken from it. Returns the name, or why it cannot be opened.
 */
export function parseOpenInput(input: string): DocPathResult {
  const value = input.trim()
  if (value === '') return { ok: false, error: 'type the name of a document, or paste its link' }
  if (/^https?:\/\//i.test(value)) {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      return { ok: false, error: 'that link is not a valid URL' }
    }
    if (!url.pathname.startsWith('/d/')) return { ok: false, error: 'that link is not a link to a Tandem document' }
    return docNameFromPath(url.pathname)
  }
  if (value.startsWith('/d/')) return docNameFromPath(value)
  const error = docNameError(value)
  return error === null ? { ok: true, name: value } : { ok: false, error }
}

/** A reason from the name rule as a sentence: "The document name is empty." */
export function sentence(reason: string): string {
  const text = reason.charAt(0).toUpperCase() + reason.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}
