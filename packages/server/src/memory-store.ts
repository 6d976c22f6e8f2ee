import type { AccessRecords, ShareLinkRecord, TokenRevocation } from './access-records.js'
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
export class MemoryStore implements DocStore, AccessRecords {
  private readonly docs = new Map<string, MemoryDoc>()
  private readonly links = new Map<string, ShareLinkRecord>()
  private readonly revocations = new Map<string, TokenRevocation>()
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

  async recordLink(link: ShareLinkRecord): Promise<void> {
    this.assertOpen()
    if (this.links.has(link.id)) throw new Error(`A share link with the id ${link.id} is already recorded.`)
    this.links.set(link.id, { ...link })
  }

  async link(id: string): Promise<ShareLinkRecord | null> {
    this.assertOpen()
    const link = this.links.get(id)
    return link ? { ...link } : null
  }

  async activeLinks(document: string, now: Date): Promise<ShareLinkRecord[]> {
    this.assertOpen()
    return [...this.links.values()]
      .filter((link) => link.document === document && link.expiresAt > now && !this.revocations.has(link.id))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((link) => ({ ...link }))
  }

  async revoke(id: string): Promise<{ revocation: TokenRevocation; already: boolean }> {
    this.assertOpen()
    const earlier = this.revocations.get(id)
    if (earlier) return { revocation: { ...earlier }, already: true }
    const revocation: TokenRevocation = { id, kind: this.links.has(id) ? 'link' : 'token', revokedAt: new Date() }
    this.revocations.set(id, revocation)
    return { revocation: { ...revocation }, already: false }
  }

  async revocation(id: string): Promise<TokenRevocation | null> {
    this.assertOpen()
    const revocation = this.revocations.get(id)
    return revocation ? { ...revocation } : null
  }

  async revocationsSince(since: Date): Promise<TokenRevocation[]> {
    this.assertOpen()
    return [...this.revocations.values()]
      .filter((revocation) => revocation.revokedAt >= since)
      .sort((a, b) => a.revokedAt.getTime() - b.revokedAt.getTime())
      .map((revocation) => ({ ...revocation }))
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
