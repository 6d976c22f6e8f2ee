import type { DocInfo, DocStore, QuarantinedUpdate, QuarantineEntry, StoredDoc, StoreEntry } from './doc-store.js'

interface MemoryDoc {
  snapshot: Uint8Array | null
  updates: Uint8Array[]
  updatedAt: Date
}

/**
 * A {@link DocStore} that keeps everything in the process's memory: for tests, and for running Tandem with no
 * persistence at all. Nothing survives a restart.
 */
export class MemoryStore implements DocStore {
  private readonly docs = new Map<string, MemoryDoc>()
  private readonly quarantines = new Map<string, QuarantineEntry[]>()
  private closed = false

  async load(name: string): Promise<StoredDoc | null> {
    this.assertOpen()
    const doc = this.docs.get(name)
    return doc ? { snapshot: doc.snapshot, updates: [...doc.updates] } : null
  }

  async append(entries: readonly StoreEntry[]): Promise<void> {
    this.assertOpen()
    const now = new Date()
    for (const { name, update } of entries) {
      let doc = this.docs.get(name)
      if (!doc) {
        doc = { snapshot: null, updates: [], updatedAt: now }
        this.docs.set(name, doc)
      }
      doc.updates.push(update.slice())
      doc.updatedAt = now
    }
  }

  async compact(name: string, state: Uint8Array): Promise<void> {
    this.assertOpen()
    this.docs.set(name, { snapshot: state.slice(), updates: [], updatedAt: new Date() })
  }

  async quarantine(name: string, entries: readonly QuarantinedUpdate[]): Promise<void> {
    this.assertOpen()
    if (entries.length === 0) return
    const kept = this.quarantines.get(name) ?? []
    const quarantinedAt = new Date()
    for (const { update, reason } of entries) kept.push({ update: update.slice(), reason, quarantinedAt })
    this.quarantines.set(name, kept)
  }

  async quarantined(name: string): Promise<QuarantineEntry[]> {
    this.assertOpen()
    return (this.quarantines.get(name) ?? []).map((entry) => ({ ...entry, update: entry.update.slice() }))
  }

  async list(): Promise<DocInfo[]> {
    this.assertOpen()
    return [...this.docs.keys()].sort().map((name) => this.infoOf(name))
  }

  async info(name: string): Promise<DocInfo | null> {
    this.assertOpen()
    return this.docs.has(name) ? this.infoOf(name) : null
  }

  async check(): Promise<void> {
    this.assertOpen()
  }

  async close(): Promise<void> {
    this.closed = true
  }

  private infoOf(name: string): DocInfo {
    const doc = this.docs.get(name) as MemoryDoc
    const size = (doc.snapshot?.byteLength ?? 0) + doc.updates.reduce((sum, u) => sum + u.byteLength, 0)
    return { name, size, updatedAt: doc.updatedAt }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('This MemoryStore is closed; create a new one.')
  }
}
