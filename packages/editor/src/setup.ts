import { defaultKeymap, indentWithTab } from '@codemirror/commands'
import { bracketMatching, indentOnInput } from '@codemirror/language'
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search'
import { EditorState, type Extension } from '@codemirror/state'
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from '@codemirror/view'

/** Options of {@link editorSetup}. */
export interface EditorSetupOptions {
  /** Show line numbers. @default true */
  lineNumbers?: boolean
  /** Wrap long lines instead of scrolling sideways. @default true */
  lineWrapping?: boolean
}

/**
 * The everyday editing features of Tandem's editor: line numbers, active line, selection drawing, bracket
 * matching, auto-indent, search (Mod-f), Tab to indent and the default key bindings. No undo history: undo
 * comes from {@link collab}, which undoes only the person's own changes.
 */
export function editorSetup(options: EditorSetupOptions = {}): Extension {
  return [
    options.lineNumbers === false ? [] : [lineNumbers(), highlightActiveLineGutter()],
    highlightSpecialChars(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    bracketMatching(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    options.lineWrapping === false ? [] : EditorView.lineWrapping,
    keymap.of([...defaultKeymap, ...searchKeymap, indentWithTab]),
  ]
}
