/**
 * Presence in the view: publishes the local selection as the awareness `cursor` field, and draws everyone
 * else's caret (with their name) and selection.
 *
 * Written for Tandem rather than taken from y-codemirror.next's `yRemoteSelections` because everything drawn
 * here comes from other people: names go in as text nodes, colours are parsed into numbers and written back
 * as `#rrggbb` (y-codemirror.next pastes the colour string into a `style` attribute), and colours are made
 * readable on the current theme. The awareness fields are the same, so both interoperate.
 */
import { type Extension, Facet, type Range } from '@codemirror/state'
import {
  Decoration,
  type DecorationSet,
  EditorView,
  type PluginValue,
  ViewPlugin,
  type ViewUpdate,
  WidgetType,
} from '@codemirror/view'
import { defaultColor, parseColor, type Rgb, sanitizeName, toHex } from '@tandem/client'
import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { readableOn, textColorOn } from './contrast.js'

/** What {@link remoteCursors} needs. */
export interface RemoteCursorsConfig {
  /** The shared text the view shows. */
  text: Y.Text
  /** The awareness that carries everyone's `user` and `cursor` fields. */
  awareness: Awareness
}

const config = Facet.define<RemoteCursorsConfig, RemoteCursorsConfig | null>({
  combine: (values) => values[values.length - 1] ?? null,
})

interface CursorState {
  anchor: unknown
  head: unknown
}

class CaretWidget extends WidgetType {
  constructor(
    readonly clientId: number,
    readonly name: string,
    readonly color: string,
    readonly textColor: string,
    /** Changes when the caret moves, so that its name shows again. */
    readonly moved: number,
  ) {
    super()
  }

  override eq(other: CaretWidget): boolean {
    return (
      other.clientId === this.clientId &&
      other.name === this.name &&
      other.color === this.color &&
      other.moved === this.moved
    )
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span')
    caret.className = 'cm-tandem-caret'
    caret.dataset.clientId = String(this.clientId)
    caret.style.borderColor = this.color
    caret.setAttribute('aria-hidden', 'true')
    const label = document.createElement('span')
    label.className = 'cm-tandem-caret-label'
    label.style.backgroundColor = this.color
    label.style.color = this.textColor
    // textContent: a name is text, whatever it looks like.
    label.textContent = this.name
    // Word joiners give the zero-width caret a line height without adding a place to put the cursor.
    caret.append('\u2060', label, '\u2060')
    return caret
  }

  override get estimatedHeight(): number {
    return -1
  }

  override ignoreEvent(): boolean {
    return true
  }
}

class RemoteCursorsPlugin implements PluginValue {
  decorations: DecorationSet = Decoration.none
  private readonly conf: RemoteCursorsConfig
  /** For each remote client: its last cursor (as JSON) and a counter bumped whenever it changed. */
  private readonly moves = new Map<number, { key: string; count: number }>()

  constructor(private readonly view: EditorView) {
    this.conf = view.state.facet(config)!
    this.conf.awareness.on('change', this.onChange)
  }

  destroy(): void {
    this.conf.awareness.off('change', this.onChange)
  }

  private readonly onChange = ({
    added,
    updated,
    removed,
  }: {
    added: number[]
    updated: number[]
    removed: number[]
  }) => {
    const local = this.conf.awareness.clientID
    if ([...added, ...updated, ...removed].some((id) => id !== local)) this.view.dispatch({})
  }

  update(update: ViewUpdate): void {
    this.publishLocalCursor(update)
    this.decorations = this.draw(update.view)
  }

  private publishLocalCursor(update: ViewUpdate): void {
    const { awareness, text } = this.conf
    const state = awareness.getLocalState()
    // Only a focused view speaks for the person: an editor in a background tab keeps its last cursor.
    if (state === null || !update.view.hasFocus || !update.view.dom.ownerDocument.hasFocus()) return
    const selection = update.state.selection.main
    const anchor = Y.createRelativePositionFromTypeIndex(text, selection.anchor)
    const head = Y.createRelativePositionFromTypeIndex(text, selection.head)
    const current = state.cursor as CursorState | null | undefined
    if (
      current &&
      Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) &&
      Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)
    ) {
      return
    }
    awareness.setLocalStateField('cursor', { anchor, head })
  }

  private draw(view: EditorView): DecorationSet {
    const { awareness, text } = this.conf
    const doc = text.doc
    if (!doc) return Decoration.none
    const dark = view.state.facet(EditorView.darkTheme)
    const decorations: Range<Decoration>[] = []
    const seen = new Set<number>()
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID) continue
      const cursor = (state as { cursor?: CursorState | null }).cursor
      if (!cursor || cursor.anchor == null || cursor.head == null) continue
      let anchor: Y.AbsolutePosition | null
      let head: Y.AbsolutePosition | null
      try {
        anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.anchor), doc)
        head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), doc)
      } catch {
        // A malformed cursor from a peer: skip that peer, draw everyone else.
        continue
      }
      if (!anchor || !head || anchor.type !== text || head.type !== text) continue
      const length = view.state.doc.length
      const from = Math.min(anchor.index, head.index, length)
      const to = Math.min(Math.max(anchor.index, head.index), length)
      const user = (state as { user?: { name?: unknown; color?: unknown } }).user
      const base: Rgb = parseColor(user?.color) ?? parseColor(defaultColor(clientId))!
      const color = readableOn(base, dark ? 'dark' : 'light')
      seen.add(clientId)
      const move = this.moved(clientId, cursor)
      if (from < to) addSelection(view, decorations, from, to, toRgba(color, dark ? 0.35 : 0.25))
      const caretAt = Math.min(head.index, length)
      decorations.push(
        Decoration.widget({
          // Outside the selection, so that it does not sit between the selection and the local cursor.
          side: head.index > anchor.index ? -1 : 1,
          widget: new CaretWidget(clientId, sanitizeName(user?.name), toHex(color), textColorOn(color), move),
        }).range(caretAt),
      )
    }
    for (const clientId of this.moves.keys()) if (!seen.has(clientId)) this.moves.delete(clientId)
    return Decoration.set(decorations, true)
  }

  private moved(clientId: number, cursor: CursorState): number {
    const key = JSON.stringify(cursor)
    const entry = this.moves.get(clientId)
    if (!entry) {
      this.moves.set(clientId, { key, count: 0 })
      return 0
    }
    if (entry.key !== key) {
      entry.key = key
      entry.count++
    }
    return entry.count
  }
}

/** Formats RGB with an alpha as `rgba(r, g, b, a)`, for a selection's background. */
function toRgba({ r, g, b }: Rgb, alpha: number): string {
  return `rgba(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}, ${alpha})`
}

function addSelection(view: EditorView, into: Range<Decoration>[], from: number, to: number, background: string) {
  const mark = Decoration.mark({
    class: 'cm-tandem-selection',
    attributes: { style: `background-color: ${background}` },
  })
  const startLine = view.state.doc.lineAt(from)
  const endLine = view.state.doc.lineAt(to)
  if (startLine.number === endLine.number) {
    into.push(mark.range(from, to))
    return
  }
  if (from < startLine.to) into.push(mark.range(from, startLine.to))
  for (let number = startLine.number + 1; number < endLine.number; number++) {
    const line = view.state.doc.line(number)
    into.push(
      Decoration.line({
        class: 'cm-tandem-line-selection',
        attributes: { style: `background-color: ${background}` },
      }).range(line.from),
    )
  }
  if (endLine.from < to) into.push(mark.range(endLine.from, to))
}

const theme = EditorView.baseTheme({
  '.cm-tandem-caret': {
    position: 'relative',
    borderLeft: '2px solid',
    marginLeft: '-1px',
    marginRight: '-1px',
    boxSizing: 'border-box',
    display: 'inline',
  },
  '.cm-tandem-caret-label': {
    position: 'absolute',
    bottom: '100%',
    left: '-2px',
    padding: '0 4px',
    borderRadius: '3px 3px 3px 0',
    font: '600 11px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif',
    whiteSpace: 'nowrap',
    userSelect: 'none',
    pointerEvents: 'none',
    zIndex: '10',
    // Shown when the person arrives or moves, then faded out so it does not cover the text; hovering the
    // caret shows it again.
    animation: 'cm-tandem-label 3s ease-in forwards',
  },
  '.cm-tandem-caret:hover > .cm-tandem-caret-label': { animation: 'none', opacity: '1' },
  '@keyframes cm-tandem-label': { '0%, 70%': { opacity: '1' }, '100%': { opacity: '0' } },
  '.cm-tandem-line-selection': { padding: '0' },
  '@media (prefers-reduced-motion: reduce)': {
    '.cm-tandem-caret-label': { animationTimingFunction: 'steps(1, end)' },
  },
})

/**
 * Draws other people's carets (with their name) and selections in their colours, and publishes this view's
 * selection as the awareness `cursor` field. Names are shown as text and colours that are not CSS colours are
 * replaced, so nothing a peer sends can change the page. Included by {@link collab}.
 */
export function remoteCursors(options: RemoteCursorsConfig): Extension {
  return [
    config.of(options),
    ViewPlugin.fromClass(RemoteCursorsPlugin, { decorations: (plugin) => plugin.decorations }),
    theme,
  ]
}
