import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type DocAuthor,
  type DocInfo,
  type DocMeta,
  type DocStore,
  MemoryStore,
  type QuarantinedUpdate,
  type QuarantineEntry,
  type StoredDoc,
  type StoreEntry,
  SyncServer,
  type SyncServerOptions,
} from '@tandem/server'
import { connectClient, type TestClient } from '@tandem/test-utils'
import { afterEach } from 'vitest'
import * as Y from 'yjs'
import { type AttachOptions, attachSyncServer } from '../src/ws-adapter.js'

/**
 * A real MemoryStore whose calls a test can hold at a gate or make fail, to reproduce the races and outages
 * that a real database only shows by chance.
 */
export class ControlledStore implements DocStore {
  readonly inner = new MemoryStore()
  loadCalls = 0
  appendCalls = 0
  /** The names of the documents compacted, in order, and the append count when each was. */
  readonly compactions: { name: string; afterAppends: number }[] = []
  failLoads = 0
  failAppends = 0
  private loadGate: Promise<void> | null = null
  private appendGate: Promise<void> | null = null

  /** Holds every load until the returned function is called. */
  holdLoads(): () => void {
    let release!: () => void
    this.loadGate = new Promise((resolve) => {
      release = resolve
    })
    return () => {
      this.loadGate = null
      release()
    }
  }

  /** Holds every append until the returned function is called. */
  holdAppends(): () => void {
    let release!: () => void
    this.appendGate = new Promise((resolve) => {
      release = resolve
    })
    return () => {
      this.appendGate = null
      release()
    }
  }

  async load(name: string): Promise<StoredDoc | null> {
    this.loadCalls++
    await this.loadGate
    if (this.failLoads > 0) {
      this.failLoads--
      throw new Error('storage is unreachable (test)')
    }
    return this.inner.load(name)
  }

  async append(entries: readonly StoreEntry[]): Promise<void> {
    this.appendCalls++
    await this.appendGate
    if (this.failAppends > 0) {
      this.failAppends--
      throw new Error('storage is unreachable (test)')
    }
    return this.inner.append(entries)
  }

  compact(name: string, state: Uint8Array): Promise<void> {
    this.compactions.push({ name, afterAppends: this.appendCalls })
    return this.inner.compact(name, state)
  }
  list(options?: { trashed?: boolean }): Promise<DocInfo[]> {
    return this.inner.list(options)
  }
  resolve(name: string): Promise<string | null> {
    return this.inner.resolve(name)
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to)
  }
  create(name: string, state: Uint8Array, meta: DocMeta): Promise<void> {
    return this.inner.create(name, state, meta)
  }
  trash(name: string, by: DocAuthor | null): Promise<void> {
    return this.inner.trash(name, by)
  }
  restore(name: string): Promise<void> {
    return this.inner.restore(name)
  }
  purge(name: string): Promise<boolean> {
    return this.inner.purge(name)
  }
  purgeTrashed(before: Date): Promise<string[]> {
    return this.inner.purgeTrashed(before)
  }
  quarantine(name: string, entries: readonly QuarantinedUpdate[]): Promise<void> {
    return this.inner.quarantine(name, entries)
  }

  quarantined(name: string): Promise<QuarantineEntry[]> {
    return this.inner.quarantined(name)
  }

  info(name: string): Promise<DocInfo | null> {
    return this.inner.info(name)
  }
  check(): Promise<void> {
    return this.inner.check()
  }
  close(): Promise<void> {
    return this.inner.close()
  }

  /** The `content` text of what the inner store holds for `name`. */
  async storedText(name: string): Promise<string | null> {
    const stored = await this.inner.load(name)
    if (!stored) return null
    const doc = new Y.Doc()
    for (const update of [...(stored.snapshot ? [stored.snapshot] : []), ...stored.updates]) Y.applyUpdate(doc, update)
    return doc.getText('content').toString()
  }
}

/** A sync server in this process, attached to a real HTTP server on a free port. */
export async function startInProcess(options: SyncServerOptions & AttachOptions = {}) {
  const sync = new SyncServer(options)
  const server = createServer((_request, response) => response.end())
  const endpoint = attachSyncServer(server, sync, options)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    sync,
    server,
    endpoint,
    url: `ws://127.0.0.1:${port}`,
    async close() {
      endpoint.close()
      await sync.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** A Yjs update that sets the `content` text of an empty document to `text`. */
export function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('content').insert(0, text)
  return Y.encodeStateAsUpdate(doc)
}

/**
 * An update that depends on another one nobody will send: inserting `then` after `first`, without `first`.
 * Yjs keeps it pending wherever it is applied.
 */
export function updateWithGap(first: string, then: string): Uint8Array {
  const source = new Y.Doc()
  source.getText('content').insert(0, first)
  const before = Y.encodeStateVector(source)
  source.getText('content').insert(first.length, then)
  return Y.encodeStateAsUpdate(source, before)
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * A sync server in this process over a {@link ControlledStore}, and a way to connect stock y-websocket clients
 * to it; all of it is torn down after the test.
 */
export async function setup(options: Parameters<typeof startInProcess>[0] = {}) {
  const store = new ControlledStore()
  const running = await startInProcess({ store, ...options })
  cleanups.push(() => running.close())
  const connect = (room: string, saved = false): TestClient => {
    const client = connectClient(running.url, room, { saved })
    cleanups.push(() => client.destroy())
    return client
  }
  return { store, ...running, connect }
}
