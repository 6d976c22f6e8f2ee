import { defaultHighlightStyle, HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { Compartment, type Extension, StateEffect } from '@codemirror/state'
import { EditorView, type PluginValue, ViewPlugin, type ViewUpdate } from '@codemirror/view'
import { tags as t } from '@lezer/highlight'
import { toHex } from '@tandem/client'
import { BACKGROUNDS } from './contrast.js'

/** The editor's look: `light`, `dark`, or `auto` to follow the system's `prefers-color-scheme`. */
export type ThemeName = 'light' | 'dark' | 'auto'

const THEMES: readonly ThemeName[] = ['light', 'dark', 'auto']

const shared = {
  '&': { height: '100%', fontSize: '14px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace' },
  '.cm-content': { padding: '8px 0' },
  '.cm-gutters': { border: 'none' },
}

const lightTheme = [
  EditorView.theme(
    {
      ...shared,
      '&': { ...shared['&'], color: '#1f2328', backgroundColor: toHex(BACKGROUNDS.light) },
      '.cm-gutters': { ...shared['.cm-gutters'], backgroundColor: '#f6f8fa', color: '#6e7781' },
      '.cm-activeLine': { backgroundColor: '#f6f8fa99' },
      '.cm-activeLineGutter': { backgroundColor: '#eaeef2' },
      '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#1f2328' },
      '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': {
        backgroundColor: '#b6d7ff',
      },
    },
    { dark: false },
  ),
  syntaxHighlighting(defaultHighlightStyle),
]

const darkHighlight = HighlightStyle.define([
  { tag: t.keyword, color: '#ff7b72' },
  { tag: [t.name, t.deleted, t.character, t.macroName], color: '#e6edf3' },
  { tag: [t.propertyName, t.attributeName], color: '#79c0ff' },
  { tag: [t.function(t.variableName), t.labelName], color: '#d2a8ff' },
  { tag: [t.color, t.constant(t.name), t.standard(t.name), t.bool, t.number, t.atom], color: '#79c0ff' },
  { tag: [t.definition(t.name), t.separator], color: '#e6edf3' },
  { tag: [t.typeName, t.className, t.namespace, t.changed, t.annotation, t.modifier, t.self], color: '#ffa657' },
  { tag: [t.operator, t.operatorKeyword, t.url, t.escape, t.regexp, t.link, t.special(t.string)], color: '#a5d6ff' },
  { tag: [t.meta, t.comment], color: '#8b949e' },
  { tag: t.strong, fontWeight: 'bold' },
  { tag: t.emphasis, fontStyle: 'italic' },
  { tag: t.strikethrough, textDecoration: 'line-through' },
  { tag: t.link, textDecoration: 'underline' },
  { tag: t.heading, fontWeight: 'bold', color: '#79c0ff' },
  { tag: [t.processingInstruction, t.string, t.inserted], color: '#a5d6ff' },
  { tag: t.invalid, color: '#ffa198' },
  { tag: t.tagName, color: '#7ee787' },
])

const darkTheme = [
  EditorView.theme(
    {
      ...shared,
      '&': { ...shared['&'], color: '#e6edf3', backgroundColor: toHex(BACKGROUNDS.dark) },
      '.cm-gutters': { ...shared['.cm-gutters'], backgroundColor: toHex(BACKGROUNDS.dark), color: '#7d8590' },
      '.cm-activeLine': { backgroundColor: '#ffffff0a' },
      '.cm-activeLineGutter': { backgroundColor: '#ffffff12' },
      '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#e6edf3' },
      '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': {
        backgroundColor: '#264f78',
      },
      '.cm-panels': { backgroundColor: '#161b22', color: '#e6edf3' },
    },
    { dark: true },
  ),
  syntaxHighlighting(darkHighlight),
]

const setThemeEffect = StateEffect.define<ThemeName>()

function checkTheme(name: unknown): ThemeName {
  if (!(THEMES as readonly unknown[]).includes(name)) {
    throw new TypeError(`Unknown theme ${JSON.stringify(name)}; use "light", "dark" or "auto".`)
  }
  return name as ThemeName
}

function systemPrefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches
}

function resolve(name: ThemeName): Extension {
  const dark = name === 'dark' || (name === 'auto' && systemPrefersDark())
  return dark ? darkTheme : lightTheme
}

class ThemePlugin implements PluginValue {
  private readonly query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null

  constructor(
    private readonly view: EditorView,
    private readonly compartment: Compartment,
    private name: ThemeName,
  ) {
    this.query?.addEventListener('change', this.onSystemChange)
  }

  update(update: ViewUpdate): void {
    for (const tr of update.transactions) {
      for (const effect of tr.effects) if (effect.is(setThemeEffect)) this.name = effect.value
    }
  }

  destroy(): void {
    this.query?.removeEventListener('change', this.onSystemChange)
  }

  private readonly onSystemChange = () => {
    if (this.name === 'auto') this.view.dispatch({ effects: this.compartment.reconfigure(resolve('auto')) })
  }
}

const compartments = new WeakMap<EditorView, Compartment>()

/**
 * Tandem's light or dark look (colours, font, syntax highlighting), or `auto` to follow the system setting
 * as it changes. Other people's carets are adjusted to stay readable on either. Change it with {@link setTheme}.
 * @default 'light'
 */
export function theme(name: ThemeName = 'light'): Extension {
  const initial = checkTheme(name)
  const compartment = new Compartment()
  return [
    compartment.of(resolve(initial)),
    ViewPlugin.define((view) => {
      compartments.set(view, compartment)
      return new ThemePlugin(view, compartment, initial)
    }),
  ]
}

/** Switches the theme of a view that has {@link theme}. */
export function setTheme(view: EditorView, name: ThemeName): void {
  const compartment = compartments.get(view)
  if (!compartment) throw new Error('This view has no theme() extension; add theme() to it before calling setTheme().')
  const checked = checkTheme(name)
  view.dispatch({ effects: [compartment.reconfigure(resolve(checked)), setThemeEffect.of(checked)] })
}
