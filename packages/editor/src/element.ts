/**
 * `<tandem-editor>`: the editor as a custom element, for pages without a bundler.
 *
 * ```html
 * <script type="module" src="https://your-server/tandem-editor.js"></script>
 * <tandem-editor server="wss://tandem.example.com" doc="team/notes" name="Ada" color="#2f6fdd"></tandem-editor>
 * ```
 *
 * Importing this module registers the element (once; importing it twice is harmless).
 */
import type { ConnectionStatus, EditorError, LoadingProgress, Peer, TokenSource } from '@tandem/client'
import { createEditor, type Editor } from './create-editor.js'
import type { LanguageName } from './language.js'
import type { ThemeName } from './theme.js'

/** The attributes `<tandem-editor>` reads. */
const ATTRIBUTES = ['server', 'doc', 'name', 'color', 'token', 'read-only', 'language', 'theme', 'offline'] as const

/** Attributes that open a different document (or the same one differently): they restart the editor. */
const RESTARTING = new Set(['server', 'doc', 'token', 'offline'])

/** The DOM events `<tandem-editor>` dispatches (they bubble and cross shadow roots), and their `detail`. */
export interface TandemEditorEventMap {
  'tandem-status': CustomEvent<{ status: ConnectionStatus }>
  'tandem-synced': CustomEvent<null>
  /** A big document arrives in pieces: bytes of it received so far and in all, after each piece; then `null`. */
  'tandem-loading': CustomEvent<LoadingProgress | null>
  'tandem-saved': CustomEvent<null>
  'tandem-unsaved': CustomEvent<null>
  'tandem-peers': CustomEvent<{ peers: Peer[] }>
  'tandem-error': CustomEvent<EditorError>
  /** The document was renamed while open; the element goes on syncing it under `to`. */
  'tandem-moved': CustomEvent<{ to: string; from: string }>
}

// Loading this module where there is no DOM (server-side rendering) must not throw.
const Base = (typeof HTMLElement === 'undefined' ? class {} : HTMLElement) as typeof HTMLElement

const STYLE = `
:host { display: block; position: relative; border: 1px solid #d0d7de; border-radius: 6px; overflow: hidden; }
:host([theme="dark"]) { border-color: #30363d; }
.container { height: 100%; }
.problem { margin: 0; padding: 12px; font: 14px system-ui, sans-serif; color: #cf222e; }
`

/**
 * The `<tandem-editor>` element. Attributes: `server` and `doc` (required), `name`, `color`, `token`,
 * `read-only`, `language`, `theme` (`light`, `dark`, `auto`) and `offline`, each as in {@link createEditor}.
 * The `token` property also takes a function that returns a fresh token. Give the element a height with CSS
 * to make it scroll; without one it grows with its text.
 */
export class TandemEditorElement extends Base {
  static readonly observedAttributes: readonly string[] = ATTRIBUTES

  private current: Editor | null = null
  private tokenSource: TokenSource | undefined
  private scheduled = false
  private readonly container: HTMLDivElement

  constructor() {
    super()
    const root = this.attachShadow({ mode: 'open' })
    const style = document.createElement('style')
    style.textContent = STYLE
    this.container = document.createElement('div')
    this.container.className = 'container'
    this.container.part.add('editor')
    root.append(style, this.container)
    // A token set as a property before this module loaded sits on the instance and hides the accessor.
    if (Object.hasOwn(this, 'token')) {
      const early = (this as { token?: TokenSource }).token
      delete (this as { token?: TokenSource }).token
      this.tokenSource = early
    }
  }

  /** The editor inside, once `server` and `doc` are set and the element is in the page; else `null`. */
  get editor(): Editor | null {
    return this.current
  }

  /** The token: a string, or a function that returns a fresh one before each connection attempt. */
  get token(): TokenSource | undefined {
    return this.tokenSource ?? this.getAttribute('token') ?? undefined
  }

  set token(value: TokenSource | undefined) {
    this.tokenSource = value
    this.schedule()
  }

  connectedCallback(): void {
    // Already running: the element was moved within the page (see disconnectedCallback).
    if (!this.current) this.schedule()
  }

  disconnectedCallback(): void {
    // Moving the element in the page disconnects and reconnects it in one task: keep the editor through it.
    queueMicrotask(() => {
      if (!this.isConnected) this.stop()
    })
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return
    const editor = this.current
    if (!editor || RESTARTING.has(name)) {
      this.schedule()
      return
    }
    try {
      if (name === 'name' || name === 'color') editor.setUser(this.user())
      else if (name === 'read-only') editor.setReadOnly(value !== null)
      else if (name === 'language') editor.setLanguage(value === null ? null : (value as LanguageName))
      else if (name === 'theme') editor.setTheme((value ?? 'light') as ThemeName)
    } catch (error) {
      // The editor keeps running with its previous setting; the mistake goes to the console.
      console.error(`<tandem-editor>: the ${name} attribute ${JSON.stringify(value)} was not applied.`, error)
    }
  }

  /** Starts (or restarts) the editor in a microtask, so that several attribute changes make one restart. */
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => {
      this.scheduled = false
      this.restart()
    })
  }

  private restart(): void {
    this.stop()
    const server = this.getAttribute('server')
    const doc = this.getAttribute('doc')
    if (!this.isConnected || !server || !doc) return
    try {
      const editor = createEditor({
        parent: this.container,
        serverUrl: server,
        docName: doc,
        user: this.user(),
        token: this.token,
        readOnly: this.hasAttribute('read-only'),
        language: (this.getAttribute('language') ?? undefined) as LanguageName | undefined,
        theme: (this.getAttribute('theme') ?? 'light') as ThemeName,
        offline: this.hasAttribute('offline'),
      })
      this.current = editor
      editor.on('status', (status) => this.fire('tandem-status', { status }))
      editor.on('synced', () => this.fire('tandem-synced', null))
      editor.on('loading', (progress) => this.fire('tandem-loading', progress))
      editor.on('saved', () => this.fire('tandem-saved', null))
      editor.on('unsaved', () => this.fire('tandem-unsaved', null))
      editor.on('peers', (peers) => this.fire('tandem-peers', { peers }))
      editor.on('error', (error) => this.fire('tandem-error', error))
      editor.on('moved', (to, from) => this.fire('tandem-moved', { to, from }))
    } catch (error) {
      this.problem(error)
    }
  }

  private stop(): void {
    this.current?.destroy()
    this.current = null
    this.container.replaceChildren()
  }

  private user(): { name?: string; color?: string } {
    return { name: this.getAttribute('name') ?? undefined, color: this.getAttribute('color') ?? undefined }
  }

  private fire<Name extends keyof TandemEditorEventMap>(
    name: Name,
    detail: TandemEditorEventMap[Name]['detail'],
  ): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }))
  }

  /** Shows a misconfiguration in the element itself, where the page's author looks first. */
  private problem(error: unknown): void {
    console.error('<tandem-editor>:', error)
    const message = document.createElement('p')
    message.className = 'problem'
    message.setAttribute('role', 'alert')
    message.textContent = `Tandem editor: ${error instanceof Error ? error.message : String(error)}`
    this.container.replaceChildren(message)
  }
}

/** Registers `<tandem-editor>` (or another tag name) unless something is already registered under it. */
export function defineTandemEditor(tagName = 'tandem-editor'): void {
  if (typeof customElements === 'undefined' || customElements.get(tagName)) return
  // A subclass per tag name: one class cannot be registered twice.
  customElements.define(tagName, class extends TandemEditorElement {})
}

defineTandemEditor()

declare global {
  interface HTMLElementTagNameMap {
    'tandem-editor': TandemEditorElement
  }
}
