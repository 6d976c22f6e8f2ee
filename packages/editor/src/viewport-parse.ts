/**
 * Parsing only around the visible part of a long document. A language's parser re-reads the whole block a
 * change is in, and some blocks grow with the document: 26,000 log lines without a blank line are one Markdown
 * paragraph of 2 MiB, re-parsed on every keystroke on both sides (296 ms a keystroke, and much more where the
 * text has brackets, which the inline parser re-scans). Past a length, the parser here reads only CodeMirror's
 * viewport (the text on screen plus the margin CodeMirror draws around it), however the document is laid out,
 * and asks CodeMirror to parse again when the person scrolls past it. Highlighting is then right on screen, give
 * or take a construct that starts above the viewport.
 */

import { Language, LanguageSupport, language as languageFacet, ParseContext } from '@codemirror/language'
import { type EditorState, Facet } from '@codemirror/state'
import { type Input, Parser, type PartialParse, Tree, type TreeFragment } from '@lezer/common'

/**
 * The length, in characters, above which a document is parsed only around its visible part, by default. The
 * slowest text found, a Markdown paragraph with brackets on every line, parsed at about 1 ms per KB (2-core
 * server, Node 20; plain log lines at a quarter of that): 50,000 characters keep a keystroke near 50 ms.
 */
export const DEFAULT_FULL_PARSE_LIMIT = 50_000

/** The most text one parse reads, should the viewport be huge (one very long wrapped line). */
const MAX_WINDOW = 64_000

/** Documents longer than this many characters are parsed only around the visible part (the smallest given). */
export const parseLimit = Facet.define<number, number>({
  combine: (values) => (values.length > 0 ? Math.min(...values) : DEFAULT_FULL_PARSE_LIMIT),
})

/**
 * Whether the syntax highlighting of `state` covers only the visible part of the document: it has a language
 * and is longer than its {@link parseLimit}.
 */
export function highlightingLimited(state: EditorState): boolean {
  return state.facet(languageFacet) !== null && state.doc.length > state.facet(parseLimit)
}

const limited = new WeakMap<Language, Language>()

/** `support` with a parser that reads only the visible part of a document past its {@link parseLimit}. */
export function parseVisiblePart(support: LanguageSupport): LanguageSupport {
  let language = limited.get(support.language)
  if (!language) {
    const { data, parser, name } = support.language
    language = new Language(data, new ViewportParser(parser), [], name)
    limited.set(support.language, language)
  }
  return new LanguageSupport(language, support.support)
}

class ViewportParser extends Parser {
  constructor(private readonly inner: Parser) {
    super()
  }

  override createParse(
    input: Input,
    fragments: readonly TreeFragment[],
    ranges: readonly { from: number; to: number }[],
  ): PartialParse {
    const context = ParseContext.get()
    const whole = ranges.length === 1 && ranges[0]?.from === 0 && ranges[0].to === input.length
    if (!context || !whole || input.length <= context.state.facet(parseLimit)) {
      return this.inner.startParse(input, fragments, ranges)
    }
    const { from, to } = visibleWindow(context)
    if (from > 0) skipOnce(context, 0, from)
    if (to < input.length) skipOnce(context, to, input.length)
    // No fragments: the window is small, and reusing nodes parsed in another window would misplace them.
    return new PlacedParse(this.inner.startParse(input, [], [{ from, to }]), from, input.length)
  }
}

/**
 * The text to parse: CodeMirror's viewport, from a line start, at most {@link MAX_WINDOW} long. The viewport
 * already reaches past the screen (500 to 1,000 pixels), and every character parsed is paid for again on every
 * keystroke, the person's and everyone else's: a further margin of 4,000 characters either side (an earlier
 * version) made the window about 14,000 characters instead of 6,000 in the benchmark's 480-pixel editor, and
 * cost 0.3 to 0.5 ms of script a keystroke on each side (Chromium's main-thread counters, 2-core machine).
 * Scrolling past the viewport parses again, in idle time.
 */
function visibleWindow(context: ParseContext): { from: number; to: number } {
  const doc = context.state.doc
  const from = doc.lineAt(context.viewport.from).from
  const to = Math.min(doc.length, context.viewport.to, from + MAX_WINDOW)
  return { from, to }
}

/**
 * Registers a skipped range unless one already covers it. The context carries its skipped ranges over every
 * change (mapped), and each keystroke's parse would otherwise add two more. `skipped` is internal to
 * @codemirror/language; without it every range is registered, which is correct, only slower over time.
 */
function skipOnce(context: ParseContext, from: number, to: number): void {
  const skipped = (context as unknown as { skipped?: readonly { from: number; to: number }[] }).skipped
  if (skipped?.some((range) => range.from <= from && range.to >= to)) return
  context.skipUntilInView(from, to)
}

/**
 * The inner parse of one window, whose tree covers the window only, placed in a tree as long as the document
 * (as CodeMirror expects of a language's tree), with the same top node type so language data still resolves.
 */
class PlacedParse implements PartialParse {
  stoppedAt: number | null = null

  constructor(
    private readonly inner: PartialParse,
    private readonly offset: number,
    private readonly length: number,
  ) {}

  get parsedPos(): number {
    return this.inner.parsedPos
  }

  advance(): Tree | null {
    const tree = this.inner.advance()
    if (!tree) return null
    return new Tree(tree.type, [tree], [this.offset], this.length)
  }

  // The window ends the parse already; CodeMirror's wish to stop earlier saves nothing worth a second parse.
  stopAt(): void {}
}
