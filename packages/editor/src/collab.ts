import { type Extension, Prec } from '@codemirror/state'
import { keymap, ViewPlugin } from '@codemirror/view'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { remoteCursors } from './remote-cursors.js'

/** What {@link collab} binds the view to; a {@link Session} has all of it. */
export interface CollabSource {
  /** The shared text the view edits. */
  text: Y.Text
  /** Presence; without it no carets are drawn or published. @default null */
  awareness?: Awareness | null
}

/** Options of {@link collab}. */
export interface CollabOptions {
  /**
   * The undo manager, if you want to hold it (for undo buttons, say), or `false` to leave undo to you.
   * @default a new Y.UndoManager over the text, destroyed with the view
   */
  undoManager?: Y.UndoManager | false
}

/**
 * Collaborative editing for a CodeMirror view: binds the view to a shared Y.Text (y-codemirror.next's `ySync`),
 * draws other people's carets and selections ({@link remoteCursors}), and gives undo/redo that only undoes this
 * person's own changes (a Y.UndoManager, on Mod-z, Mod-y and Mod-Shift-z). Leave CodeMirror's `history()` out
 * of the same view: it would undo other people's changes too.
 *
 * ```ts
 * const session = createSession({ serverUrl, docName, user })
 * new EditorView({ parent, extensions: [basicSetup, collab(session)] })
 * ```
 */
export function collab(source: CollabSource, options: CollabOptions = {}): Extension {
  if (!source || !(source.text instanceof Y.Text)) {
    throw new TypeError(
      'collab() needs a shared Y.Text as source.text: pass a session from createSession(), or { text, awareness }.',
    )
  }
  const { text } = source
  const awareness = source.awareness ?? null
  const own = options.undoManager === undefined
  const undoManager = options.undoManager ?? new Y.UndoManager(text)
  const extensions: Extension[] = [
    // Presence is drawn by remoteCursors(), so y-codemirror.next gets no awareness here.
    yCollab(text, null, { undoManager }),
  ]
  if (undoManager) extensions.push(Prec.high(keymap.of(yUndoManagerKeymap)))
  if (own && undoManager) {
    extensions.push(ViewPlugin.define(() => ({ destroy: () => undoManager.destroy() })))
  }
  if (awareness) extensions.push(remoteCursors({ text, awareness }))
  return extensions
}
