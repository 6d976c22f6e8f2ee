import * as Y from 'yjs'
import { Attribution, type AuthoredRange } from './attribution.js'
import { authorKey, foldChanges } from './author-spans.js'
import { type Identity, toDocAuthor } from './awareness-ownership.js'
import type { DocAuthor } from './doc-store.js'
import type { HistoryStore, StoredVersion, VersionDraft, VersionInfo, VersionKind } from './history-store.js'
import type { CreditPart, Room } from './room.js'
import { deltaSnapshot, fullSnapshot } from './version-snapshots.js'

/** A version by id, or the document as it is now. */
export type VersionRef = number | 'current'

/** What {@link DocHistory} needs of its server. */
export interface HistoryHost {
  readonly store: HistoryStore
  /** Opens the room of a document (loading it if needed) and holds it until `release`. */
  open(name: string): Promise<Room>
  release(room: Room): void
  /** Applies `change` to the document as one ordinary change by `author`, stored before it resolves. */
  edit(name: string, author: Identity, change: (text: Y.Text, credit: CreditPart) => void): Promise<unknown>
  /** The clock versions are timed with, in epoch ms. */
  now(): number
}

/** A version was asked for that the document does not have. */
export class VersionMissing extends Error {
  override readonly name = 'VersionMissing'
  constructor(
    readonly documentName: string,
    readonly id: number,
  ) {
    super(`The document "${documentName}" has no version ${id}; list its versions for the ids it has.`)
  }
}

/**
 * The history of one document, on an open room when there is one (else loading it the way rooms do): its
 * versions, the text at each, what changed between two of them with authors, who wrote the current text, naming
 * a version and restoring one. Get one with `SyncServer.history(name)`.
 */
export class DocHistory {
  constructor(
    private readonly host: HistoryHost,
    /** The document's name. */
    readonly name: string,
  ) {}

  /** The document's versions, oldest first. */
  versions(): Promise<VersionInfo[]> {
    return this.host.store.versions(this.name)
  }

  /** One version with its snapshot; throws {@link VersionMissing} when there is none with that id. */
  async version(id: number): Promise<StoredVersion> {
    const version = await this.host.store.version(this.name, id)
    if (!version) throw new VersionMissing(this.name, id)
    return version
  }

  /** The text of the document at version `id`. */
  async textAt(id: number): Promise<string> {
    const snapshot = await this.fullSnapshotOf(id)
    return this.withRoom(async (room) => textAt(room.doc(), snapshot))
  }

  /** What changed from `from` to `to` (either a version or `'current'`): text kept, inserted and deleted, by author. */
  async diff(from: VersionRef, to: VersionRef): Promise<AuthoredRange[]> {
    const [fromSnapshot, toSnapshot] = await Promise.all([this.snapshotOf(from), this.snapshotOf(to)])
    return this.withRoom(async (room) => {
      const attribution = await this.attribution(room)
      const doc = room.doc()
      return attribution.diff(doc.getText('content'), fromSnapshot ?? Y.snapshot(doc), toSnapshot ?? Y.snapshot(doc))
    })
  }

  /** The text of version `id` as ranges, each with who wrote it. */
  async authorshipAt(id: number): Promise<AuthoredRange[]> {
    const snapshot = await this.fullSnapshotOf(id)
    return this.withRoom(async (room) =>
      (await this.attribution(room)).authorshipAt(room.doc().getText('content'), snapshot),
    )
  }

  /** The current text as ranges, each with who wrote it. */
  authorship(): Promise<AuthoredRange[]> {
    return this.withRoom(async (room) => (await this.attribution(room)).authorship(room.doc().getText('content')))
  }

  /** Stores a version of the document as it is now, named `label` by `by`. */
  async nameVersion(label: string, by: DocAuthor): Promise<StoredVersion> {
    if (typeof label !== 'string' || label.trim() === '') {
      throw new TypeError('A version needs a name: pass a non-empty label.')
    }
    return (await this.createVersion('named', { label: label.trim(), by })) as StoredVersion
  }

  /**
   * Makes version `id` the current text through one ordinary change by `by` (only the part that differs is
   * replaced, so people typing elsewhere keep their edits), then stores a `restore` version. Restoring can itself
   * be undone by restoring the version before it. The caller checks that `by` may write.
   *
   * What the restore deletes is `by`'s doing; what it puts back stays the work of whoever wrote it in version
   * `id`, and text nobody is known for there stays unattributed rather than becoming `by`'s.
   */
  async restore(id: number, by: Identity): Promise<StoredVersion> {
    const wanted = await this.authorshipAt(id)
    const text = wanted.map((range) => range.text).join('')
    await this.host.edit(this.name, by, (current, credit) =>
      replaceDifference(current, text, (start, length) => insertByAuthor(slice(wanted, start, length), start, credit)),
    )
    const about = { label: null, by: toDocAuthor(by), restoredFrom: id }
    return (await this.createVersion('restore', about)) as StoredVersion
  }

  /**
   * Stores an automatic version of the document as it is now, unless a version was stored at or after
   * `unlessCreatedSince` (by this instance or another one). Resolves to it, or `null` when none was needed.
   */
  autoVersion(unlessCreatedSince: Date): Promise<StoredVersion | null> {
    return this.createVersion('auto', { label: null, by: null }, unlessCreatedSince)
  }

  private async createVersion(
    kind: VersionKind,
    about: { label: string | null; by: DocAuthor | null; restoredFrom?: number },
    unlessCreatedSince?: Date,
  ): Promise<StoredVersion | null> {
    const previous = (await this.versions()).at(-1)
    const previousSnapshot = previous ? await this.fullSnapshotOf(previous.id) : null
    return this.withRoom(async (room) => {
      const attribution = await this.attribution(room)
      const doc = room.doc()
      const now = Y.snapshot(doc)
      const changes = attribution.diff(doc.getText('content'), previousSnapshot ?? Y.emptySnapshot, now)
      const authors = new Map<string, DocAuthor>()
      let inserted = 0
      let deleted = 0
      for (const range of changes) {
        if (range.type === 'same') continue
        if (range.type === 'inserted') inserted += range.text.length
        else deleted += range.text.length
        const key = authorKey(range.author)
        if (range.author && !authors.has(key)) authors.set(key, range.author)
      }
      const draft: VersionDraft = {
        kind,
        label: about.label,
        by: about.by,
        at: new Date(this.host.now()),
        snapshot: deltaSnapshot(now, previousSnapshot),
        authors: [...authors.values()],
        inserted,
        deleted,
        restoredFrom: about.restoredFrom ?? null,
      }
      return this.host.store.addVersion(this.name, draft, unlessCreatedSince ? { unlessCreatedSince } : {})
    })
  }

  private async snapshotOf(ref: VersionRef): Promise<Y.Snapshot | null> {
    return ref === 'current' ? null : this.fullSnapshotOf(ref)
  }

  /**
   * The whole Yjs snapshot of version `id`, from its own and every earlier version's (see version-snapshots.ts),
   * read from the store in one call.
   */
  private async fullSnapshotOf(id: number): Promise<Y.Snapshot> {
    const snapshots = await this.host.store.versionSnapshots(this.name, id)
    if (snapshots.length === 0) throw new VersionMissing(this.name, id)
    return fullSnapshot(snapshots)
  }

  /** Who inserted and deleted what, from storage once every change of the room is stored. */
  private async attribution(room: Room): Promise<Attribution> {
    await room.log.saved()
    const history = await this.host.store.loadHistory(this.name)
    return new Attribution(history ? foldChanges(history.spans, history.changes) : [])
  }

  private async withRoom<T>(task: (room: Room) => Promise<T>): Promise<T> {
    const room = await this.host.open(this.name)
    try {
      return await task(room)
    } finally {
      this.host.release(room)
    }
  }
}

/** The `content` text of `doc` at `snapshot`; `doc` must keep deleted content. */
export function textAt(doc: Y.Doc, snapshot: Y.Snapshot): string {
  let text = ''
  for (const op of doc.getText('content').toDelta(snapshot) as { insert?: unknown }[]) {
    if (typeof op.insert === 'string') text += op.insert
  }
  return text
}

/**
 * Replaces what differs between `text` and `wanted` (between their common start and end) by the wanted part.
 * `insert(start, length)` puts the `length` characters of `wanted` from `start` into the text at `start` (the
 * common start is the same in both); by default as one insertion.
 */
export function replaceDifference(
  text: Y.Text,
  wanted: string,
  insert: (start: number, length: number) => void = (start, length) =>
    text.insert(start, wanted.slice(start, start + length)),
): void {
  const current = text.toString()
  let start = 0
  const shorter = Math.min(current.length, wanted.length)
  while (start < shorter && current.charCodeAt(start) === wanted.charCodeAt(start)) start++
  let end = 0
  while (
    end < shorter - start &&
    current.charCodeAt(current.length - 1 - end) === wanted.charCodeAt(wanted.length - 1 - end)
  ) {
    end++
  }
  // Never cut between the two halves of a surrogate pair: Yjs would turn each lone half into U+FFFD.
  if (start > 0 && isLowSurrogate(current.charCodeAt(start))) start--
  if (end > 0 && isLowSurrogate(current.charCodeAt(current.length - end))) end--
  const removed = current.length - start - end
  if (removed > 0) text.delete(start, removed)
  const added = wanted.length - end - start
  if (added > 0) insert(start, added)
}

/** A stretch of text to put back, with who wrote it and where it goes (from where the restore inserts). */
interface Piece {
  readonly offset: number
  readonly text: string
  readonly author: DocAuthor | null
}

/**
 * Inserts `pieces` (in text order, laid end to end from `start`) as one credited part per author rather than one
 * per piece, so that a version where people took turns line by line makes a handful of logged changes and hook
 * calls, not one per line. Each piece goes in after the pieces before it that are already in.
 */
function insertByAuthor(pieces: readonly Piece[], start: number, credit: CreditPart): void {
  const byAuthor = new Map<string, Piece[]>()
  for (const piece of pieces) {
    const key = authorKey(piece.author)
    const group = byAuthor.get(key)
    if (group) group.push(piece)
    else byAuthor.set(key, [piece])
  }
  const placed: Piece[] = []
  for (const group of byAuthor.values()) {
    credit(group[0]?.author ?? null, (text) => {
      for (const piece of group) {
        const before = placed.reduce((sum, other) => (other.offset < piece.offset ? sum + other.text.length : sum), 0)
        text.insert(start + before, piece.text)
        placed.push(piece)
      }
    })
  }
}

/**
 * The part of `ranges` (laid end to end) from `start` for `length` characters, as pieces with their author and
 * their offset from `start`.
 */
function slice(ranges: readonly AuthoredRange[], start: number, length: number): Piece[] {
  const pieces: Piece[] = []
  let position = 0
  for (const range of ranges) {
    const from = Math.max(start, position)
    const to = Math.min(start + length, position + range.text.length)
    if (from < to)
      pieces.push({
        offset: from - start,
        text: range.text.slice(from - position, to - position),
        author: range.author,
      })
    position += range.text.length
  }
  return pieces
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}
