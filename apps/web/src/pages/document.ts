/**
 * The document page (`/d/<name>`): the editor filling the page, and around it the shared title, the people
 * here (click one to follow them), the connection pill, the shared language, the Markdown preview, "Copy link", the
 * "File" menu (import, download, print; rename, copy, move to trash), "Who wrote what", "History", the counts and
 * the theme toggle. A rename, here or by someone else, moves the page to
 * the new address; a document in the trash says so, with a button to restore it.
 */
import type { Text as DocText } from '@codemirror/state'
import { EditorView, placeholder } from '@codemirror/view'
import {
  createEditor,
  DEFAULT_LANGUAGE,
  type Editor,
  LANGUAGES,
  type LanguageName,
  resolveLanguage,
} from '@tandem/editor'
import { rememberAccepted, wasAccepted } from '../accepted-docs.js'
import { keepLinkToken, takeLinkToken, tokenHash, watchPastedLinks } from '../access-link.js'
import { authorshipToggle } from '../authorship-toggle.js'
import { brand, identityButton, themeToggle } from '../chrome.js'
import { copyText } from '../clipboard.js'
import { createConnectionPill } from '../connection-pill.js'
import { docPath } from '../doc-names.js'
import { documentActions, showTrashBanner } from '../document-actions.js'
import { documentFiles, putInPendingImport } from '../document-files.js'
import { apiBaseOf, documentsApi } from '../documents-api.js'
import { h, ICONS, icon } from '../dom.js'
import { createFollowing } from '../following.js'
import { highlightingNote } from '../highlighting-note.js'
import { historyPanel } from '../history-panel.js'
import { type Identity, loadIdentity, saveIdentity, watchIdentity } from '../identity.js'
import { openIdentityDialog } from '../identity-dialog.js'
import { LANGUAGE_INFO } from '../languages.js'
import { createPresenceBar } from '../presence-bar.js'
import { createPreviewPane } from '../preview-pane.js'
import { recentDocs, rememberDoc, renameRecent, updateRecentTitle } from '../recent.js'
import { serverUrl } from '../server-url.js'
import { openShareDialog } from '../share-dialog.js'
import type { AppTheme } from '../theme.js'
import { toast } from '../toast.js'

/** The longest title kept, in characters. */
export const MAX_TITLE_LENGTH = 200

/** Opens the document `opened` in `root`. */
export function documentPage(root: HTMLElement, opened: string, theme: AppTheme): void {
  /** The document's name now: the one opened, or where renames took it since. */
  let name = opened
  let identity = loadIdentity()
  // A token in the link (taken out of the address bar), the one this tab opened the document with, or the one
  // this browser last opened it with (see access-link.ts).
  const token = takeLinkToken(name) ?? recentDocs().find((doc) => doc.name === name)?.token ?? null
  // A link pasted over this page, a refused one included, is opened like any other.
  watchPastedLinks(() => location.reload())
  rememberDoc(name, token)

  const titleInput = h('input', {
    class: 'title-input',
    type: 'text',
    'aria-label': 'Document title',
    placeholder: 'Untitled',
    maxlength: MAX_TITLE_LENGTH,
    spellcheck: 'false',
    autocomplete: 'off',
  })
  const editorHost = h('main', { class: 'editor-host' })
  const setBusy = (busy: boolean) => editorHost.setAttribute('aria-busy', String(busy))
  const banner = h('div', { class: 'banner', role: 'alert', hidden: true })
  const languageSelect = h(
    'select',
    { id: 'language', class: 'select' },
    ...(Object.keys(LANGUAGE_INFO) as LanguageName[])
      .filter((language) => LANGUAGES.includes(language))
      .map((language) => h('option', { value: language }, LANGUAGE_INFO[language].label)),
  )
  const counts = h('span', { class: 'counts', 'aria-live': 'off' })
  const readOnlyBadge = h(
    'span',
    { class: 'badge', title: 'The link gives read access only', hidden: true },
    'Read only',
  )

  const useOfflineCopy = typeof indexedDB !== 'undefined'
  const syncUrl = serverUrl(location, import.meta.env.VITE_TANDEM_SERVER)
  // Nothing is typed before the server accepts this browser for writing (see accepted-docs.ts): until it
  // answers, the editor is read-only and busy; a refusal keeps it read-only, with the reason shown.
  const acceptedBefore = wasAccepted(syncUrl, name)
  const api = documentsApi(apiBaseOf(syncUrl), token)
  const authorship = authorshipToggle()
  const highlighting = highlightingNote()
  const editor: Editor = createEditor({
    parent: editorHost,
    serverUrl: syncUrl,
    docName: name,
    user: identity,
    theme: theme.scheme,
    offline: useOfflineCopy,
    readOnly: !acceptedBefore,
    ...(token ? { token } : {}),
    authorship: authorship.options,
    extensions: [
      EditorView.contentAttributes.of({ 'aria-label': 'Document text' }),
      placeholder('Start typing. Everyone with the link can edit along with you.'),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) scheduleCounts()
      }),
      highlighting.extension,
    ],
  })
  authorship.attach(editor)
  editor.loaded.catch(() => toast('This browser could not keep an offline copy of the document.', 'error'))

  const pill = createConnectionPill(editor, { keptLocally: useOfflineCopy })

  const changeIdentity = () =>
    openIdentityDialog(identity, (next) => {
      saveIdentity(next)
      setIdentity(next)
    })
  const me = identityButton(identity, changeIdentity)
  const setIdentity = (next: Identity) => {
    identity = next
    editor.setUser(next)
    me.update(next)
  }
  const stopWatchingIdentity = watchIdentity(setIdentity)

  const presence = createPresenceBar({
    onPeer: (peer) => following.toggle(peer),
    onSelf: changeIdentity,
  })
  const following = createFollowing(editor, presence)
  const previewPane = createPreviewPane(editor, editorHost)
  presence.update(editor.peers)
  editor.on('peers', (peers) => presence.update(peers))

  const copyButton = h(
    'button',
    {
      type: 'button',
      class: 'button',
      title: 'Copy the link to this document',
      onclick: async () => {
        // With the token, if any: the link gives whoever opens it the access it gave this person.
        const shared = new URL(docPath(name) + tokenHash(token), location.href).href
        const copied = await copyText(shared)
        const who = editor.access === 'read' ? 'Anyone with it can read.' : 'Anyone with it can edit.'
        toast(copied ? `Link copied. ${who}` : 'Could not copy the link; copy it from the address bar.')
      },
    },
    icon(ICONS.link),
    h('span', { class: 'button-text' }, 'Copy link'),
  )
  // With a token that may write, links for others are made by the server, for this document only, rather than
  // handing on this person's own token (which may cover more documents).
  const shareButton = h(
    'button',
    {
      type: 'button',
      class: 'button',
      title: 'Make a view-only or an edit link to this document',
      hidden: true,
      onclick: () => token && openShareDialog({ name, token, apiBase: apiBaseOf(syncUrl) }),
    },
    icon(ICONS.link),
    h('span', { class: 'button-text' }, 'Share'),
  )
  const docNameLabel = h('span', { class: 'doc-name', title: 'The name of this document' }, name)
  /**
   * The document now has the name `to` (renamed here or elsewhere, told by the server or by the rename's answer,
   * whichever comes first): the address, the footer and the recent list follow, and the person is told once.
   */
  const followRename = (to: string) => {
    if (to === name) return
    renameRecent(name, to)
    keepLinkToken(to, token)
    name = to
    history.replaceState(history.state, '', docPath(to) + location.hash)
    docNameLabel.textContent = to
    toast(`This document was renamed to “${to}”. Its old links still lead here.`)
  }
  // What the File menu's parts read of the page, each time they need it.
  const page = { editor, token, name: () => name, title: () => currentTitle(editor) }
  const actions = { ...page, api, onRenamed: followRename }
  const files = documentFiles({
    ...page,
    language: () => currentLanguage(editor),
    moreItems: documentActions(actions),
  })
  const versionHistory = historyPanel({ editor, serverUrl: syncUrl, name: () => name, token })

  root.replaceChildren(
    h(
      'div',
      { class: 'doc-page' },
      h(
        'header',
        { class: 'topbar' },
        brand(),
        h('div', { class: 'title-wrap' }, titleInput),
        readOnlyBadge,
        pill.element,
        h('div', { class: 'topbar-end' }, following.element, presence.element),
      ),
      h(
        'div',
        { class: 'toolbar', role: 'toolbar', 'aria-label': 'Document' },
        h('label', { class: 'select-label', for: 'language' }, 'Language'),
        languageSelect,
        previewPane.toggle,
        copyButton,
        shareButton,
        files.menu,
        authorship.button,
        versionHistory.button,
        h('span', { class: 'toolbar-gap' }),
        me.element,
        themeToggle(theme),
      ),
      authorship.legend,
      banner,
      h('div', { class: 'doc-body' }, previewPane.body, versionHistory.element),
      h('footer', { class: 'statusbar' }, counts, highlighting.element, docNameLabel),
      files.printView,
    ),
  )

  // Title: everyone's, in the document's meta map. While the person types in it, their own text wins on
  // screen; what others set shows once they leave the field.
  const renderTitle = () => {
    const title = currentTitle(editor)
    if (document.activeElement !== titleInput && titleInput.value !== title) titleInput.value = title
    document.title = title ? `${title} · Tandem` : 'Untitled · Tandem'
    updateRecentTitle(name, title)
  }
  titleInput.addEventListener('input', () => {
    editor.meta.set('title', titleInput.value.slice(0, MAX_TITLE_LENGTH))
  })
  titleInput.addEventListener('blur', renderTitle)
  titleInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === 'Escape') {
      event.preventDefault()
      editor.view.focus()
    }
  })

  // Language: everyone's too; the editor follows meta.language by itself.
  const renderLanguage = () => {
    languageSelect.value = currentLanguage(editor)
    previewPane.setLanguage(currentLanguage(editor))
  }
  languageSelect.addEventListener('change', () => {
    editor.meta.set('language', languageSelect.value)
  })

  editor.meta.observe((event) => {
    if (event.keysChanged.has('title')) renderTitle()
    if (event.keysChanged.has('language')) renderLanguage()
  })
  renderTitle()
  renderLanguage()

  // A read-only token (or no answer from the server yet): the editor stops typing; the title and language follow.
  const renderAccess = () => {
    const readOnly = editor.readOnly
    titleInput.readOnly = readOnly
    languageSelect.disabled = readOnly
    readOnlyBadge.hidden = editor.access !== 'read'
    const canShare = token !== null && editor.access === 'write'
    shareButton.hidden = !canShare
    copyButton.hidden = canShare
  }
  editor.on('access', renderAccess)
  setBusy(!acceptedBefore)
  renderAccess()
  editor.on('synced', () => {
    setBusy(false)
    banner.hidden = true
    if (editor.access === 'read') return
    rememberAccepted(syncUrl, name, true)
    editor.setReadOnly(false)
    renderAccess()
  })

  // Also when the page was opened by an old name: the server tells the editor the new one at once.
  editor.on('moved', followRename)

  editor.on('error', (error) => {
    if (error.fatal) {
      rememberAccepted(syncUrl, name, false)
      editor.setReadOnly(true)
      renderAccess()
    }
    if (error.fatal || error.reason === 'rate-limited') setBusy(false)
    if (error.reason === 'deleted') {
      void showTrashBanner(banner, actions)
      return
    }
    banner.textContent =
      error.reason === 'unauthorized'
        ? 'This server only opens documents through links with an access token (…#token=…). Ask for such a link.'
        : error.reason === 'revoked'
          ? 'This link was revoked. Ask for a new one.'
          : error.reason === 'forbidden'
            ? "This link's access token does not cover this document, or has expired. Ask for a new link."
            : error.message
    banner.hidden = false
  })

  theme.onChange((scheme) => editor.setTheme(scheme))

  // Counts, at most a few times a second: counting words in a long text is not free.
  let countTimer: ReturnType<typeof setTimeout> | undefined
  function scheduleCounts() {
    if (countTimer !== undefined) return
    countTimer = setTimeout(() => {
      countTimer = undefined
      renderCounts()
    }, 150)
  }
  const renderCounts = () => {
    const doc = editor.view.state.doc
    counts.textContent = `${plural(doc.lines, 'line')} · ${plural(countDocWords(doc), 'word')}`
  }
  renderCounts()

  // Leaving: tell the others at once (rather than when the server notices the closed socket). A page restored
  // from the back/forward cache starts again, since its editor is gone.
  window.addEventListener('pagehide', () => {
    stopWatchingIdentity()
    pill.destroy()
    editor.destroy()
  })
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload()
  })
  // Edits the server has not acknowledged storing: the browser asks before the tab closes or goes elsewhere.
  window.addEventListener('beforeunload', (event) => {
    if (editor.saved) return
    event.preventDefault()
    // Older browsers ask only when returnValue is set.
    event.returnValue = ''
  })

  putInPendingImport(editor, name, MAX_TITLE_LENGTH)
  editor.view.focus()
}

function currentTitle(editor: Editor): string {
  const title = editor.meta.get('title')
  return typeof title === 'string' ? title.slice(0, MAX_TITLE_LENGTH) : ''
}

function currentLanguage(editor: Editor): LanguageName {
  return resolveLanguage(editor.meta.get('language')) ?? DEFAULT_LANGUAGE
}

/**
 * The words of every part of a document already counted. A CodeMirror document is a tree of immutable parts that
 * an edit shares with the document before it, all but the parts on the path to the change; and its leaves end at
 * line ends, which no word crosses. So after an edit only that path is counted again: a few lines, not a long
 * document's megabytes every time someone types.
 */
const partWords = new WeakMap<DocText, number>()

/** The words of `doc`, as {@link countWords} counts them line by line, counting again only what changed. */
export function countDocWords(doc: DocText): number {
  let words = partWords.get(doc)
  if (words === undefined) {
    words = doc.children
      ? doc.children.reduce((sum, part) => sum + countDocWords(part), 0)
      : countWords(doc.sliceString(0))
    partWords.set(doc, words)
  }
  return words
}

const wordSegmenter =
  typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'word' }) : null

/** Words as a person counts them: in any script (through Intl.Segmenter), punctuation not counted. */
export function countWords(text: string): number {
  if (wordSegmenter && text.length <= 200_000) {
    let words = 0
    for (const segment of wordSegmenter.segment(text)) if (segment.isWordLike) words++
    return words
  }
  return text.match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu)?.length ?? 0
}

const pluralRules = new Intl.PluralRules('en')

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en')} ${pluralRules.select(count) === 'one' ? word : `${word}s`}`
}
