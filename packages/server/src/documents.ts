import { CloseCode, MAX_CLOSE_REASON } from '@tandem/protocol'
import * as Y from 'yjs'
import { type DocAuthor, type DocInfo, type DocStore, StoreConflict } from './doc-store.js'
import type { Logger } from './logger.js'
import type { Room } from './room.js'
import type { Rooms } from './rooms.js'

/**
 * A document a connection asked for is no longer there to open: renamed (`movedTo` names where it went) or in
 * the trash. Carries the close code and reason the connection is closed with.
 */
export class DocumentGone extends Error {
  override readonly name = 'DocumentGone'
  constructor(
    /** {@link CloseCode.documentMoved} or {@link CloseCode.documentDeleted}. */
    readonly code: number,
    /** The close reason: the new name for a move, a sentence for the trash. */
    readonly reason: string,
    /** The document's new name, after a rename. */
    readonly movedTo: string | null,
  ) {
    super(reason)
  }

  /** The document `from` was renamed to `to`. */
  static moved(from: string, to: string): DocumentGone {
    // Names are ASCII, so characters are bytes.
    const ask = `renamed to a longer name; GET /api/docs/${encodeURIComponent(from)} answers it`
    const reason = to.length <= MAX_CLOSE_REASON ? to : ask.length <= MAX_CLOSE_REASON ? ask : 'renamed'
    return new DocumentGone(CloseCode.documentMoved, reason, to)
  }

  /** The document `name` is in the trash (or was purged). Its reason is cut to 123 bytes when sent. */
  static deleted(name: string): DocumentGone {
    return new DocumentGone(CloseCode.documentDeleted, `"${name}" was deleted: it is in the trash`, null)
  }
}

/** Where a request for a document name leads. */
export interface Located {
  /** The name the document has now: the one asked for, or the one it was renamed to. */
  readonly name: string
  /** The name asked for, when it is an old name of `name`. */
  readonly movedFrom: string | null
  /** The document's listing row, `null` when nothing is stored for it (yet). */
  readonly info: DocInfo | null
}

/**
 * The life of documents as wholes, beside the rooms that edit them: following old names, renaming, the trash,
 * purging and duplicating. Each operation holds its names while it runs: a connection arriving for one of them
 * waits, then finds the document where the operation left it. Connections to a document that moves or goes to
 * the trash are closed with {@link CloseCode.documentMoved} or {@link CloseCode.documentDeleted}.
 */
export class Documents {
  /** Operations in progress, by each name they hold. */
  private readonly busy = new Map<string, Promise<unknown>>()
  /** Counts operations started, so an open that raced one can tell and look again. */
  private started = 0
  /** Rooms taken out of service, with what a connection still arriving for one is told. */
  private readonly retired = new WeakMap<Room, DocumentGone>()

  constructor(
    private readonly store: DocStore,
    private readonly rooms: Rooms,
    private readonly logger: Logger,
    /** Closes every member of `room` with `code` and `reason`. */
    private readonly closeMembers: (room: Room, code: number, reason: string) => void,
    /** Tells the other instances (scaled out) that `name` is gone, once storage says so. */
    private readonly announce: (name: string, gone: DocumentGone) => void = () => {},
  ) {}

  /**
   * Another instance renamed (`movedTo`) or deleted `name`: closes this instance's connections to it with
   * `code`, storing what they changed first (storage sends a write under an old name to the renamed document).
   */
  peerGone(name: string, code: number, movedTo: string | null): Promise<void> {
    const gone =
      code === CloseCode.documentMoved && movedTo !== null
        ? DocumentGone.moved(name, movedTo)
        : code === CloseCode.documentDeleted
          ? DocumentGone.deleted(name)
          : null
    if (!gone) {
      this.logger.warn({ doc: name, code }, 'another instance sent an unknown reason a document is gone; ignored')
      return Promise.resolve()
    }
    this.logger.info({ doc: name, code, movedTo }, 'another instance renamed or deleted a document held here')
    return this.exclusive([name], () => this.retire(name, gone))
  }

  /** Where a request for `name` leads, following renames. */
  async locate(name: string): Promise<Located> {
    await this.settled(name)
    const target = this.rooms.has(name) ? null : await this.store.resolve(name)
    const actual = target ?? name
    return { name: actual, movedFrom: target === null ? null : name, info: await this.store.info(actual) }
  }

  /** The name the document asked for as `name` has now: `name` itself, or where its renames led. */
  async follow(name: string): Promise<string> {
    await this.settled(name)
    if (this.rooms.has(name)) return name
    return (await this.store.resolve(name)) ?? name
  }

  /**
   * Opens the room of `name` for a connection, as `Rooms.acquire` does, unless the document moved or is in the
   * trash: then it throws {@link DocumentGone}.
   */
  async open(name: string): Promise<Room> {
    for (;;) {
      await this.settled(name)
      const before = this.started
      if (!this.rooms.has(name)) {
        const target = await this.store.resolve(name)
        if (target !== null) throw DocumentGone.moved(name, target)
        if ((await this.store.info(name))?.deletedAt) throw DocumentGone.deleted(name)
      }
      const room = await this.rooms.acquire(name)
      if (this.started === before) return room
      // An operation started meanwhile and may have moved this very document: look again.
      this.rooms.release(room)
    }
  }

  /** What a connection arriving for `room` is told when it was taken out of service meanwhile, or `undefined`. */
  goneOf(room: Room): DocumentGone | undefined {
    return this.retired.get(room)
  }

  /**
   * Renames `from` to `to` (see `DocStore.rename`), closing the connections to `from` with
   * {@link CloseCode.documentMoved}. Throws `StoreConflict` when `from` has no live document or `to` is taken.
   */
  rename(from: string, to: string): Promise<void> {
    return this.exclusive([from, to], async () => {
      await this.assertLive(from)
      await this.assertFree(to, from)
      const gone = DocumentGone.moved(from, to)
      await this.retire(from, gone)
      await this.store.rename(from, to)
      this.announce(from, gone)
      this.logger.info({ doc: from, to }, 'document renamed')
    })
  }

  /** Moves `name` to the trash, closing its connections with {@link CloseCode.documentDeleted}. */
  trash(name: string, by: DocAuthor | null): Promise<void> {
    return this.exclusive([name], async () => {
      await this.assertLive(name)
      const gone = DocumentGone.deleted(name)
      await this.retire(name, gone)
      await this.store.trash(name, by)
      this.announce(name, gone)
      this.logger.info({ doc: name, by: by?.id ?? null }, 'document moved to the trash')
    })
  }

  /** Takes `name` out of the trash. Throws `StoreConflict` (`missing`) when it is not there. */
  restore(name: string): Promise<void> {
    return this.exclusive([name], async () => {
      await this.store.restore(name)
      this.logger.info({ doc: name }, 'document restored from the trash')
    })
  }

  /** Deletes `name` for good, in the trash or not; resolves to whether anything was stored. */
  purge(name: string): Promise<boolean> {
    return this.exclusive([name], async () => {
      const gone = DocumentGone.deleted(name)
      await this.retire(name, gone)
      const purged = await this.store.purge(name)
      this.announce(name, gone)
      if (purged) this.logger.info({ doc: name }, 'document purged')
      return purged
    })
  }

  /** Purges every document that went to the trash before `before`; resolves to their names. */
  async purgeTrashed(before: Date): Promise<string[]> {
    const purged = await this.store.purgeTrashed(before)
    if (purged.length > 0) this.logger.info({ docs: purged }, 'purged documents that were in the trash too long')
    return purged
  }

  /**
   * Stores a new document `to` with the current content of `from`, its title `title` (by default the source's
   * title, or its name, followed by " (copy)"). Throws `StoreConflict` when `from` has no live document or `to`
   * is taken.
   */
  duplicate(from: string, to: string, title: string | null, by: DocAuthor | null): Promise<void> {
    return this.exclusive([to], async () => {
      await this.settled(from)
      await this.assertLive(from)
      await this.assertFree(to, null)
      const room = await this.rooms.acquire(from)
      let state: Uint8Array
      let sourceTitle: unknown
      try {
        state = Y.encodeStateAsUpdate(room.doc())
        sourceTitle = room.doc().getMap('meta').get('title')
      } finally {
        this.rooms.release(room)
      }
      const copy = new Y.Doc()
      Y.applyUpdate(copy, state)
      const newTitle = title ?? `${typeof sourceTitle === 'string' && sourceTitle !== '' ? sourceTitle : from} (copy)`
      copy.getMap('meta').set('title', newTitle)
      await this.store.create(to, Y.encodeStateAsUpdate(copy), { title: newTitle, author: by })
      copy.destroy()
      this.logger.info({ doc: from, to }, 'document duplicated')
    })
  }

  private async assertLive(name: string): Promise<void> {
    const info = await this.store.info(name)
    if (!info || info.deletedAt) throw StoreConflict.missing(name)
  }

  /** Throws unless nothing holds `name`, or it is an old name of `self`. */
  private async assertFree(name: string, self: string | null): Promise<void> {
    const info = await this.store.info(name)
    if (info) throw StoreConflict.taken(name, info.deletedAt !== null)
    if (this.rooms.has(name)) {
      throw new StoreConflict('exists', name, `A document named "${name}" is open in an editor already.`)
    }
    const target = await this.store.resolve(name)
    if (target !== null && target !== self) throw StoreConflict.aliasOf(name, target)
  }

  /** Closes the connections to `name` with `gone` and takes its room out of service, everything it had stored. */
  private retire(name: string, gone: DocumentGone): Promise<void> {
    return this.rooms.evict(name, (room) => {
      this.retired.set(room, gone)
      this.closeMembers(room, gone.code, gone.reason)
    })
  }

  /** Waits for every operation that holds `name`. */
  private async settled(name: string): Promise<void> {
    for (let running = this.busy.get(name); running; running = this.busy.get(name)) await running.catch(() => {})
  }

  /** Runs `work` holding `names`, after every operation that held one of them. */
  private async exclusive<T>(names: readonly string[], work: () => Promise<T>): Promise<T> {
    for (;;) {
      const running = names.map((name) => this.busy.get(name)).filter((p) => p !== undefined)
      if (running.length === 0) break
      await Promise.allSettled(running)
    }
    this.started++
    const done = work()
    for (const name of names) this.busy.set(name, done)
    try {
      return await done
    } finally {
      for (const name of names) if (this.busy.get(name) === done) this.busy.delete(name)
    }
  }
}
