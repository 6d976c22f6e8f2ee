import { type AttachedEditor, attachEditor, type LanguageName, type ThemeName } from '@tandem/editor'
import { type CSSProperties, type ReactNode, useContext, useEffect, useRef } from 'react'
import { SessionContext } from './provider.js'

/** Props of {@link TandemEditor}. */
export interface TandemEditorProps {
  /** The class of the element that holds the editor (the editor fills its height). */
  className?: string
  /** The style of the element that holds the editor. */
  style?: CSSProperties
  /** The person can read and select but not type; a token that grants only `read` does the same. @default false */
  readOnly?: boolean
  /**
   * The syntax highlighting. Without it the editor follows the document's `meta.language` (Markdown when it has
   * none); a change applies at once, and going back to `undefined` follows the document again.
   */
  language?: LanguageName
  /** `light`, `dark` or `auto`; a change applies at once. @default 'light' */
  theme?: ThemeName
}

/**
 * The collaborative editor for the provider's document: CodeMirror with everyone's carets, and undo of this
 * person's own changes, in a `<div>`.
 *
 * It puts the view on the provider's session with `attachEditor()` rather than `createEditor()`, which opens a
 * session of its own: the editor, the hooks and the provider share one document and one connection. The view is
 * made in an effect once the session exists, so a server render gives the empty `<div>` alone.
 */
export function TandemEditor(props: TandemEditorProps): ReactNode {
  const store = useContext(SessionContext)
  if (store === undefined) throw new Error('<TandemEditor> must be inside a <TandemProvider>.')
  const session = store?.session ?? null
  const parent = useRef<HTMLDivElement>(null)
  const editor = useRef<AttachedEditor | null>(null)
  const wantsReadOnly = props.readOnly === true
  const wantsLanguage = props.language ?? null
  const wantsTheme = props.theme ?? 'light'
  const latest = useRef(props)
  latest.current = props

  useEffect(() => {
    if (!session || !parent.current) return
    const { language, theme, readOnly } = latest.current
    const attached = attachEditor(session, { parent: parent.current, language, theme, readOnly })
    editor.current = attached
    return () => {
      editor.current = null
      attached.destroy()
    }
  }, [session])

  // The view was made with the props of its first render; these follow later changes. Each also runs right after
  // the view is made, where it changes nothing.
  useEffect(() => {
    editor.current?.setReadOnly(wantsReadOnly)
  }, [wantsReadOnly])
  useEffect(() => {
    editor.current?.setLanguage(wantsLanguage)
  }, [wantsLanguage])
  useEffect(() => {
    editor.current?.setTheme(wantsTheme)
  }, [wantsTheme])

  return <div ref={parent} className={props.className} style={props.style} />
}
