/**
 * "Who wrote what": each range of the text tinted in its author's colour, their name on hover, and a legend.
 *
 * Authors are kept by Yjs id ({@link IdAuthors}), not by position. The server's answer is laid onto the ids once;
 * text written afterwards is attributed as it arrives, by the Yjs client id that wrote it: this person's own
 * typing to their presence `user`, another person's to the presence `user` of their client. That is exact at
 * once and needs no request per pause in typing (which every viewer of a busy document would make). The server
 * is asked again, after changes settle, only when something is left that only it can say: its answer did not
 * match this client's text (changes were on their way), or text arrived from a client that has no presence.
 */
import { type Extension, Facet, type Range, StateEffect } from '@codemirror/state'
import {
  Decoration,
  type DecorationSet,
  EditorView,
  type PluginValue,
  ViewPlugin,
  type ViewUpdate,
} from '@codemirror/view'
import {
  type AuthoredText,
  DEFAULT_COLORS,
  defaultColor,
  parseColor,
  type Rgb,
  sanitizeName,
  toHex,
} from '@tandem/client'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { alignAuthors, IdAuthors, pieces, type TextAuthor } from './author-ids.js'
import { readableOn } from './contrast.js'

/** One person in the legend of {@link authorship}. */
export interface AuthorColor {
  /** Their name as shown on hover. */
  readonly name: string
  /** Their colour as `#rrggbb`: their caret's when they are here, else a stable one from the palette. */
  readonly color: string
  /** Whether a token vouched for them (else the name is only what they chose). */
  readonly verified: boolean
}

/** What {@link authorship} needs. */
export interface AuthorshipConfig {
  /** The shared text the view shows. */
  text: Y.Text
  /** Presence, to attribute text written from now on and to colour people as their carets. @default null */
  awareness?: Awareness | null
  /**
   * Asks the server who wrote the current text: `documentHistory(...).authorship` (`GET
   * /api/docs/:name/authorship`). A failure leaves the text written from now on attributed, and goes to `onError`.
   */
  load: () => Promise<readonly AuthoredText[]>
  /**
   * Called with the legend whenever it changes: everyone with text in the document, in order of their first
   * text. Called while the view updates: do not dispatch to the view from it.
   */
  onAuthors?: (authors: readonly AuthorColor[]) => void
  /** Called when `load` fails. @default logs a warning */
  onError?: (error: unknown) => void
  /** How long the text must be still before the server is asked again, in ms. @default 1000 */
  settleMs?: number
}

const config = Facet.define<AuthorshipConfig, AuthorshipConfig | null>({
  combine: (values) => values[values.length - 1] ?? null,
})

/** Tells the plugin to draw again: the server answered, or someone's name or colour changed. */
const redraw = StateEffect.define<null>()

/** The longest wait before asking again after answers that did not match. */
const MAX_SETTLE_MS = 30_000

/** A run of text by one author, as drawn. */
interface Painted {
  readonly from: number
  readonly to: number
  readonly key: string
}

class AuthorshipPlugin implements PluginValue {
  decorations: DecorationSet = Decoration.none
  private readonly conf: AuthorshipConfig
  private authors = new IdAuthors()
  /** The people the server named, by name: someone known only by presence is matched to them. */
  private named = new Map<string, TextAuthor>()
  private legendKey = ''
  /** Everyone's `user` field as JSON, to redraw only when a name or colour changed (not on every cursor move). */
  private usersKey = ''
  private retry: ReturnType<typeof setTimeout> | null = null
  private wanted = false
  private misses = 0
  private loading = false
  private destroyed = false

  constructor(private readonly view: EditorView) {
    this.conf = view.state.facet(config)!
    this.conf.awareness?.on('change', this.onPresence)
    this.usersKey = this.users()
    void this.load()
    this.decorations = this.draw()
  }

  destroy(): void {
    this.destroyed = true
    if (this.retry) clearTimeout(this.retry)
    this.conf.awareness?.off('change', this.onPresence)
  }

  update(update: ViewUpdate): void {
    if (update.docChanged && this.wanted) this.askLater()
    // The shared text is updated with the view (by collab's plugin, before this one); if it lags, wait for it.
    if (this.conf.text.length !== update.state.doc.length) {
      this.decorations = this.decorations.map(update.changes)
      return
    }
    const themeChanged = update.startState.facet(EditorView.darkTheme) !== update.state.facet(EditorView.darkTheme)
    const asked = update.transactions.some((tr) => tr.effects.some((effect) => effect.is(redraw)))
    if (update.docChanged || themeChanged || asked) this.decorations = this.draw()
  }

  /**
   * Redraws when someone's name or colour changed. The local cursor, published while the view updates, changes
   * neither, so this never dispatches during an update.
   */
  private readonly onPresence = (): void => {
    const users = this.users()
    if (users === this.usersKey) return
    this.usersKey = users
    this.view.dispatch({ effects: redraw.of(null) })
  }

  private users(): string {
    const users: unknown[] = []
    for (const [clientId, state] of this.conf.awareness?.getStates() ?? []) users.push(clientId, state.user)
    return JSON.stringify(users)
  }

  private async load(): Promise<void> {
    if (this.loading) return
    this.loading = true
    this.wanted = false
    try {
      const ranges = checkRanges(await this.conf.load())
      if (this.destroyed) return
      const { authors, complete } = alignAuthors(this.conf.text, ranges, this.authors)
      this.authors = authors
      this.named = namedAuthors(ranges)
      this.misses = complete ? 0 : this.misses + 1
      if (!complete) this.askLater()
      this.view.dispatch({ effects: redraw.of(null) })
    } catch (error) {
      if (!this.destroyed) (this.conf.onError ?? warn)(error)
    } finally {
      this.loading = false
    }
  }

  /** Asks the server again once the text has been still for a while, longer after each answer that did not match. */
  private askLater(): void {
    this.wanted = true
    if (this.retry) clearTimeout(this.retry)
    const wait = Math.min((this.conf.settleMs ?? 1000) * 2 ** this.misses, MAX_SETTLE_MS)
    this.retry = setTimeout(() => {
      this.retry = null
      void this.load()
    }, wait)
  }

  private draw(): DecorationSet {
    const painted: Painted[] = []
    const people = new Map<string, TextAuthor>()
    let unknownWriter = false
    for (const piece of pieces(this.conf.text)) {
      for (let offset = 0; offset < piece.length; ) {
        const clock = piece.clock + offset
        const found = this.authors.at(piece.client, clock)
        const length = Math.min(piece.length - offset, found.end - clock)
        let author: TextAuthor | null
        if (found.known) {
          author = found.author
        } else {
          author = this.present(piece.client)
          if (author) this.authors.set(piece.client, clock, length, author)
          else unknownWriter = true
        }
        if (author) paint(painted, this.identify(author), piece.index + offset, length, people)
        offset += length
      }
    }
    if (unknownWriter && !this.wanted && !this.loading) this.askLater()
    return this.decorate(painted, people)
  }

  /** The person writing from Yjs client `client`, by their presence; `null` when they have none. */
  private present(client: number): TextAuthor | null {
    const user = (this.conf.awareness?.getStates().get(client) as { user?: { name?: unknown } } | undefined)?.user
    if (!user) return null
    return { id: null, name: sanitizeName(user.name), verified: false }
  }

  /** The server's name for someone known only by presence, when it named someone so. */
  private identify(author: TextAuthor): TextAuthor {
    return author.id === null ? (this.named.get(sanitizeName(author.name)) ?? author) : author
  }

  private decorate(painted: readonly Painted[], people: ReadonlyMap<string, TextAuthor>): DecorationSet {
    const dark = this.view.state.facet(EditorView.darkTheme)
    const looks = new Map<string, { mark: Decoration; legend: AuthorColor }>()
    for (const [key, author] of people) {
      const name = sanitizeName(author.name ?? author.id)
      const base = this.colorOf(name, key)
      const tint = authorTint(base, dark ? 'dark' : 'light')
      looks.set(key, {
        mark: Decoration.mark({
          class: 'cm-tandem-author',
          attributes: { title: name, style: `background-color: ${tint}` },
        }),
        legend: { name, color: toHex(base), verified: author.verified },
      })
    }
    this.announce([...looks.values()].map((look) => look.legend))
    const ranges: Range<Decoration>[] = painted.map(({ from, to, key }) => looks.get(key)!.mark.range(from, to))
    return Decoration.set(ranges)
  }

  /** The caret colour of a person here with that name, else a colour of the palette that stays with `key`. */
  private colorOf(name: string, key: string): Rgb {
    for (const [clientId, state] of this.conf.awareness?.getStates() ?? []) {
      const user = (state as { user?: { name?: unknown; color?: unknown } }).user
      if (user && sanitizeName(user.name) === name) return parseColor(user.color) ?? parseColor(defaultColor(clientId))!
    }
    return parseColor(DEFAULT_COLORS[hash(key) % DEFAULT_COLORS.length])!
  }

  private announce(legend: AuthorColor[]): void {
    const key = JSON.stringify(legend)
    if (key === this.legendKey) return
    this.legendKey = key
    this.conf.onAuthors?.(legend)
  }
}

/** Adds `length` characters at `from` by `author` to `painted`, joined to the run before when it is theirs. */
function paint(painted: Painted[], author: TextAuthor, from: number, length: number, people: Map<string, TextAuthor>) {
  const key = authorKey(author)
  if (!people.has(key)) people.set(key, author)
  const last = painted[painted.length - 1]
  if (last && last.key === key && last.to === from) painted[painted.length - 1] = { ...last, to: from + length }
  else painted.push({ from, to: from + length, key })
}

/**
 * Tells people apart: a verified person by their id, anyone else by the name they chose (people without a token
 * share their address's id, one for everyone behind the same router).
 */
function authorKey(author: TextAuthor): string {
  if (author.verified && author.id !== null) return `id:${author.id}`
  return author.name !== null ? `name:${sanitizeName(author.name)}` : `id:${author.id}`
}

function namedAuthors(ranges: readonly AuthoredText[]): Map<string, TextAuthor> {
  const named = new Map<string, TextAuthor>()
  for (const { author } of ranges) {
    if (author?.name != null && !named.has(sanitizeName(author.name))) named.set(sanitizeName(author.name), author)
  }
  return named
}

/** How strong a tint is on each theme: light enough that the theme's text keeps a 4.5:1 contrast on it. */
const TINT_ALPHA = { light: 0.22, dark: 0.28 } as const

/** `color` (made readable on the theme, as carets are) as a translucent background for text. @internal */
export function authorTint(color: Rgb, scheme: 'light' | 'dark'): string {
  const { r, g, b } = readableOn(color, scheme)
  return `rgba(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}, ${TINT_ALPHA[scheme]})`
}

/** A small string hash (FNV-1a), for a colour that stays with a person across sessions and browsers. */
function hash(value: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** Checks the server's answer, so that a wrong one is reported as such rather than drawn wrongly. */
function checkRanges(value: unknown): readonly AuthoredText[] {
  const valid =
    Array.isArray(value) &&
    value.every(
      (range) =>
        typeof range?.text === 'string' &&
        (range.author === null ||
          (typeof range.author === 'object' &&
            (typeof range.author.id === 'string' || range.author.id === null) &&
            (typeof range.author.name === 'string' || range.author.name === null) &&
            typeof range.author.verified === 'boolean')),
    )
  if (!valid) throw new TypeError('authorship load() must resolve to an array of { text, author } ranges.')
  return value as readonly AuthoredText[]
}

function warn(error: unknown): void {
  console.warn('Tandem could not load who wrote what:', error)
}

/**
 * Shows who wrote what: each range of the text with a light background in its author's colour (their caret's
 * colour when they are here), their name on hover, and the legend through `onAuthors`. Turn it on and off with a
 * `Compartment`, or use `setAuthorship()` on an editor from `createEditor()`.
 */
export function authorship(options: AuthorshipConfig): Extension {
  if (!options || typeof options.load !== 'function') {
    throw new TypeError('authorship() needs a load() function that asks the server who wrote the current text.')
  }
  return [config.of(options), ViewPlugin.fromClass(AuthorshipPlugin, { decorations: (plugin) => plugin.decorations })]
}
