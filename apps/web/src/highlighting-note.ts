/**
 * The status bar's note that a long document is highlighted only around the part on screen (the editor's
 * `fullParseLimit`): colours near the top of the screen may be off where a construct starts above it.
 */
import type { Extension } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { highlightingLimited } from '@tandem/editor'
import { h } from './dom.js'

/** The note, and the editor extension that shows it while the highlighting is limited. */
export function highlightingNote(): { element: HTMLElement; extension: Extension } {
  const element = h(
    'span',
    {
      class: 'highlighting-note',
      role: 'status',
      title: 'Long documents are highlighted only on screen, so that typing stays fast',
      hidden: true,
    },
    'Long document: highlighting what is on screen',
  )
  const extension = EditorView.updateListener.of((update) => {
    element.hidden = !highlightingLimited(update.state)
  })
  return { element, extension }
}
