import { Compartment, type Extension } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { type AuthoredText, createSession, documentHistory, type Session, type SessionOptions } from '@tandem/client'
import * as Y from 'yjs'
import { type AuthorshipConfig, authorship } from './authorship.js'
import { collab } from './collab.js'
import { type LanguageName, language, setLanguage } from './language.js'
import { readOnly } from './read-only.js'
import { type EditorSetupOptions, editorSetup } from './setup.js'
import { setTheme, type ThemeName, theme } from './theme.js'

/** How the view of an editor looks and behaves: the options of {@link attachEditor}. */
export interface ViewOptions {
  /** The element to put the editor in (it fills the element's height). Required. */
  parent: Element | DocumentFragment
  /**
   * The person can read, select and copy, but not type. Change it later with `setReadOnly()`. A Tandem token
   * that grants only `read` makes the editor read-only too, whatever this says.
   * @default false
   */
  readOnly?: boolean
  /**
   * The syntax highlighting, for this editor only. Without it the editor follows the document's
   * `meta.language`, and Markdown when that is not set.
   * @default the document's `meta.language`, else 'markdown'
   */
  language?: LanguageName
  /**
   * Documents longer than this many characters are highlighted only around the part on screen, so that typing
   * stays fast (see `highlightingLimited`); `Infinity` highlights the whole document however long.
   * @default 50,000
   */
  fullParseLimit?: number
  /** `light`, `dark`, or `auto` to follow the system. @default 'light' */
  theme?: ThemeName
  /**
   * The everyday editing features ({@link editorSetup}): `true`, options for them, or `false` to leave them
   * out and bring your own through `extensions`.
   * @default true
   */
  setup?: boolean | EditorSetupOptions
  /**
   * Who wrote what: whether to show it from the start (`show`), where to send the legend (`onAuthors`) and how to
   * ask the server (`load`; `createEditor` asks the document's server through `documentHistory`). Turn it on and
   * off with `setAuthorship()`.
   * @default hidden; `load` from `createEditor`, none from `attachEditor`
   */
  authorship?: AuthorshipOptions
  /** More CodeMirror extensions, added after Tandem's (so they can override its key bindings). @default [] */
  extensions?: Extension
}

/** The `authorship` option: {@link authorship}'s options, and whether to start with it shown. */
export interface AuthorshipOptions extends Partial<Omit<AuthorshipConfig, 'text' | 'awareness'>> {
  /** Show who wrote what from the start. @default false */
  show?: boolean
}

/** Options of {@link createEditor}: where to put the editor, how it looks, and which document it opens. */
export interface EditorOptions extends SessionOptions, ViewOptions {}

/** The CodeMirror view of a session, with undo of this person's own changes and read-only. */
export interface AttachedEditor {
  /** The CodeMirror view. */
  readonly view: EditorView
  /** Undo/redo of this person's own changes; `undo()`/`redo()` on it work like Mod-z/Mod-y. */
  readonly undoManager: Y.UndoManager
  /** Whether the person cannot type: the readOnly option (or setReadOnly()), or a read-only token. */
  readonly readOnly: boolean
  /** Lets the person type again, or stops them. */
  setReadOnly(readOnly: boolean): void
  /** Switches the syntax highlighting of this editor, or with `null` follows the document's `meta.language`. */
  setLanguage(name: LanguageName | null): void
  /** Switches between the light, dark and automatic look. */
  setTheme(name: ThemeName): void
  /** Whether who wrote what is shown. */
  readonly showsAuthorship: boolean
  /** Shows or hides who wrote what; showing it asks the server again. Needs the `authorship` option. */
  setAuthorship(show: boolean): void
  /** Removes the view from the page; the session stays, for whoever owns it. Safe to call twice. */
  destroy(): void
}

/** A collaborative editor on the page: a {@link Session} plus the CodeMirror view bound to it. */
export interface Editor extends Session, Omit<AttachedEditor, 'destroy'> {
  /** Leaves the document and removes the editor from the page. Safe to call twice. */
  destroy(): void
}

/**
 * Puts a collaborative editor into `parent`, connected to `docName` on `serverUrl`:
 *
 * ```ts
 * const editor = createEditor({
 *   parent: document.querySelector('#editor')!,
 *   serverUrl: 'wss://tandem.example.com',
 *   docName: 'team/notes',
 *   user: { name: 'Ada', color: '#2f6fdd' },
 * })
 * editor.on('status', (status) => console.log(status))
 * ```
 *
 * {@link createSession} for the document and connection, and {@link attachEditor} for the view on it.
 */
export function createEditor(options: EditorOptions): Editor {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createEditor() needs an options object with parent, serverUrl and docName.')
  }
  checkParent(options.parent, 'createEditor()')
  const session = createSession(options)
  let attached: AttachedEditor
  try {
    attached = attachEditor(session, {
      ...options,
      authorship: { load: serverAuthorship(options), ...options.authorship },
    })
  } catch (error) {
    session.destroy()
    throw error
  }
  // The session's members as they are (its getters read its state, not `this`), then the view's.
  const editor = Object.defineProperties(
    {} as Editor,
    Object.getOwnPropertyDescriptors(session) as PropertyDescriptorMap,
  )
  Object.defineProperties(editor, Object.getOwnPropertyDescriptors(attached) as PropertyDescriptorMap)
  editor.destroy = () => {
    if (session.destroyed) return
    attached.destroy()
    session.destroy()
  }
  return editor
}

/**
 * Puts the CodeMirror view of `session` into `parent`: the {@link editorSetup}, {@link collab},
 * {@link language}, {@link theme} and {@link readOnly} extensions, undo of this person's own changes, and
 * read-only when the options or the session's token say so. For a session owned elsewhere (several views, or a
 * React provider); `destroy()` removes the view and leaves the session open.
 */
export function attachEditor(session: Session, options: ViewOptions): AttachedEditor {
  checkParent(options.parent, 'attachEditor()')
  const setup = options.setup ?? true
  const undoManager = new Y.UndoManager(session.text)
  const readOnlyCompartment = new Compartment()
  const authorshipCompartment = new Compartment()
  let showsAuthorship = options.authorship?.show === true
  const load = options.authorship?.load
  const authorshipExtension = () =>
    showsAuthorship && load
      ? authorship({ ...options.authorship, load, text: session.text, awareness: session.awareness })
      : []
  let wantsReadOnly = options.readOnly === true
  const effectiveReadOnly = () => wantsReadOnly || session.access === 'read'
  let view: EditorView
  try {
    view = new EditorView({
      parent: options.parent,
      doc: session.text.toString(),
      extensions: [
        setup === false ? [] : editorSetup(setup === true ? {} : setup),
        collab(session, { undoManager }),
        language({ name: options.language, meta: session.meta, fullParseLimit: options.fullParseLimit }),
        theme(options.theme ?? 'light'),
        readOnlyCompartment.of(readOnly(effectiveReadOnly())),
        authorshipCompartment.of(authorshipExtension()),
        options.extensions ?? [],
      ],
    })
  } catch (error) {
    undoManager.destroy()
    throw error
  }

  const applyReadOnly = () => view.dispatch({ effects: readOnlyCompartment.reconfigure(readOnly(effectiveReadOnly())) })
  session.on('access', applyReadOnly)
  let destroyed = false
  return {
    view,
    undoManager,
    get readOnly() {
      return effectiveReadOnly()
    },
    setReadOnly(value) {
      wantsReadOnly = value === true
      applyReadOnly()
    },
    setLanguage: (name) => setLanguage(view, name),
    setTheme: (name) => setTheme(view, name),
    get showsAuthorship() {
      return showsAuthorship
    },
    setAuthorship(show) {
      if (show && !load) {
        throw new Error('setAuthorship(true) needs the authorship option with a load() that asks the server.')
      }
      showsAuthorship = show === true
      view.dispatch({ effects: authorshipCompartment.reconfigure(authorshipExtension()) })
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      session.off('access', applyReadOnly)
      view.destroy()
      undoManager.destroy()
    },
  }
}

/** Who wrote the document's current text, asked of its server with the session's token. */
function serverAuthorship(options: SessionOptions): () => Promise<AuthoredText[]> {
  const { serverUrl, docName, token } = options
  return () => documentHistory({ serverUrl, docName, ...(token === undefined ? {} : { token }) }).authorship()
}

function checkParent(parent: unknown, caller: string): void {
  if (!parent || typeof (parent as Node).appendChild !== 'function') {
    throw new TypeError(
      `${caller} needs a parent element to put the editor in, such as document.querySelector('#editor'); got ${String(parent)}.`,
    )
  }
}
