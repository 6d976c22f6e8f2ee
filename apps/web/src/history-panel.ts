/**
 * The document page's history panel: the versions newest first, a read-only preview of one with what changed
 * since, naming the current text as a version and restoring an older one (after a confirmation). A side panel
 * on wide screens, a full-width sheet on phones. The editor is left alone while a version is previewed: the
 * preview is the panel's own, so a person can compare it with the text that others go on editing.
 *
 * Keyboard: the History button or Alt+Shift+H opens it and moves focus in; the arrow keys, Home and End move
 * through the versions (each shown as it is reached); Escape closes it and returns focus to where it was.
 */
import { documentHistory, type Editor, type HistoryVersion } from '@tandem/editor'
import { h, ICONS, icon } from './dom.js'
import { diffView, versionKind, versionSummary } from './history-view.js'
import { loadIdentity } from './identity.js'
import { showModalDialog } from './modal-dialog.js'
import { toast } from './toast.js'

/** What the panel needs from the page. */
export interface HistoryPanelOptions {
  editor: Editor
  /** The sync server's URL. */
  serverUrl: string
  /** The document's name now (it changes with a rename). */
  name: () => string
  /** The page's access token, if any. */
  token: string | null
}

/** The longest version name the server takes. */
const MAX_LABEL_LENGTH = 100
/** How long after the last change the list is asked for again: edits come in bursts. */
const REFRESH_AFTER_CHANGE_MS = 2_000
/** How often an open panel asks for the list anyway: automatic versions come after a pause, with no change. */
const REFRESH_EVERY_MS = 20_000

/** The shortcut that opens and closes the panel, as `aria-keyshortcuts` spells it. */
export const HISTORY_SHORTCUT = 'Alt+Shift+H'

/** Makes the panel (closed) and the toolbar button that opens it; put both in the page. */
export function historyPanel(options: HistoryPanelOptions): { element: HTMLElement; button: HTMLButtonElement } {
  const { editor } = options
  const calls = () =>
    documentHistory({
      serverUrl: options.serverUrl,
      docName: options.name(),
      ...(options.token ? { token: options.token } : {}),
      // Who names or restores, for a server without access control (one with tokens knows it from the token).
      name: () => loadIdentity().name,
    })
  let versions: HistoryVersion[] = []
  let selected: number | null = null
  /** Where focus was before the panel opened, to return it there. */
  let returnFocus: HTMLElement | null = null
  /** Answers to requests overtaken by newer ones are dropped. */
  let listRequest = 0
  let previewRequest = 0
  let changeTimer: ReturnType<typeof setTimeout> | undefined
  let pollTimer: ReturnType<typeof setInterval> | undefined

  const closeButton = h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      'aria-label': 'Close history',
      title: 'Close (Escape)',
      onclick: () => close(),
    },
    icon(ICONS.close),
  )
  const readOnlyNote = h(
    'p',
    { class: 'history-note', hidden: true },
    'This link gives read access only: naming and restoring versions need an edit link.',
  )
  const labelInput = h('input', {
    id: 'version-label',
    type: 'text',
    class: 'text-input',
    maxlength: MAX_LABEL_LENGTH,
    placeholder: 'e.g. Sent for review',
    autocomplete: 'off',
    required: true,
  })
  const nameForm = h(
    'form',
    { class: 'history-name' },
    h('label', { class: 'field-label', for: 'version-label' }, 'Name this version'),
    h('div', { class: 'history-name-row' }, labelInput, h('button', { type: 'submit', class: 'button' }, 'Name')),
  )
  const status = h('p', { class: 'history-status', role: 'status' })
  const list = h('ol', { class: 'version-list', 'aria-label': 'Versions, newest first' })
  const previewTitle = h('h3', { id: 'history-preview-title' })
  const restoreButton = h(
    'button',
    { type: 'button', class: 'button primary', onclick: () => confirmRestore() },
    'Restore this version',
  )
  const previewBody = h('div', { class: 'history-preview-body' })
  const preview = h(
    'section',
    { class: 'history-preview', 'aria-labelledby': 'history-preview-title', hidden: true },
    h('div', { class: 'history-preview-head' }, previewTitle, restoreButton),
    h(
      'p',
      { class: 'history-legend muted' },
      'Compared with the text now: ',
      h('ins', {}, 'added since'),
      ', ',
      h('del', {}, 'deleted since'),
      '. Hover over a change to see who made it.',
    ),
    previewBody,
  )
  const element = h(
    'aside',
    { class: 'history-panel', 'aria-labelledby': 'history-title', hidden: true },
    h('header', { class: 'history-header' }, h('h2', { id: 'history-title' }, 'History'), closeButton),
    readOnlyNote,
    nameForm,
    status,
    list,
    preview,
  )
  const button = h(
    'button',
    {
      type: 'button',
      class: 'button',
      title: `Versions of this document: compare and restore (${HISTORY_SHORTCUT})`,
      'aria-expanded': 'false',
      'aria-keyshortcuts': HISTORY_SHORTCUT,
      onclick: () => (element.hidden ? open() : close()),
    },
    icon(ICONS.history),
    h('span', { class: 'button-text' }, 'History'),
  )

  function open(): void {
    if (!element.hidden) return
    returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null
    element.hidden = false
    button.setAttribute('aria-expanded', 'true')
    renderAccess()
    closeButton.focus()
    pollTimer = setInterval(() => void refresh(), REFRESH_EVERY_MS)
    void refresh().then(() => {
      // Into the timeline, unless the person has moved on already.
      if (document.activeElement === closeButton) versionButton(selected ?? versions.at(-1)?.id)?.focus()
    })
  }

  function close(): void {
    if (element.hidden) return
    element.hidden = true
    button.setAttribute('aria-expanded', 'false')
    clearInterval(pollTimer)
    clearTimeout(changeTimer)
    ;(returnFocus?.isConnected ? returnFocus : button).focus()
  }

  function renderAccess(): void {
    const readOnly = editor.access === 'read'
    readOnlyNote.hidden = !readOnly
    nameForm.hidden = readOnly
    restoreButton.hidden = readOnly
  }
  editor.on('access', renderAccess)

  /** Asks for the list (and the selected version's comparison with the text now) again. */
  async function refresh(): Promise<void> {
    const request = ++listRequest
    try {
      const answer = await calls().versions()
      if (request !== listRequest || element.hidden) return
      versions = answer
      renderList()
      if (selected !== null) await showPreview(selected)
    } catch (error) {
      if (request === listRequest) failed(error)
    }
  }

  function renderList(): void {
    const focused = list.contains(document.activeElement)
      ? Number((document.activeElement as HTMLElement).dataset.id)
      : null
    const now = Date.now()
    list.replaceChildren(
      ...versions
        .slice()
        .reverse()
        .map((version) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'version',
                'data-id': version.id,
                'aria-pressed': String(version.id === selected),
                onclick: () => select(version.id),
              },
              ...versionSummary(version, now),
            ),
          ),
        ),
    )
    status.textContent = versions.length === 0 ? 'No versions yet. One is made after a pause in editing.' : ''
    if (focused !== null) versionButton(focused)?.focus()
  }

  function versionButton(id: number | undefined): HTMLButtonElement | null {
    return id === undefined ? null : list.querySelector<HTMLButtonElement>(`.version[data-id="${id}"]`)
  }

  function select(id: number): void {
    selected = id
    for (const item of list.querySelectorAll('.version')) {
      item.setAttribute('aria-pressed', String((item as HTMLElement).dataset.id === String(id)))
    }
    void showPreview(id)
  }

  async function showPreview(id: number): Promise<void> {
    const version = versions.find((candidate) => candidate.id === id)
    if (!version) return
    const request = ++previewRequest
    previewTitle.textContent = `Version ${id}: ${versionKind(version)}`
    preview.hidden = false
    preview.setAttribute('aria-busy', 'true')
    try {
      const diff = await calls().diff(id, 'current')
      if (request !== previewRequest) return
      previewBody.replaceChildren(diffView(diff.ranges))
    } catch (error) {
      if (request === previewRequest) failed(error)
    } finally {
      if (request === previewRequest) preview.removeAttribute('aria-busy')
    }
  }

  function confirmRestore(): void {
    const version = versions.find((candidate) => candidate.id === selected)
    if (!version) return
    const cancel = h('button', { type: 'button', class: 'button', onclick: () => dialog.close() }, 'Cancel')
    const restore = h(
      'button',
      {
        type: 'button',
        class: 'button primary',
        onclick: async () => {
          restore.disabled = true
          try {
            const made = await calls().restore(version.id)
            dialog.close()
            toast(`Version ${version.id} restored. Everyone editing sees it now.`)
            selected = made.id
            await refresh()
            versionButton(made.id)?.focus()
          } catch (error) {
            restore.disabled = false
            failed(error)
          }
        },
      },
      'Restore',
    )
    const form = h(
      'form',
      { class: 'dialog-form', method: 'dialog' },
      h('h2', { id: 'restore-title' }, `Restore version ${version.id}?`),
      h(
        'p',
        {},
        'Its text replaces the text now, for everyone editing, as one change. Nothing is lost: the text now ' +
          'stays in the history, and the restore becomes a version you can undo by restoring an earlier one.',
      ),
      h('div', { class: 'dialog-actions' }, cancel, restore),
    )
    const dialog = showModalDialog(form, 'restore-title')
    dialog.addEventListener('close', () => (restoreButton.isConnected ? restoreButton.focus() : undefined))
    cancel.focus()
  }

  nameForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    const label = labelInput.value.trim()
    if (!label) {
      toast('Type a name for the version first.', 'error')
      labelInput.focus()
      return
    }
    try {
      const made = await calls().nameVersion(label)
      labelInput.value = ''
      toast(`Version “${label}” named.`)
      await refresh()
      versionButton(made.id)?.focus()
    } catch (error) {
      failed(error)
    }
  })

  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      close()
      return
    }
    const buttons = [...list.querySelectorAll<HTMLButtonElement>('.version')]
    const current = buttons.indexOf(document.activeElement as HTMLButtonElement)
    if (current < 0) return
    const moves: Record<string, number> = {
      ArrowDown: Math.min(current + 1, buttons.length - 1),
      ArrowUp: Math.max(current - 1, 0),
      Home: 0,
      End: buttons.length - 1,
    }
    const next = buttons[moves[event.key] ?? -1]
    if (!next) return
    event.preventDefault()
    next.focus()
    select(Number(next.dataset.id))
  })

  document.addEventListener('keydown', (event) => {
    if (event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyH') {
      event.preventDefault()
      if (element.hidden) open()
      else close()
    }
  })

  // New versions come with changes (a named or restored one at once, an automatic one after a pause).
  editor.text.observe(() => {
    if (element.hidden) return
    clearTimeout(changeTimer)
    changeTimer = setTimeout(() => void refresh(), REFRESH_AFTER_CHANGE_MS)
  })

  return { element, button }
}

function failed(error: unknown): void {
  toast(error instanceof Error ? error.message : String(error), 'error')
}
