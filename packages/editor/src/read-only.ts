import { EditorState, type Extension } from '@codemirror/state'
import { EditorView } from '@codemirror/view'

/**
 * Makes the view read-only for the person at the keyboard: typing, pasting and dropping do nothing, while
 * remote changes still appear. The view stays focusable, so the person can still select and copy, and their
 * cursor still shows to everyone else. (The server enforces read access separately, once it grants it.)
 */
export function readOnly(enabled = true): Extension {
  return enabled
    ? [EditorState.readOnly.of(true), EditorView.editorAttributes.of({ class: 'cm-tandem-read-only' })]
    : []
}
