/**
 * How the history panel shows one version and a comparison: the version's line in the timeline (when, what
 * kind, who, how much changed) and its text with what changed since marked, each change with its author.
 */
import type { HistoryAuthor, HistoryRange, HistoryVersion } from '@tandem/editor'
import { h } from './dom.js'
import { timeAgo } from './time.js'

/** What the version is: its name, the version it restored, or an automatic one. */
export function versionKind(version: HistoryVersion): string {
  if (version.kind === 'named') return version.label ?? 'Named version'
  if (version.kind === 'restore') return `Restored version ${version.restoredFrom}`
  return 'Automatic version'
}

/**
 * An author's name as a person reads it. Without access control the server only records the name a person
 * chose, which anyone could have typed: such a name is marked, with why on hover.
 */
export function authorName(author: HistoryAuthor | null): HTMLElement {
  if (!author) return h('span', { class: 'author is-unknown' }, 'someone')
  const name = author.name?.trim() || 'someone'
  if (author.verified) return h('span', { class: 'author' }, name)
  return h(
    'span',
    { class: 'author is-unverified', title: 'The name this person chose; the server did not check it' },
    name,
  )
}

/** Names as a list in a sentence: "Ada", "Ada and Bob", "Ada, Bob and Cy". */
function authorList(authors: readonly HistoryAuthor[]): (HTMLElement | string)[] {
  return authors.flatMap((author, index) => [
    index === 0 ? '' : index === authors.length - 1 ? ' and ' : ', ',
    authorName(author),
  ])
}

/** The content of a version's button in the timeline. */
export function versionSummary(version: HistoryVersion, now: number): HTMLElement[] {
  const who = version.authors.length > 0 ? authorList(version.authors) : [version.by ? authorName(version.by) : '']
  return [
    h(
      'span',
      { class: 'version-head' },
      h('span', { class: `version-kind is-${version.kind}` }, versionKind(version)),
      h(
        'time',
        { class: 'version-time', datetime: version.at, title: new Date(version.at).toLocaleString() },
        timeAgo(Date.parse(version.at), now),
      ),
    ),
    h('span', { class: 'version-authors' }, ...who),
    h(
      'span',
      { class: 'version-size', title: `${version.inserted} characters added, ${version.deleted} deleted` },
      h('span', { class: 'version-inserted' }, `+${version.inserted}`),
      ' ',
      h('span', { class: 'version-deleted' }, `−${version.deleted}`),
    ),
  ]
}

/**
 * The text of a version (kept and deleted ranges), with the text added since (inserted ranges) shown too:
 * additions highlighted, deletions struck through, each with who made it on hover.
 */
export function diffView(ranges: readonly HistoryRange[]): HTMLElement {
  const parts = ranges.map((range) => {
    if (range.type === 'same') return range.text
    const who = range.author?.name?.trim() || 'someone'
    return range.type === 'inserted'
      ? h('ins', { title: `Added since by ${who}` }, range.text)
      : h('del', { title: `Deleted since by ${who}` }, range.text)
  })
  return h('pre', { class: 'history-text', tabindex: 0, 'aria-label': 'Text of this version' }, ...parts)
}
