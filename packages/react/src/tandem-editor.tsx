import { Compartment } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { collab, editorSetup, type LanguageName, language, readOnly, type ThemeName, theme } from '@tandem/editor'
import { type CSSProperties, type ReactNode, useContext, useEffect, useRef } from 'react'
import * as Y from 'yjs'
import { SessionContext } from './provider.js'

/** Props of {@link TandemEditor}. */
export interface TandemEditorProps {
  /** The class of the element that holds the editor (the editor fills its height). */
  className?: string
  /** The style of the element that holds the editor. */
  style?: CSSProperties
  /** The person can read and select but not type; a token that grants only `read` does the same. @default false */
  readOnly?: boolean
  /** The syntax highlighting, read when the editor is made. @default the document's `meta.language`, else Markdown */
  language?: LanguageName
  /** `light`, `dark` or `auto`, read when the editor is made. @default 'light' */
  theme?: ThemeName
}

/**
 * The collaborative editor for the provider's document: CodeMirror with everyone's carets, and undo of this
 * person's own changes, in a `<div>`.
 *
 * It binds a CodeMirror view to the provider's session (the pieces `createEditor()` is made of: `editorSetup`,
 * `collab`, `language`, `theme`, `readOnly`) instead of calling `createEditor()`, which always opens a session
 * of its own: the editor, the hooks and the provider share one document and one connection. The view is made in
 * an effect once the session exists, so a server render gives the empty `<div>` alone.
 */
export function TandemEditor(props: TandemEditorProps): ReactNode {
  const store = useContext(SessionContext)
  if (store === undefined) throw new Error('<TandemEditor> must be inside a <TandemProvider>.')
  const session = store?.session ?? null
  const parent = useRef<HTMLDivElement>(null)
  const view = useRef<{ view: EditorView; setReadOnly(value: boolean): void } | null>(null)
  const wantsReadOnly = props.readOnly === true
  const latest = useRef(props)
  latest.current = props

  useEffect(() => {
    if (!session || !parent.current) return
    const { language: name, theme: look } = latest.current
    const undoManager = new Y.UndoManager(session.text)
    const readOnlyCompartment = new Compartment()
    let wanted = latest.current.readOnly === true
    const effective = () => wanted || session.access === 'read'
    const editor = new EditorView({
      parent: parent.current,
      doc: session.text.toString(),
      extensions: [
        editorSetup(),
        collab(session, { undoManager }),
        language({ name, meta: session.meta }),
        theme(look ?? 'light'),
        readOnlyCompartment.of(readOnly(effective())),
      ],
    })
    const apply = () => editor.dispatch({ effects: readOnlyCompartment.reconfigure(readOnly(effective())) })
    session.on('access', apply)
    view.current = {
      view: editor,
      setReadOnly(value) {
        wanted = value
        apply()
      },
    }
    return () => {
      view.current = null
      session.off('access', apply)
      editor.destroy()
      undoManager.destroy()
    }
  }, [session])

  useEffect(() => {
    view.current?.setReadOnly(wantsReadOnly)
  }, [wantsReadOnly])

  return <div ref={parent} className={props.className} style={props.style} />
}
