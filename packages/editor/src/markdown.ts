/**
 * Markdown as Tandem highlights it: CommonMark (the base of lang-markdown's `markdown()` too), with its keys
 * (Enter continues a list, Backspace removes markup) and a pasted URL over a selection making a link. Unlike
 * `markdown()`, HTML inside Markdown is not parsed as HTML: that would bring the HTML, CSS and JavaScript
 * parsers (about 50 KiB compressed) into the first view of every Markdown document, Tandem's default.
 */

import { commonmarkLanguage, markdownKeymap, pasteURLAsLink } from '@codemirror/lang-markdown'
import { LanguageSupport } from '@codemirror/language'
import { Prec } from '@codemirror/state'
import { keymap } from '@codemirror/view'

/** The Markdown language support of {@link language}'s `markdown`. */
export function markdown(): LanguageSupport {
  return new LanguageSupport(commonmarkLanguage, [Prec.high(keymap.of(markdownKeymap)), pasteURLAsLink])
}
