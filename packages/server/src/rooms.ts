import type { CommitQueue } from './commit-queue.js'
import type { DocStore, StoredDoc } from './doc-store.js'
import type { Fanout, RoomLink } from './fanout.js'
import { Room, type RoomContext } from './room.js'
import { checkStoredUpdate } from './stored-bounds.js'
import { recoverStoredState } from './stored-state.js'

interface Entry {
  readonly loading: Promise<Room>
  room: Room | null
  /** The room's link to the other instances, when scaled out. */
  link: RoomLink | null
  /** Holders: members and in-flight requests. The room is unloaded some time after this reaches 0. */
  refs: number
  unloadTimer: ReturnType<typeof setTimeout> | null
  unloading: boolean
  /** Taken out of service by {@link Rooms.evict}: it is never saved under its name again. */
  evicted: boolean
}

/**
 * The open rooms, by document name. A document is loaded from storage once, however many members arrive while
 * it loads, and none of them sees it before the load finished. Some time after its last holder releases it, it
 * is saved and unloaded; a holder that arrives during that save keeps the same room, so no edit is lost and no
 * second copy is ever loaded.
 */
export class Rooms {
  private readonly entries = new Map<string, Entry>()
  private readonly queue: CommitQueue

  constructor(
    private readonly store: DocStore,
    /** What every room is made with. */
    private readonly context: RoomContext,
    /** How long a room stays open after its last holder left, in ms. */
    private readonly unloadDelay: number,
    /** The other instances, when scaled out. */
    private readonly fanout: Fanout | null = null,
  ) {
    this.queue = context.queue
  }

  /** Rooms open or loading. */
  get size(): number {
    return this.entries.size
  }

  /** The open room of `name`, if there is one. */
  open(name: string): Room | undefined {
    return this.entries.get(name)?.room ?? undefined
  }

  /** Whether a room of `name` is open or loading. */
  has(name: string): boolean {
    return this.entries.has(name)
  }

  /**
   * Takes the room of `name` out of service, if one is open or loading: `stop(room)` ends its members, then
   * everything they changed is stored and the room is dropped without a compaction under its name, since the
   * document is about to be renamed, moved to the trash or purged. Holders that still have it are left with a
   * destroyed room. Resolves once nothing of it waits to be stored.
   */
  async evict(name: string, stop: (room: Room) => void): Promise<void> {
    const entry = this.entries.get(name)
    if (!entry) return
    entry.evicted = true
    if (entry.unloadTimer !== null) clearTimeout(entry.unloadTimer)
    entry.unloadTimer = null
    let room: Room
    try {
      room = await entry.loading
    } catch {
      return
    }
    stop(room)
    if (entry.link) this.fanout?.leave(entry.link)
    await room.log.saved()
    // A compaction an unload started before the eviction runs to its end first.
    await this.queue.idle()
    if (this.entries.get(name) === entry) this.entries.delete(name)
    room.destroy()
    this.context.logger.debug({ doc: name }, 'document taken out of service')
  }

  /** Opens the room of `name` (loading it) or finds it, and holds it until {@link release}. */
  async acquire(name: string): Promise<Room> {
    let entry = this.entries.get(name)
    if (!entry) {
      const created: Entry = {
        // Called after the load's first await, once `created` is assigned.
        loading: this.load(name, (link) => {
          created.link = link
        }),
        room: null,
        link: null,
        refs: 0,
        unloadTimer: null,
        unloading: false,
        evicted: false,
      }
      created.loading.then(
        (room) => {
          created.room = room
        },
        () => {
          if (this.entries.get(name) === created) this.entries.delete(name)
        },
      )
      this.entries.set(name, created)
      entry = created
    }
    entry.refs++
    if (entry.unloadTimer !== null) {
      clearTimeout(entry.unloadTimer)
      entry.unloadTimer = null
    }
    try {
      return await entry.loading
    } catch (error) {
      entry.refs--
      throw error
    }
  }

  /** Gives back a room taken with {@link acquire}. */
  release(room: Room): void {
    const entry = this.entries.get(room.name)
    if (!entry || entry.room !== room) return
    entry.refs--
    if (entry.refs === 0) this.scheduleUnload(room.name, entry)
  }

  /** Saves every room and closes them all; used at shutdown. Returns whether all were saved in time. */
  async closeAll(deadline: number): Promise<boolean> {
    const open: Entry[] = []
    for (const entry of this.entries.values()) {
      if (entry.unloadTimer !== null) clearTimeout(entry.unloadTimer)
      entry.unloadTimer = null
      if (entry.room) open.push(entry)
    }
    for (const entry of open) entry.link?.storeUnconfirmed()
    const saved = await this.queue.flushAll(deadline)
    for (const entry of open) {
      const room = entry.room as Room
      if (entry.link) this.fanout?.leave(entry.link)
      if (saved && Date.now() < deadline) await this.queue.compact(room.log)
      await this.beforeUnload(room)
      room.destroy()
    }
    this.entries.clear()
    return saved
  }

  /**
   * Loads a room, step by step: listen to the other instances (scaled out, so nothing they send meanwhile is
   * lost), read storage, set aside what cannot load, run the `load` hooks, and start.
   */
  private async load(name: string, linked: (link: RoomLink) => void): Promise<Room> {
    const { logger, metrics, hooks } = this.context
    const started = performance.now()
    let link: RoomLink | null = null
    const fail = (error: unknown, message: string): never => {
      if (link) this.fanout?.leave(link)
      metrics.error('load-failed')
      logger.error({ err: error, doc: name }, message)
      throw error
    }
    if (this.fanout) {
      link = await this.fanout.join(name)
      linked(link)
    }
    let stored: StoredDoc | null = null
    try {
      stored = await this.store.load(name)
    } catch (error) {
      fail(error, 'loading a document from storage failed')
    }
    const recovered = stored ? recoverStoredState(stored, checkStoredUpdate) : null
    // Rewritten only once what could not be loaded is safely kept aside: its bytes are never lost.
    let rewrite = recovered !== null && !recovered.clean
    if (recovered && recovered.quarantined.length > 0) {
      metrics.error('quarantined')
      logger.error(
        { doc: name, reasons: recovered.quarantined.map((part) => part.reason) },
        'parts of the stored document could not be loaded: they are kept aside for an operator, and the rest is loaded',
      )
      try {
        await this.store.quarantine(name, recovered.quarantined)
      } catch (error) {
        rewrite = false
        logger.error({ err: error, doc: name }, 'keeping unloadable parts aside failed; they stay where they are')
      }
    }
    const room = new Room(name, this.context, {
      state: recovered?.state ?? null,
      entries: stored?.updates.length ?? 0,
    })
    if (hooks.has('load')) {
      const loaded = await hooks.run('load', { documentName: name, document: room.doc(), stored: stored !== null })
      if (!loaded) {
        room.destroy()
        fail(new Error('a load hook failed'), 'the document was not opened: a load hook failed')
      }
    }
    room.start()
    if (rewrite) void this.queue.compact(room.log, true)
    link?.start(room)
    logger.debug({ doc: name, ms: Math.round(performance.now() - started) }, 'document loaded')
    return room
  }

  private scheduleUnload(name: string, entry: Entry): void {
    if (entry.unloadTimer !== null || entry.unloading || entry.evicted) return
    entry.unloadTimer = setTimeout(() => {
      entry.unloadTimer = null
      void this.unload(name, entry)
    }, this.unloadDelay)
  }

  private async unload(name: string, entry: Entry): Promise<void> {
    const room = entry.room
    if (!room || entry.refs > 0 || entry.evicted) return
    entry.unloading = true
    try {
      entry.link?.storeUnconfirmed()
      await room.log.saved()
      if (entry.refs === 0 && !entry.evicted) await this.queue.compact(room.log)
      if (entry.refs === 0 && !entry.evicted) await this.beforeUnload(room)
    } finally {
      entry.unloading = false
    }
    // A holder may have arrived, or an edit slipped in, while saving: then the room stays.
    if (entry.refs > 0 || entry.evicted) return
    if (room.log.hasUnsaved || (entry.link?.storeUnconfirmed() ?? 0) > 0) {
      this.scheduleUnload(name, entry)
      return
    }
    if (this.entries.get(name) === entry) this.entries.delete(name)
    if (entry.link) this.fanout?.leave(entry.link)
    room.destroy()
    this.context.logger.debug({ doc: name }, 'document unloaded')
  }

  /** Runs the `beforeUnload` hooks after the room's other hooks; a failure is logged and the room unloads. */
  private async beforeUnload(room: Room): Promise<void> {
    await room.hooksSettled()
    if (!this.context.hooks.has('beforeUnload')) return
    await this.context.hooks.run('beforeUnload', { documentName: room.name, document: room.doc() })
  }
}
