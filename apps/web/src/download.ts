/** Downloading the text of a document as a file named after its title, with the language's extension. */
import type { LanguageName } from '@tandem/editor'
import { LANGUAGE_INFO } from './languages.js'

/**
 * The file name for a document: its title (or the last part of its name), without characters that file
 * systems refuse, and ending with the language's extension (not added twice: "app.py" stays "app.py").
 */
export function downloadName(title: string, docName: string, language: LanguageName): string {
  const { extension } = LANGUAGE_INFO[language]
  const base = cleanFileName(title) || cleanFileName(docName.split('/').pop() ?? '') || 'document'
  return base.toLowerCase().endsWith(extension) ? base : `${base}${extension}`
}

function cleanFileName(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
      .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^\.+/, '')
      .slice(0, 100)
      .trim()
  )
}

/** Saves `text` as a file through the browser's download. */
export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  // After the click has started the download; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
