/**
 * Files on the document page: the "File" menu (import a file, download the text or an HTML page, print or save
 * as PDF, and the page's items for the document as a whole), dropping a file on the page, the print view, and putting in a file imported as a new document.
 */
import type { Editor, LanguageName } from '@tandem/editor'
import { h, ICONS } from './dom.js'
import { downloadName, downloadText } from './download.js'
import {
  carriesFiles,
  type ImportedFile,
  openAsNewDocument,
  pickFile,
  readImportFile,
  takePendingImport,
} from './file-import.js'
import { openImportDialog } from './import-dialog.js'
import { LANGUAGE_INFO } from './languages.js'
import { type MenuItem, menuButton } from './menu-button.js'
import { toast } from './toast.js'

/** What the document page gives. */
export interface DocumentFilesOptions {
  editor: Editor
  /** The document's name now (it changes with a rename). */
  name: () => string
  /** The access token the page was opened with; a new document from an import opens with it too. */
  token: string | null
  /** The shared title and language, as the page reads them. */
  title: () => string
  language: () => LanguageName
  /** More items for the end of the menu. */
  moreItems?: MenuItem[]
}

type Rendering = typeof import('./rendered-text.js')

/** Sets up files for the page; returns the menu for the toolbar and the print view for the page. */
export function documentFiles(options: DocumentFilesOptions): { menu: HTMLElement; printView: HTMLElement } {
  const { editor } = options

  // Markdown rendering is loaded when first needed, and early (when the menu is approached) so that printing
  // with Ctrl+P, which cannot wait, usually finds it there.
  let rendering: Rendering | null = null
  const loadRendering = async () => {
    rendering ??= await import('./rendered-text.js')
    return rendering
  }

  const printView = h('div', { class: 'print-view' })
  const renderPrintView = () => {
    const title = options.title()
    const text = editor.text.toString()
    const body = rendering ? rendering.renderedText(text, options.language()) : h('pre', { class: 'plain-text' }, text)
    printView.replaceChildren(title ? h('h1', { class: 'doc-title' }, title) : '', h('article', {}, body))
  }
  window.addEventListener('beforeprint', renderPrintView)

  // A view-only link cannot make a document either: the new one would open with it, read-only too (or, without
  // it, be refused by a server that needs tokens).
  const readOnlyReason = () =>
    editor.access === 'read' ? 'This link gives read access only: files cannot be imported with it.' : null

  const importFile = async (file: File) => {
    const refused = readOnlyReason()
    if (refused) {
      toast(refused, 'error')
      return
    }
    const result = await readImportFile(file)
    if (!result.ok) {
      toast(result.error, 'error')
      return
    }
    chooseImport(result.file)
  }

  // The access can change while the dialog is open.
  const refuseReadOnly = () => {
    const refused = readOnlyReason()
    if (refused) toast(refused, 'error')
    return refused !== null
  }

  const chooseImport = (file: ImportedFile) => {
    openImportDialog({
      file,
      currentLines: () => editor.view.state.doc.lines,
      onNewDocument: () => {
        if (!openAsNewDocument(file, options.token)) toast('This browser could not keep the file to open it.', 'error')
      },
      onInsert: () => {
        if (refuseReadOnly()) return
        const { from, to } = editor.view.state.selection.main
        editor.view.dispatch({
          changes: { from, to, insert: file.text },
          selection: { anchor: from + file.text.length },
          scrollIntoView: true,
          userEvent: 'input.paste',
        })
        editor.view.focus()
        toast(`Inserted “${file.fileName}”.`)
      },
      onReplace: () => {
        if (refuseReadOnly()) return
        editor.view.dispatch({
          changes: { from: 0, to: editor.view.state.doc.length, insert: file.text },
          selection: { anchor: 0 },
          scrollIntoView: true,
          userEvent: 'input.paste',
        })
        editor.view.focus()
        toast(`Replaced the text with “${file.fileName}”.`)
      },
    })
  }

  const { element: menu, button } = menuButton({
    label: 'File',
    icon: ICONS.file,
    title: 'Import a file, download or print the text, rename, copy or delete the document',
    items: [
      {
        label: 'Import a file…',
        icon: ICONS.upload,
        title: 'A .md or .txt file, as a new document or into this one',
        disabled: readOnlyReason,
        onSelect: () => pickFile(importFile),
      },
      {
        label: 'Download as text',
        icon: ICONS.download,
        title: 'The text as it is, in a file with the extension of its language',
        onSelect: () => {
          const language = options.language()
          downloadText(
            downloadName(options.title(), options.name(), language),
            editor.text.toString(),
            LANGUAGE_INFO[language].type,
          )
        },
      },
      {
        label: 'Download as HTML',
        icon: ICONS.download,
        title: 'A web page of the text: Markdown rendered, anything else as monospace text',
        onSelect: async () => {
          const { standaloneHtml } = await loadRendering()
          const html = standaloneHtml(options.title(), editor.text.toString(), options.language())
          downloadText(downloadName(options.title(), options.name(), 'html'), html, 'text/html')
        },
      },
      {
        label: 'Print / Save as PDF',
        icon: ICONS.print,
        title: 'Print the text with its title, or save it as a PDF from the print dialog',
        onSelect: async () => {
          await loadRendering()
          // Also on beforeprint, but a test (or a browser without the event) may not send it.
          renderPrintView()
          window.print()
        },
      },
      ...(options.moreItems ?? []),
    ],
  })
  for (const event of ['pointerenter', 'focus'])
    button.addEventListener(event, () => void loadRendering(), { once: true })

  // A file dropped anywhere on the page is imported (rather than the browser leaving the document to show the
  // file, or the editor inserting any file's bytes as text). On the text, "Insert at the cursor" means there.
  // In the capture phase and default-prevented, so that the editor's own file drop (which skips events already
  // handled) never runs.
  window.addEventListener(
    'dragover',
    (event) => {
      if (!carriesFiles(event) || !event.dataTransfer) return
      event.preventDefault()
      event.dataTransfer.dropEffect = 'copy'
    },
    true,
  )
  window.addEventListener(
    'drop',
    (event) => {
      if (!carriesFiles(event)) return
      event.preventDefault()
      event.stopPropagation()
      const file = event.dataTransfer?.files.length === 1 ? event.dataTransfer.files[0] : undefined
      if (!file) {
        toast('Drop one file at a time to import it.', 'error')
        return
      }
      const view = editor.view
      if (view.dom.contains(event.target as Node)) {
        const position = view.posAtCoords({ x: event.clientX, y: event.clientY })
        if (position !== null) view.dispatch({ selection: { anchor: position } })
      }
      void importFile(file)
    },
    true,
  )

  return { menu, printView }
}

/**
 * A new document opened by "Import" takes its file's text, title and language, once. Called once the page is
 * set up, since the text changing runs the page's listeners.
 */
export function putInPendingImport(editor: Editor, name: string, maxTitleLength: number): void {
  const file = takePendingImport(name)
  if (!file) return
  editor.doc.transact(() => {
    editor.meta.set('title', file.title.slice(0, maxTitleLength))
    editor.meta.set('language', file.language)
    editor.text.insert(0, file.text)
  })
  toast(`Imported “${file.fileName}”.`)
}
