import type { AccessRecords, ShareLinkRecord, TokenRevocation } from './access-records.js'
import { type AuthorSpan, decodeSpans, encodeSpans, foldChanges } from './author-spans.js'
import {
  type DocAuthor,
  type DocInfo,
  type DocMeta,
  type DocStore,
  type QuarantinedUpdate,
  type QuarantineEntry,
  StoreConflict,
  type StoredDoc,
  type StoreEntry,
} from './doc-store.js'
import type {
  HistoryStore,
  LoggedChange,
  StoredHistory,
  StoredVersion,
  VersionDraft,
  VersionInfo,
} from './history-store.js'
import { pruneHistory } from './version-snapshots.js'

interface MemoryDoc {
  snapshot: Uint8Array | null
  /** The log, each update with its author and time. */
  updates: LoggedChange[]
  /** The spans compactions folded, encoded as a store keeps them; `null` before the first that had any. */
  spans: Uint8Array | null
  versions: StoredVersion[]
  /** The highest version id ever given, so that ids are never reused. */
  lastVersionId: number
  updatedAt: Date
  title: string | null
  updatedBy: DocAuthor | null
  deletedAt: Date | null
  deletedBy: DocAuthor | null
}

/**
 * A {@link DocStore} that keeps everything in the process's memory: for tests, and for running Tandem with no
 * persistence at all. Nothing survives a restart.
 */
export class MemoryStore implements DocStore, AccessRecords, HistoryStore {
  private readonly docs = new Map<string, MemoryDoc>()
  private readonly links = new Map<string, ShareLinkRecord>()
  private readonly revocations = new Map<string, TokenRevocation>()
  /** When the token of a revoked link expires, by its id. */
  private readonly revokedUntil = new Map<string, Date>()
  private readonly quarantines = new Map<string, QuarantineEntry[]>()
  /** Old names, each to the name its document has now. */
  private readonly aliases = new Map<string, string>()
  private closed = false

  async load(name: string): Promise<StoredDoc | null> {
    this.assertOpen()
    const doc = this.docs.get(name)
    return doc ? { snapshot: doc.snapshot, updates: doc.updates.map((change) => change.update) } : null
  }

  async append(entries: readonly StoreEntry[]): Promise<void> {
    this.assertOpen()
    const now = new Date()
    for (const { name: given, update, meta, author, at } of entries) {
      const name = this.aliases.get(given) ?? given
      let doc = this.docs.get(name)
      if (!doc) {
        doc = emptyDoc(now)
        this.docs.set(name, doc)
      }
      doc.updates.push({ update: update.slice(), author: author ?? null, at: at ?? now })
      doc.updatedAt = now
      if (meta) applyMeta(doc, meta)
    }
  }

  async compact(given: string, state: Uint8Array): Promise<void> {
    this.assertOpen()
    const name = this.aliases.get(given)
    // A late compaction of an old name: its state goes to the document's log, where it changes nothing it has.
    if (name !== undefined) return this.append([{ name, update: state }])
    const doc = this.docs.get(given) ?? emptyDoc(new Date())
    // The log's authors and times are folded into the spans before the log goes (see HistoryStore).
    const spans = foldChanges(doc.spans ? decodeSpans(doc.spans) : [], doc.updates)
    this.docs.set(given, {
      ...doc,
      snapshot: state.slice(),
      updates: [],
      spans: spans.length > 0 ? encodeSpans(spans) : null,
    })
  }

  async loadHistory(given: string): Promise<StoredHistory | null> {
    this.assertOpen()
    const doc = this.docs.get(this.aliases.get(given) ?? given)
    if (!doc) return null
    const spans: AuthorSpan[] = doc.spans ? decodeSpans(doc.spans) : []
    return { spans, changes: doc.updates.map((change) => ({ ...change, update: change.update.slice() })) }
  }

  async addVersion(
    given: string,
    version: VersionDraft,
    condition: { readonly unlessCreatedSince?: Date } = {},
  ): Promise<StoredVersion | null> {
    this.assertOpen()
    const doc = this.docs.get(this.aliases.get(given) ?? given)
    if (!doc) throw StoreConflict.missing(given)
    const since = condition.unlessCreatedSince
    if (since && doc.versions.some((stored) => stored.at >= since)) return null
    const stored: StoredVersion = {
      ...version,
      authors: [...version.authors],
      snapshot: version.snapshot.slice(),
      id: ++doc.lastVersionId,
    }
    doc.versions.push(stored)
    return copyVersion(stored)
  }

  async versions(given: string): Promise<VersionInfo[]> {
    this.assertOpen()
    const doc = this.docs.get(this.aliases.get(given) ?? given)
    return (doc?.versions ?? []).map(({ snapshot: _snapshot, ...info }) => ({ ...info, authors: [...info.authors] }))
  }

  async pruneHistory(given: string, before: Date): Promise<void> {
    this.assertOpen()
    const doc = this.docs.get(this.aliases.get(given) ?? given)
    if (!doc) return
    const pruned = pruneHistory(doc.spans ? decodeSpans(doc.spans) : [], doc.versions, before)
    doc.spans = pruned.spans.length > 0 ? encodeSpans(pruned.spans) : null
    doc.versions = doc.versions
      .filter((version) => !pruned.deleted.includes(version.id))
      .map((version) =>
        version.id === pruned.rewritten?.id ? { ...version, snapshot: pruned.rewritten.snapshot } : version,
      )
  }

  async version(given: string, id: number): Promise<StoredVersion | null> {
    this.assertOpen()
    const doc = this.docs.get(this.aliases.get(given) ?? given)
    const stored = doc?.versions.find((version) => version.id === id)
    return stored ? copyVersion(stored) : null
  }

  async versionSnapshots(given: string, id: number): Promise<Uint8Array[]> {
    this.assertOpen()
    const versions = this.docs.get(this.aliases.get(given) ?? given)?.versions ?? []
    if (!versions.some((version) => version.id === id)) return []
    return versions.filter((version) => version.id <= id).map((version) => version.snapshot.slice())
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

  async list(options: { readonly trashed?: boolean } = {}): Promise<DocInfo[]> {
    this.assertOpen()
    const trashed = options.trashed ?? false
    return [...this.docs.keys()]
      .sort()
      .map((name) => this.infoOf(name))
      .filter((info) => (info.deletedAt !== null) === trashed)
  }

  async info(name: string): Promise<DocInfo | null> {
    this.assertOpen()
    return this.docs.has(name) ? this.infoOf(name) : null
  }

  async resolve(name: string): Promise<string | null> {
    this.assertOpen()
    return this.aliases.get(name) ?? null
  }

  async rename(from: string, to: string): Promise<void> {
    this.assertOpen()
    const doc = this.docs.get(from)
    if (!doc || doc.deletedAt) throw StoreConflict.missing(from)
    this.assertFree(to, from)
    this.docs.delete(from)
    this.docs.set(to, doc)
    const quarantined = this.quarantines.get(from)
    this.quarantines.delete(from)
    if (quarantined) this.quarantines.set(to, quarantined)
    this.aliases.delete(to)
    for (const [old, target] of this.aliases) if (target === from) this.aliases.set(old, to)
    this.aliases.set(from, to)
    for (const [id, link] of this.links) if (link.document === from) this.links.set(id, { ...link, document: to })
  }

  async create(name: string, state: Uint8Array, meta: DocMeta): Promise<void> {
    this.assertOpen()
    this.assertFree(name, null)
    const doc = emptyDoc(new Date())
    doc.snapshot = state.slice()
    applyMeta(doc, meta)
    this.docs.set(name, doc)
  }

  async trash(name: string, by: DocAuthor | null): Promise<void> {
    this.assertOpen()
    const doc = this.docs.get(name)
    if (!doc || doc.deletedAt) throw StoreConflict.missing(name)
    doc.deletedAt = new Date()
    doc.deletedBy = by
  }

  async restore(name: string): Promise<void> {
    this.assertOpen()
    const doc = this.docs.get(name)
    if (!doc?.deletedAt) throw StoreConflict.notTrashed(name)
    doc.deletedAt = null
    doc.deletedBy = null
  }

  async purge(name: string): Promise<boolean> {
    this.assertOpen()
    const existed = this.docs.delete(name)
    this.quarantines.delete(name)
    for (const [old, target] of this.aliases) if (target === name) this.aliases.delete(old)
    const now = new Date()
    for (const [id, link] of this.links) {
      if (link.document !== name) continue
      if (!this.revocations.has(id)) {
        this.revocations.set(id, { id, kind: 'link', revokedAt: now })
        this.revokedUntil.set(id, link.expiresAt)
      }
      this.links.delete(id)
    }
    return existed
  }

  async purgeTrashed(before: Date): Promise<string[]> {
    this.assertOpen()
    const expired = [...this.docs].filter(([, doc]) => doc.deletedAt && doc.deletedAt < before).map(([name]) => name)
    for (const name of expired) await this.purge(name)
    return expired.sort()
  }

  async recordLink(link: ShareLinkRecord): Promise<void> {
    this.assertOpen()
    if (this.links.has(link.id)) throw new Error(`A share link with the id ${link.id} is already recorded.`)
    this.links.set(link.id, { ...link, document: this.aliases.get(link.document) ?? link.document })
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
    const link = this.links.get(id)
    const revocation: TokenRevocation = { id, kind: link ? 'link' : 'token', revokedAt: new Date() }
    this.revocations.set(id, revocation)
    if (link) this.revokedUntil.set(id, link.expiresAt)
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

  async pruneRevocations(expiredBefore: Date): Promise<number> {
    this.assertOpen()
    let pruned = 0
    for (const [id, expiresAt] of this.revokedUntil) {
      if (expiresAt >= expiredBefore) continue
      this.revokedUntil.delete(id)
      this.revocations.delete(id)
      pruned++
    }
    return pruned
  }

  async check(): Promise<void> {
    this.assertOpen()
  }

  async close(): Promise<void> {
    this.closed = true
  }

  /** Throws unless `name` is free for a document, or an old name of `self` (renaming back). */
  private assertFree(name: string, self: string | null): void {
    const doc = this.docs.get(name)
    if (doc) throw StoreConflict.taken(name, doc.deletedAt !== null)
    const target = this.aliases.get(name)
    if (target !== undefined && target !== self) throw StoreConflict.aliasOf(name, target)
  }

  private infoOf(name: string): DocInfo {
    const doc = this.docs.get(name) as MemoryDoc
    const size = (doc.snapshot?.byteLength ?? 0) + doc.updates.reduce((sum, u) => sum + u.update.byteLength, 0)
    const historySize =
      (doc.spans?.byteLength ?? 0) + doc.versions.reduce((sum, version) => sum + version.snapshot.byteLength, 0)
    return {
      name,
      size,
      updatedAt: doc.updatedAt,
      title: doc.title,
      updatedBy: doc.updatedBy,
      deletedAt: doc.deletedAt,
      deletedBy: doc.deletedBy,
      historySize,
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('This MemoryStore is closed; create a new one.')
  }
}

function emptyDoc(now: Date): MemoryDoc {
  return {
    snapshot: null,
    updates: [],
    spans: null,
    versions: [],
    lastVersionId: 0,
    updatedAt: now,
    title: null,
    updatedBy: null,
    deletedAt: null,
    deletedBy: null,
  }
}

function copyVersion(version: StoredVersion): StoredVersion {
  return { ...version, authors: [...version.authors], snapshot: version.snapshot.slice() }
}

function applyMeta(doc: MemoryDoc, meta: DocMeta): void {
  doc.title = meta.title
  if (meta.author) doc.updatedBy = meta.author
}
