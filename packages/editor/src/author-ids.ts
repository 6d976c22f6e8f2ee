/**
 * Who wrote each character of a shared text, kept by Yjs id (`client`:`clock`) rather than by position: an id
 * never moves, so what was learnt once stays right however the text is edited afterwards, by anyone, in any
 * order. The server answers "who wrote what" as text ranges in document order; {@link alignAuthors} lays them
 * onto the ids of the text as this client has it.
 */
import type { AuthoredText } from '@tandem/client'
import * as Y from 'yjs'

/** Who wrote a range: as the server's history names them (a `HistoryAuthor`), or known only by presence. */
export interface TextAuthor {
  /**
   * The server's id for the person: `user:<token subject>` when verified, `ip:<address>` otherwise; `null` for a
   * person known only from their presence (their `user.name`), before the server was asked.
   */
  readonly id: string | null
  /** Their name: a token's `name` claim, or the name they chose when not verified; `null` when unknown. */
  readonly name: string | null
  /** Whether a token vouched for `id`. */
  readonly verified: boolean
}

interface Run {
  readonly clock: number
  readonly end: number
  readonly author: TextAuthor | null
}

/** What {@link IdAuthors.at} knows of one id. */
export type IdLookup =
  /** The author of the id and of the ids after it up to `end` (excluded). */
  | { readonly known: true; readonly author: TextAuthor | null; readonly end: number }
  /** Nothing known of the id nor of the ids after it up to `end` (excluded; `Infinity` when none). */
  | { readonly known: false; readonly end: number }

/** Authors of Yjs ids, as sorted runs per client; looked up by binary search. */
export class IdAuthors {
  private readonly runs = new Map<number, Run[]>()

  /** Who wrote `client`:`clock`, or how far nothing is known. */
  at(client: number, clock: number): IdLookup {
    const runs = this.runs.get(client) ?? []
    const index = firstEndingAfter(runs, clock)
    const run = runs[index]
    if (run && run.clock <= clock) return { known: true, author: run.author, end: run.end }
    return { known: false, end: run ? run.clock : Number.POSITIVE_INFINITY }
  }

  /** Records the author of ids `clock` … `clock + length - 1` of `client`, none of which may be known yet. */
  set(client: number, clock: number, length: number, author: TextAuthor | null): void {
    const runs = this.runs.get(client) ?? []
    if (runs.length === 0) this.runs.set(client, runs)
    runs.splice(firstEndingAfter(runs, clock), 0, { clock, end: clock + length, author })
  }
}

/** The index of the first run that ends after `clock` (runs are sorted and do not overlap). */
function firstEndingAfter(runs: readonly Run[], clock: number): number {
  let low = 0
  let high = runs.length
  while (low < high) {
    const middle = (low + high) >> 1
    if ((runs[middle] as Run).end <= clock) low = middle + 1
    else high = middle
  }
  return low
}

/** A stretch of one item's text: ids `client`:`clock` … at `index` … in the text. */
export interface TextPiece {
  readonly client: number
  readonly clock: number
  readonly length: number
  readonly index: number
}

/** The visible string items of `text` in order, with their index in `text.toString()`. */
export function* pieces(text: Y.Text): Generator<TextPiece> {
  let index = 0
  for (let item = text._start; item !== null; item = item.right as Y.Item | null) {
    if (item.deleted || !(item.content instanceof Y.ContentString)) continue
    yield { client: item.id.client, clock: item.id.clock, length: item.length, index }
    index += item.length
  }
}

/** What {@link alignAuthors} found. */
export interface Alignment {
  /** The authors of the text's ids. */
  readonly authors: IdAuthors
  /** Whether the server's text was exactly this client's, so that every id got its author from the server. */
  readonly complete: boolean
}

/**
 * Lays the server's ranges onto the ids of `text`. The two texts differ while changes are on their way (typed
 * here and not yet at the server, or the other way round): then the common beginning and end get the server's
 * authors and the ids in between keep what `previous` knew of them, for the next answer to settle.
 */
export function alignAuthors(text: Y.Text, ranges: readonly AuthoredText[], previous: IdAuthors): Alignment {
  const server = ranges.map((range) => range.text).join('')
  const local = text.toString()
  let prefix = 0
  const shorter = Math.min(server.length, local.length)
  while (prefix < shorter && server.charCodeAt(prefix) === local.charCodeAt(prefix)) prefix++
  let suffix = 0
  while (
    suffix < shorter - prefix &&
    server.charCodeAt(server.length - 1 - suffix) === local.charCodeAt(local.length - 1 - suffix)
  ) {
    suffix++
  }
  const starts: number[] = []
  let offset = 0
  for (const range of ranges) {
    starts.push(offset)
    offset += range.text.length
  }
  const shift = server.length - local.length
  const middleEnd = local.length - suffix
  const authors = new IdAuthors()
  for (const piece of pieces(text)) {
    split(piece, prefix, middleEnd, (from, to, zone) => {
      const clock = piece.clock + (from - piece.index)
      if (zone === 'middle') copy(previous, authors, piece.client, clock, to - from)
      else copyRanges(ranges, starts, authors, piece.client, clock, from + (zone === 'suffix' ? shift : 0), to - from)
    })
  }
  return { authors, complete: server === local }
}

/** Calls `each` for the parts of `piece` before `prefix`, between, and from `middleEnd` on. */
function split(
  piece: TextPiece,
  prefix: number,
  middleEnd: number,
  each: (from: number, to: number, zone: 'prefix' | 'middle' | 'suffix') => void,
): void {
  const start = piece.index
  const end = piece.index + piece.length
  const bounds: [number, number, 'prefix' | 'middle' | 'suffix'][] = [
    [start, Math.min(end, prefix), 'prefix'],
    [Math.max(start, prefix), Math.min(end, middleEnd), 'middle'],
    [Math.max(start, middleEnd, prefix), end, 'suffix'],
  ]
  for (const [from, to, zone] of bounds) if (from < to) each(from, to, zone)
}

/** Gives ids `clock` … of `client` the authors of the server's text from `at` on, for `length` characters. */
function copyRanges(
  ranges: readonly AuthoredText[],
  starts: readonly number[],
  into: IdAuthors,
  client: number,
  clock: number,
  at: number,
  length: number,
): void {
  let index = lastAtOrBefore(starts, at)
  let done = 0
  while (done < length) {
    const range = ranges[index] as AuthoredText
    const end = (starts[index] as number) + range.text.length
    const count = Math.min(length - done, end - (at + done))
    if (count > 0) into.set(client, clock + done, count, range.author)
    done += Math.max(count, 0)
    index++
  }
}

/** Copies what `from` knows of ids `clock` … `clock + length - 1` of `client` into `into`. */
function copy(from: IdAuthors, into: IdAuthors, client: number, clock: number, length: number): void {
  const end = clock + length
  for (let at = clock; at < end; ) {
    const found = from.at(client, at)
    const next = Math.min(found.end, end)
    if (found.known) into.set(client, at, next - at, found.author)
    at = next
  }
}

/** The index of the last start at or before `at` (starts are ascending, the first is 0). */
function lastAtOrBefore(starts: readonly number[], at: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if ((starts[middle] as number) <= at) low = middle
    else high = middle - 1
  }
  return low
}
