/**
 * Presence in the view: publishes the local selection as the awareness `cursor` field, and draws everyone
 * else's caret and selection, with their name at the end of the line their caret is on.
 *
 * The names go at the end of the line, after its text, rather than over the line above the caret: there they
 * never hide a word, and people on one line share one label instead of piling theirs up. A name shows while its
 * owner types or moves and fades three seconds after they stop; hovering a caret shows its name over it.
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

/** The text and awareness a view with {@link remoteCursors} draws from, or `null` without it. */
export function cursorsConfigOf(view: EditorView): RemoteCursorsConfig | null {
  return view.state.facet(config)
}

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
  ) {
    super()
  }

  override eq(other: CaretWidget): boolean {
    return other.clientId === this.clientId && other.name === this.name && other.color === this.color
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

/** One person in a line's label: who, in which colours, and how many times they were active so far. */
interface LabelledPerson {
  readonly clientId: number
  readonly name: string
  readonly color: string
  readonly textColor: string
  readonly activity: number
}

/**
 * The names of the people whose carets are on a line, after the line's text. A name is drawn from a `data-name`
 * attribute by CSS, so it is never part of the line's text (copying, printing and reading the text leave it
 * out) and reaches the page as text only.
 */
class LineLabelWidget extends WidgetType {
  constructor(readonly people: readonly LabelledPerson[]) {
    super()
  }

  override eq(other: LineLabelWidget): boolean {
    return (
      other.people.length === this.people.length &&
      other.people.every(
        (person, i) => samePerson(person, this.people[i]!) && person.activity === this.people[i]!.activity,
      )
    )
  }

  toDOM(): HTMLElement {
    const label = document.createElement('span')
    label.className = 'cm-tandem-line-label'
    label.setAttribute('aria-hidden', 'true')
    label.append(...this.people.map(nameChip))
    return label
  }

  /** Keeps every chip whose person is the same, and restarts the fades of the active ones: only their names show. */
  override updateDOM(dom: HTMLElement, _view: EditorView, from: this): boolean {
    const before = new Map(from.people.map((person, i) => [person.clientId, { person, chip: dom.children[i] }]))
    const chips = this.people.map((person) => {
      const kept = before.get(person.clientId)
      if (!kept?.chip || !samePerson(kept.person, person)) return nameChip(person)
      if (kept.person.activity !== person.activity) restartFade(kept.chip)
      return kept.chip
    })
    // Taking a chip out of the page and back would restart its fade too: only a changed list is put back.
    if (chips.length !== dom.children.length || chips.some((chip, i) => chip !== dom.children[i])) {
      dom.replaceChildren(...chips)
    }
    return true
  }

  override ignoreEvent(): boolean {
    return true
  }
}

function samePerson(a: LabelledPerson, b: LabelledPerson): boolean {
  return a.clientId === b.clientId && a.name === b.name && a.color === b.color && a.textColor === b.textColor
}

/** How long a name chip shows at full strength after its person's last move, in milliseconds, before it fades. */
const SHOW_MS = 2_100
/** How long the fade then takes, in milliseconds: the name is gone three seconds after the person stopped. */
const FADE_MS = 900

/** When each name chip was drawn, on its document's timeline (milliseconds); see {@link restartFade}. */
const drawnAt = new WeakMap<Element, number>()

/** The current time of the document's timeline (the time of the frame being drawn), in milliseconds. */
function timelineNow(element: Element): number {
  const time = Number(element.ownerDocument.timeline?.currentTime ?? Number.NaN)
  return Number.isFinite(time) ? time : performance.now()
}

/**
 * Starts a chip's fade over, now: its animation's delay becomes {@link SHOW_MS} plus the time since the chip was
 * drawn, so that it runs as if it had started now. The chip and its animation stay: a style change on one element
 * on every keystroke of its person, where drawing the chip anew cost new elements and their styles. Two restarts
 * before a frame set the same delay (switching between two animation names instead would cancel out).
 */
function restartFade(chip: Element): void {
  const drawn = drawnAt.get(chip)
  if (drawn === undefined || !(chip instanceof HTMLElement)) return
  chip.style.animationDelay = `${SHOW_MS + Math.max(0, timelineNow(chip) - drawn)}ms`
}

function nameChip(person: LabelledPerson): HTMLElement {
  const chip = document.createElement('span')
  chip.className = 'cm-tandem-line-name'
  chip.dataset.clientId = String(person.clientId)
  chip.dataset.name = person.name
  chip.style.backgroundColor = person.color
  chip.style.color = person.textColor
  drawnAt.set(chip, timelineNow(chip))
  return chip
}

class RemoteCursorsPlugin implements PluginValue {
  decorations: DecorationSet = Decoration.none
  private readonly conf: RemoteCursorsConfig
  /**
   * For each remote client: its last cursor (as JSON) and a counter bumped whenever it was active, that is moved
   * its cursor or wrote (deleting alone leaves a cursor where it was, and shows nothing).
   */
  private readonly activity = new Map<number, { key: string; count: number }>()

  constructor(private readonly view: EditorView) {
    this.conf = view.state.facet(config)!
    this.conf.awareness.on('change', this.onChange)
    this.conf.text.doc?.on('beforeObserverCalls', this.onTransaction)
  }

  destroy(): void {
    this.conf.awareness.off('change', this.onChange)
    this.conf.text.doc?.off('beforeObserverCalls', this.onTransaction)
  }

  /**
   * A remote client that wrote is active, though its cursor, anchored to the text after it, did not change. Counted
   * before the text's observers run, since one of them puts the change into the view, and its update draws: counted
   * after, a keystroke's activity waited for the next update, and a person's last keystroke showed nothing.
   */
  private readonly onTransaction = (transaction: Y.Transaction): void => {
    if (transaction.local) return
    for (const [clientId, clock] of transaction.afterState) {
      if (clock === transaction.beforeState.get(clientId)) continue
      const entry = this.activity.get(clientId)
      if (entry) entry.count++
    }
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
    const byLine = new Map<number, { at: number; people: (LabelledPerson & { pos: number })[] }>()
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
      if (from < to) addSelection(view, decorations, from, to, toRgba(color, dark ? 0.35 : 0.25))
      const caretAt = Math.min(head.index, length)
      const person = {
        clientId,
        name: sanitizeName(user?.name),
        color: toHex(color),
        textColor: textColorOn(color),
        activity: this.active(clientId, cursor),
      }
      decorations.push(
        Decoration.widget({
          // Outside the selection, so that it does not sit between the selection and the local cursor.
          side: head.index > anchor.index ? -1 : 1,
          widget: new CaretWidget(clientId, person.name, person.color, person.textColor),
        }).range(caretAt),
      )
      const line = view.state.doc.lineAt(caretAt)
      const onLine = byLine.get(line.number) ?? { at: line.to, people: [] }
      byLine.set(line.number, onLine)
      onLine.people.push({ ...person, pos: caretAt })
    }
    for (const { at, people } of byLine.values()) {
      people.sort((a, b) => a.pos - b.pos || a.clientId - b.clientId)
      // After the carets at the line's end, so that the name never sits between a caret and its text.
      decorations.push(Decoration.widget({ side: 10, widget: new LineLabelWidget(people) }).range(at))
    }
    for (const clientId of this.activity.keys()) if (!seen.has(clientId)) this.activity.delete(clientId)
    return Decoration.set(decorations, true)
  }

  /** The activity counter of `clientId`, bumped first if its cursor changed since the last drawing. */
  private active(clientId: number, cursor: CursorState): number {
    const key = JSON.stringify(cursor)
    const entry = this.activity.get(clientId)
    if (!entry) {
      this.activity.set(clientId, { key, count: 0 })
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
    // Over the line above, so only while the caret is hovered: the line's label shows the name otherwise.
    opacity: '0',
  },
  '.cm-tandem-caret:hover > .cm-tandem-caret-label': { opacity: '1' },
  '.cm-tandem-line-label': {
    display: 'inline-flex',
    gap: '4px',
    marginLeft: '8px',
    verticalAlign: 'baseline',
    userSelect: 'none',
    pointerEvents: 'none',
  },
  '.cm-tandem-line-name': {
    padding: '0 5px',
    borderRadius: '3px',
    font: '600 11px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif',
    whiteSpace: 'nowrap',
    // Shown while the person types or moves, faded three seconds after they stop. The full-strength part is the
    // animation's delay, not keyframes that hold the opacity at 1: an animation in its delay needs no frames, where
    // one that holds a value is run on every frame (on the reader's side, all the time a person types).
    animation: `cm-tandem-label ${FADE_MS}ms ease-in ${SHOW_MS}ms forwards`,
  },
  '.cm-tandem-line-name::after': { content: 'attr(data-name)' },
  '@keyframes cm-tandem-label': { from: { opacity: '1' }, to: { opacity: '0' } },
  '.cm-tandem-line-selection': { padding: '0' },
  '@media (prefers-reduced-motion: reduce)': {
    '.cm-tandem-line-name': { animationTimingFunction: 'steps(1, end)' },
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
