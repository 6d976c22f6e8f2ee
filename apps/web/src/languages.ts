/** What the app shows and saves for each language the editor highlights. */
import type { LanguageName } from '@tandem/editor'

/** A language's label in the picker, and the file type of a download. */
export interface LanguageInfo {
  label: string
  /** The file name extension, with its dot. */
  extension: string
  /** The MIME type of the downloaded file. */
  type: string
}

/** Every language the editor knows, in the picker's order. */
export const LANGUAGE_INFO: Record<LanguageName, LanguageInfo> = {
  markdown: { label: 'Markdown', extension: '.md', type: 'text/markdown' },
  plain: { label: 'Plain text', extension: '.txt', type: 'text/plain' },
  javascript: { label: 'JavaScript', extension: '.js', type: 'text/javascript' },
  typescript: { label: 'TypeScript', extension: '.ts', type: 'text/plain' },
  jsx: { label: 'JSX', extension: '.jsx', type: 'text/plain' },
  tsx: { label: 'TSX', extension: '.tsx', type: 'text/plain' },
  python: { label: 'Python', extension: '.py', type: 'text/x-python' },
  json: { label: 'JSON', extension: '.json', type: 'application/json' },
  html: { label: 'HTML', extension: '.html', type: 'text/html' },
  css: { label: 'CSS', extension: '.css', type: 'text/css' },
}
