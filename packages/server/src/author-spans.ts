import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import type { DocAuthor } from './doc-store.js'
import type { LoggedChange } from './history-store.js'

/**
 * Who made a run of changes and when, without the changes themselves: the Yjs ids they inserted and deleted.
 * The content lives in the document's snapshot (kept without garbage collection), so these ids are all that
 * is needed to attribute any inserted or deleted character. Compaction folds the log into spans, one per author
 * per time bucket, which is what keeps a per-keystroke log within a small fraction of the document's bytes.
 */
export interface AuthorSpan {
  /** Who made the changes; `null` for changes whose author the server did not know. */
  readonly author: DocAuthor | null
  /** When the first of the changes was made. */
  readonly from: Date
  /** When the last of the changes was made. */
  readonly to: Date
  /** The ids the changes inserted, sorted by client then clock, adjacent ranges merged. */
  readonly inserted: readonly IdRange[]
  /** The ids the changes deleted, in the same form. */
  readonly deleted: readonly IdRange[]
}

/** The Yjs ids `client`:`clock` … `client`:`clock + length - 1`. */
export interface IdRange {
  readonly client: number
  readonly clock: number
  readonly length: number
}

/**
 * How long a time bucket of {@link foldChanges} is, in ms: one author's changes within one bucket become one
 * span. An hour keeps a day of typing to a few spans per author while history can still be pruned by the hour.
 */
export const DEFAULT_SPAN_BUCKET_MS = 60 * 60 * 1000

/** The version byte {@link encodeSpans} writes first. */
const SPANS_FORMAT = 1

/**
 * Folds `changes` into `spans`: each change joins the span of its author (same {@link authorKey}) whose bucket
 * (`from` divided by `bucketMs`) is the change's, or starts one. The result is sorted by `from`, then author id.
 * Pure. An update Yjs cannot read counts in its span's times but adds no ids: it never loaded into the document
 * either (loading quarantines it), so there is nothing of it to attribute.
 */
export function foldChanges(
  spans: readonly AuthorSpan[],
  changes: readonly LoggedChange[],
  bucketMs: number = DEFAULT_SPAN_BUCKET_MS,
): AuthorSpan[] {
  if (!(bucketMs > 0)) throw new Error(`foldChanges needs a bucket longer than 0 ms, not ${bucketMs}.`)
  const open = new Map<string, Draft>()
  const keyOf = (author: DocAuthor | null, at: number) => `${Math.floor(at / bucketMs)}\u0000${authorKey(author)}`
  for (const span of spans) {
    const key = keyOf(span.author, span.from.getTime())
    const draft = open.get(key)
    if (draft) {
      draft.from = Math.min(draft.from, span.from.getTime())
      draft.to = Math.max(draft.to, span.to.getTime())
      draft.inserted.push(...span.inserted)
      draft.deleted.push(...span.deleted)
    } else {
      open.set(key, {
        author: span.author,
        from: span.from.getTime(),
        to: span.to.getTime(),
        inserted: [...span.inserted],
        deleted: [...span.deleted],
      })
    }
  }
  for (const { update, author, at } of changes) {
    const time = at.getTime()
    const key = keyOf(author, time)
    let draft = open.get(key)
    if (!draft) {
      draft = { author, from: time, to: time, inserted: [], deleted: [] }
      open.set(key, draft)
    }
    draft.from = Math.min(draft.from, time)
    draft.to = Math.max(draft.to, time)
    // A later change of the same person may carry a newer display name.
    if (author) draft.author = author
    const ids = idsOf(update)
    if (ids) {
      draft.inserted.push(...ids.inserted)
      draft.deleted.push(...ids.deleted)
    }
  }
  return [...open.values()]
    .map((draft) => ({
      author: draft.author,
      from: new Date(draft.from),
      to: new Date(draft.to),
      inserted: normalizeRanges(draft.inserted),
      deleted: normalizeRanges(draft.deleted),
    }))
    .sort((a, b) => a.from.getTime() - b.from.getTime() || (a.author?.id ?? '').localeCompare(b.author?.id ?? ''))
}

/**
 * What tells authors apart. A verified id is one person, whose display name may change; an unverified id is only
 * an address, shared by everyone behind it (one office, or every browser of one machine), so there the name each
 * person chose tells them apart.
 */
export function authorKey(author: DocAuthor | null): string {
  if (!author) return ''
  return author.verified ? `v${author.id}` : `u${author.id}\u0000${author.name ?? ''}`
}

/** `ranges` sorted by client then clock, with overlapping and adjacent ranges merged. */
export function normalizeRanges(ranges: readonly IdRange[]): IdRange[] {
  const sorted = [...ranges].sort((a, b) => a.client - b.client || a.clock - b.clock)
  const merged: IdRange[] = []
  for (const range of sorted) {
    const last = merged[merged.length - 1]
    if (last && last.client === range.client && range.clock <= last.clock + last.length) {
      const end = Math.max(last.clock + last.length, range.clock + range.length)
      merged[merged.length - 1] = { client: last.client, clock: last.clock, length: end - last.clock }
    } else {
      merged.push(range)
    }
  }
  return merged
}

/**
 * Spans as bytes, for a store to keep in one field. Layout (lib0 varints): format byte 1; span count; per span:
 * author flag (0 none, 1 unverified, 2 verified), then id and name (empty string for none, after a flag) when
 * there is an author; `from` in epoch ms; `to - from`; inserted ranges; deleted ranges. Ranges: client count;
 * per client: client, range count, per range the clock's distance from the previous range's end and the length.
 */
export function encodeSpans(spans: readonly AuthorSpan[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, SPANS_FORMAT)
  encoding.writeVarUint(encoder, spans.length)
  for (const span of spans) {
    const { author } = span
    encoding.writeVarUint(encoder, author === null ? 0 : author.verified ? 2 : 1)
    if (author) {
      encoding.writeVarString(encoder, author.id)
      encoding.writeVarUint(encoder, author.name === null ? 0 : 1)
      if (author.name !== null) encoding.writeVarString(encoder, author.name)
    }
    encoding.writeVarUint(encoder, span.from.getTime())
    encoding.writeVarUint(encoder, span.to.getTime() - span.from.getTime())
    writeRanges(encoder, span.inserted)
    writeRanges(encoder, span.deleted)
  }
  return encoding.toUint8Array(encoder)
}

/** Reads what {@link encodeSpans} wrote; throws an error naming what is wrong for anything else. */
export function decodeSpans(bytes: Uint8Array): AuthorSpan[] {
  try {
    const decoder = decoding.createDecoder(bytes)
    const format = decoding.readVarUint(decoder)
    if (format !== SPANS_FORMAT) throw new Error(`format ${format} is unknown (this version reads ${SPANS_FORMAT})`)
    const count = decoding.readVarUint(decoder)
    const spans: AuthorSpan[] = []
    for (let index = 0; index < count; index++) {
      const flag = decoding.readVarUint(decoder)
      if (flag > 2) throw new Error(`span ${index} has an unknown author flag ${flag}`)
      let author: DocAuthor | null = null
      if (flag > 0) {
        const id = decoding.readVarString(decoder)
        const name = decoding.readVarUint(decoder) === 1 ? decoding.readVarString(decoder) : null
        author = { id, name, verified: flag === 2 }
      }
      const from = decoding.readVarUint(decoder)
      const to = from + decoding.readVarUint(decoder)
      spans.push({
        author,
        from: new Date(from),
        to: new Date(to),
        inserted: readRanges(decoder),
        deleted: readRanges(decoder),
      })
    }
    if (decoding.hasContent(decoder)) throw new Error('bytes are left after the last span')
    return spans
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new Error(`These ${bytes.byteLength} bytes are not encoded author spans: ${reason}.`, { cause })
  }
}

/** The ids `update` inserts and deletes, or `null` when Yjs cannot read it. */
function idsOf(update: Uint8Array): { inserted: IdRange[]; deleted: IdRange[] } | null {
  try {
    const inserted: IdRange[] = []
    const deleted: IdRange[] = []
    // One decode for both: the structs are what the update inserted (a Skip is a gap, not content).
    const { structs, ds } = Y.decodeUpdate(update)
    for (const struct of structs) {
      if (struct instanceof Y.Skip || struct.length === 0) continue
      inserted.push({ client: struct.id.client, clock: struct.id.clock, length: struct.length })
    }
    for (const [client, items] of ds.clients) {
      for (const item of items) if (item.len > 0) deleted.push({ client, clock: item.clock, length: item.len })
    }
    return { inserted, deleted }
  } catch {
    return null
  }
}

interface Draft {
  author: DocAuthor | null
  from: number
  to: number
  inserted: IdRange[]
  deleted: IdRange[]
}

function writeRanges(encoder: encoding.Encoder, ranges: readonly IdRange[]): void {
  const byClient = new Map<number, IdRange[]>()
  // Sorted and merged, so that every clock delta is positive.
  for (const range of normalizeRanges(ranges)) {
    const list = byClient.get(range.client)
    if (list) list.push(range)
    else byClient.set(range.client, [range])
  }
  encoding.writeVarUint(encoder, byClient.size)
  for (const [client, list] of byClient) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, list.length)
    let end = 0
    for (const { clock, length } of list) {
      encoding.writeVarUint(encoder, clock - end)
      encoding.writeVarUint(encoder, length)
      end = clock + length
    }
  }
}

function readRanges(decoder: decoding.Decoder): IdRange[] {
  const ranges: IdRange[] = []
  const clients = decoding.readVarUint(decoder)
  for (let c = 0; c < clients; c++) {
    const client = decoding.readVarUint(decoder)
    const count = decoding.readVarUint(decoder)
    let end = 0
    for (let r = 0; r < count; r++) {
      const clock = end + decoding.readVarUint(decoder)
      const length = decoding.readVarUint(decoder)
      ranges.push({ client, clock, length })
      end = clock + length
    }
  }
  return ranges
}
