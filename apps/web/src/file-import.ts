/**
 * Importing a text file (`.md`, `.txt`…) into Tandem: reading and checking it, and carrying it over to a new
 * document's page, which puts it in once it opens (the new document is made by opening its page, as "New
 * document" does).
 */
import type { LanguageName } from '@tandem/editor'
import { tokenHash } from './access-link.js'
import { docPath, newDocName } from './doc-names.js'
import { LANGUAGE_INFO } from './languages.js'

/** The largest file that can be imported, in bytes (1 MiB): a document far longer is slow for everyone in it. */
export const MAX_IMPORT_BYTES = 1024 * 1024

/** What the file pickers offer; dropped files may be any text file. */
export const IMPORT_ACCEPT = '.md,.markdown,.txt,text/markdown,text/plain'

/** A file read and found to be text. */
export interface ImportedFile {
  /** The file's name, as the person's system gave it. */
  fileName: string
  /** The file name without its extension: the title of a new document. */
  title: string
  /** The language its extension names (`.md` is Markdown); plain text for any other. */
  language: LanguageName
  /** The text, with its line breaks as `\n`. */
  text: string
}

/** A file read, or why it cannot be imported (a sentence that names the file). */
export type ImportResult = { ok: true; file: ImportedFile } | { ok: false; error: string }

// Types a browser gives files that are never text, whatever their bytes happen to decode to.
const BINARY_TYPE =
  /^(image|audio|video|font)\/|^application\/(pdf|zip|gzip|x-gzip|x-tar|x-7z-compressed|x-rar-compressed|octet-stream|vnd\.|msword|wasm)/

/** Reads `file` and checks that it can be imported: small enough, and text (UTF-8, no NUL, not a binary type). */
export async function readImportFile(file: File): Promise<ImportResult> {
  const name = `“${file.name}”`
  if (file.size > MAX_IMPORT_BYTES) {
    return {
      ok: false,
      error: `${name} is ${formatBytes(file.size)}; files up to ${formatBytes(MAX_IMPORT_BYTES)} can be imported.`,
    }
  }
  const notText = `${name} is not a text file; only text files such as .md and .txt can be imported.`
  if (BINARY_TYPE.test(file.type)) return { ok: false, error: notText }
  let text: string
  try {
    // fatal: bytes that are not UTF-8 throw rather than turning into U+FFFD. The byte order mark is dropped.
    text = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer())
  } catch {
    return { ok: false, error: notText }
  }
  if (text.includes('\u0000')) return { ok: false, error: notText }
  const dot = file.name.lastIndexOf('.')
  const extension = dot > 0 ? file.name.slice(dot).toLowerCase() : ''
  return {
    ok: true,
    file: {
      fileName: file.name,
      title: (dot > 0 ? file.name.slice(0, dot) : file.name).trim(),
      language: languageOf(extension),
      // The editor counts "\r\n" as one character and the shared text as two: one kind of line break only.
      text: text.replace(/\r\n?/g, '\n'),
    },
  }
}

function languageOf(extension: string): LanguageName {
  if (extension === '.markdown') return 'markdown'
  const found = (Object.keys(LANGUAGE_INFO) as LanguageName[]).find(
    (language) => LANGUAGE_INFO[language].extension === extension,
  )
  return found ?? 'plain'
}

/** A size as a person reads it: "512 bytes", "3.4 KiB", "1 MiB", "1.5 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / (1024 * 1024), 'MiB']
  return `${Number(value.toFixed(1)).toLocaleString('en')} ${unit}`
}

/** Whether a drag carries files (rather than text dragged from a page). */
export function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false
}

const pendingKey = (name: string) => `tandem:import:${name}`

/**
 * Opens a new document holding `file`: the file travels to the new page in this tab's sessionStorage (the
 * page takes it out once, so a reload does not import it twice). `token`, if any, goes along in the link.
 * Returns false if the browser could not keep it.
 */
export function openAsNewDocument(file: ImportedFile, token: string | null = null): boolean {
  const name = newDocName()
  try {
    sessionStorage.setItem(pendingKey(name), JSON.stringify(file))
  } catch {
    return false
  }
  location.assign(docPath(name) + tokenHash(token))
  return true
}

/** The file to put into the new document `name`, once; null if there is none. */
export function takePendingImport(name: string): ImportedFile | null {
  try {
    const raw = sessionStorage.getItem(pendingKey(name))
    if (raw === null) return null
    sessionStorage.removeItem(pendingKey(name))
    const value = JSON.parse(raw) as Partial<ImportedFile>
    if (typeof value.text !== 'string' || typeof value.fileName !== 'string') return null
    return {
      fileName: value.fileName,
      title: typeof value.title === 'string' ? value.title : '',
      language: value.language && value.language in LANGUAGE_INFO ? value.language : 'plain',
      text: value.text,
    }
  } catch {
    return null
  }
}

/** Asks the person for a file through the system's file picker; calls `onFile` with it. */
export function pickFile(onFile: (file: File) => void): void {
  const input = document.createElement('input')
  input.type = 'file'
  input.accept = IMPORT_ACCEPT
  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (file) onFile(file)
  })
  input.click()
}
