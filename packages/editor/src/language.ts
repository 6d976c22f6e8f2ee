/**
 * Syntax highlighting, loaded on demand: each language's parser is a separate chunk that is only fetched when
 * a document uses it, so the base bundle carries none of them.
 */
import type { LanguageSupport } from '@codemirror/language'
import { Compartment, type Extension, StateEffect } from '@codemirror/state'
import { EditorView, type PluginValue, ViewPlugin, type ViewUpdate } from '@codemirror/view'
import type * as Y from 'yjs'
import { parseLimit, parseVisiblePart } from './viewport-parse.js'

/** The languages the editor highlights. `plain` is none. */
export type LanguageName =
  | 'markdown'
  | 'javascript'
  | 'typescript'
  | 'jsx'
  | 'tsx'
  | 'python'
  | 'json'
  | 'html'
  | 'css'
  | 'plain'

const loaders: Record<LanguageName, () => Promise<LanguageSupport | null>> = {
  markdown: () => import('./markdown.js').then((m) => m.markdown()),
  javascript: () => import('@codemirror/lang-javascript').then((m) => m.javascript()),
  typescript: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
  jsx: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ jsx: true })),
  tsx: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ jsx: true, typescript: true })),
  python: () => import('@codemirror/lang-python').then((m) => m.python()),
  json: () => import('@codemirror/lang-json').then((m) => m.json()),
  html: () => import('@codemirror/lang-html').then((m) => m.html()),
  css: () => import('@codemirror/lang-css').then((m) => m.css()),
  plain: async () => null,
}

/** Every {@link LanguageName}. */
export const LANGUAGES = Object.keys(loaders) as readonly LanguageName[]

/** The language of a document that names none. */
export const DEFAULT_LANGUAGE: LanguageName = 'markdown'

const aliases: Record<string, LanguageName> = {
  md: 'markdown',
  js: 'javascript',
  ts: 'typescript',
  py: 'python',
  text: 'plain',
}

/** The language a name stands for (a {@link LanguageName} or a short alias such as `ts`), or `null`. */
export function resolveLanguage(name: unknown): LanguageName | null {
  if (typeof name !== 'string') return null
  const lower = name.trim().toLowerCase()
  if ((LANGUAGES as readonly string[]).includes(lower)) return lower as LanguageName
  return aliases[lower] ?? null
}

function checkLanguage(name: unknown): LanguageName {
  const resolved = resolveLanguage(name)
  if (!resolved) {
    throw new TypeError(`Unknown language ${JSON.stringify(name)}; use one of ${LANGUAGES.join(', ')}.`)
  }
  return resolved
}

/** Options of {@link language}. */
export interface LanguageOptions {
  /**
   * The language, for this view only. Without it the view follows the document's `meta.language`, so that
   * everyone sees the same highlighting, and falls back to Markdown.
   * @default the document's `meta.language`, else 'markdown'
   */
  name?: LanguageName
  /** The document's metadata map (`doc.getMap('meta')`), to follow its `language`. @default none */
  meta?: Y.Map<unknown> | null
  /**
   * Documents longer than this many characters are parsed, and so highlighted, only around the part on
   * screen, so that typing stays fast however long the document is (see `highlightingLimited`). `Infinity`
   * always parses the whole document.
   * @default 50,000
   */
  fullParseLimit?: number
}

const setLanguageEffect = StateEffect.define<LanguageName | null>()

class LanguagePlugin implements PluginValue {
  private explicit: LanguageName | null
  private readonly meta: Y.Map<unknown> | null
  private loaded: LanguageName | null = null
  private loading = 0
  private destroyed = false

  constructor(
    private readonly view: EditorView,
    private readonly compartment: Compartment,
    options: LanguageOptions,
  ) {
    this.explicit = options.name ?? null
    this.meta = options.meta ?? null
    this.meta?.observe(this.onMeta)
    this.apply()
  }

  private readonly onMeta = (event: Y.YMapEvent<unknown>) => {
    if (event.keysChanged.has('language')) this.apply()
  }

  update(update: ViewUpdate): void {
    for (const tr of update.transactions) {
      for (const effect of tr.effects) {
        if (effect.is(setLanguageEffect)) {
          this.explicit = effect.value
          this.apply()
        }
      }
    }
  }

  destroy(): void {
    this.destroyed = true
    this.meta?.unobserve(this.onMeta)
  }

  /** The language the view should have now. */
  get wanted(): LanguageName {
    return this.explicit ?? resolveLanguage(this.meta?.get('language')) ?? DEFAULT_LANGUAGE
  }

  private apply(): void {
    const name = this.wanted
    if (name === this.loaded) return
    const ticket = ++this.loading
    loaders[name]().then(
      (support) => {
        // A later choice, or the view's end, wins over a slow chunk.
        if (this.destroyed || ticket !== this.loading) return
        this.loaded = name
        const attribute = EditorView.editorAttributes.of({ 'data-language': name })
        const extension = support ? parseVisiblePart(support) : []
        this.view.dispatch({ effects: this.compartment.reconfigure([extension, attribute]) })
      },
      (error: unknown) => {
        console.error(`Tandem could not load the ${name} language; the text stays unhighlighted.`, error)
      },
    )
  }
}

/**
 * Syntax highlighting that follows the document's `meta.language` (or a fixed `name`), loading each language
 * only when it is first needed. Change it later with {@link setLanguage}. The view's root element carries the
 * loaded language as `data-language`. A document past `fullParseLimit` is highlighted around the visible part
 * only.
 */
export function language(options: LanguageOptions = {}): Extension {
  if (options.name !== undefined) options = { ...options, name: checkLanguage(options.name) }
  const limit = options.fullParseLimit
  if (limit !== undefined && !(limit >= 0)) {
    throw new RangeError(`fullParseLimit must be a number of characters (0 or more), not ${JSON.stringify(limit)}.`)
  }
  const compartment = new Compartment()
  return [
    compartment.of([]),
    limit === undefined ? [] : parseLimit.of(limit),
    ViewPlugin.define((view) => new LanguagePlugin(view, compartment, options)),
  ]
}

/**
 * Switches the language of a view that has {@link language}: a {@link LanguageName}, or `null` to follow the
 * document's `meta.language` again. This view only; to change it for everyone, set `language` in the
 * document's `meta` map instead.
 */
export function setLanguage(view: EditorView, name: LanguageName | null): void {
  view.dispatch({ effects: setLanguageEffect.of(name === null ? null : checkLanguage(name)) })
}
