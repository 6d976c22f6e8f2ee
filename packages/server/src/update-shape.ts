import * as decoding from 'lib0/decoding'

/** Bounds on one Yjs update (v1 encoding) that the server takes from a client. */
export interface UpdateBounds {
  /** The highest clock a struct may reach (its clock plus its length) and an ID or delete range may name. */
  readonly maxClock: number
  /** The most clients whose structs or deletions one update may carry. */
  readonly maxClients: number
  /** The most structs one update may carry (delete ranges count too). */
  readonly maxStructs: number
}

/** Lower than 2^53 with room to grow: a client's clocks never approach what lib0 can read back. */
export const MAX_CLOCK = 2 ** 40

/** What the walk found: the update's size in clients and structs, or why it is refused. */
export type UpdateShape =
  | {
      readonly ok: true
      /** Distinct clients with structs or delete ranges. */
      readonly clients: number
      /** Structs plus delete ranges. */
      readonly structs: number
      /**
       * Whether applying the update to an EMPTY document would leave nothing pending: every client's structs
       * start at clock 0 with no Skip struct, every origin / right origin / parent ID names a clock below the
       * end of that client's structs in this same update, and every delete range ends at or below that end
       * (a deleted client with no structs here is not self-contained). The walk sees no cycles: structs of two
       * clients that each name the other's are reported self-contained, though Yjs leaves them pending.
       */
      readonly selfContained: boolean
    }
  | {
      readonly ok: false
      /** true: the bytes are not a valid update at all; false: valid, but over a bound. */
      readonly malformed: boolean
      /**
       * A sentence fragment naming what was wrong, e.g. `client 7 reaches clock 9007199254740993, past the bound
       * of 1099511627776` or `the update carries more than 1000 clients`.
       */
      readonly reason: string
    }

/**
 * How deep values may nest, in lib0's any encoding (ContentAny, a subdocument's options) and in JSON (embeds,
 * format attributes, ContentJSON). lib0 reads and writes values by recursion, so a deep enough one overflows the
 * stack; JSON.parse copes, but JSON.stringify overflows (at 200,000 levels, 400 kB of brackets, on Node 20) when
 * the server encodes the document for the next client.
 */
const MAX_DEPTH = 64

// The bits of a struct's info byte (Yjs's `Item.write`): the content kind, then which IDs and keys follow.
const CONTENT_KIND = 0b11111
const HAS_PARENT_SUB = 0b100000
const HAS_RIGHT_ORIGIN = 0b1000000
const HAS_ORIGIN = 0b10000000

// The bytes of JSON's syntax that matter for its nesting.
const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d

/** Thrown inside the walk to stop at the first problem, and caught by {@link inspectUpdate}. */
class Refusal {
  constructor(readonly shape: UpdateShape) {}
}

const overBound = (reason: string) => new Refusal({ ok: false, malformed: false, reason })
const malformed = (reason: string) => new Refusal({ ok: false, malformed: true, reason })

/**
 * Walks a Yjs update (v1 encoding, as y-websocket sends it) without applying it, and checks it against `bounds`:
 * it reads what `Y.applyUpdate` reads, in the same order, but skips strings and buffers by their length and keeps
 * nothing per struct. It stops at the first bound exceeded and never throws: bytes Yjs cannot read are
 * `malformed`; bytes Yjs reads are never called malformed (they may be over a bound).
 *
 * `ok` does not promise that `Y.applyUpdate` succeeds: Yjs also throws on invalid UTF-8 or JSON, on a
 * subdocument without options, and while integrating structs whose IDs name structs that cannot take them (a
 * client's own later struct, for one), sometimes after integrating the structs before them.
 */
export function inspectUpdate(update: Uint8Array, bounds: UpdateBounds): UpdateShape {
  const walk = new UpdateWalk(update, bounds)
  try {
    return walk.run()
  } catch (error) {
    if (error instanceof Refusal) return error.shape
    // lib0 throws when a number runs past the end of the update or past 2^53: Yjs fails on it the same way.
    const why = error instanceof Error ? error.message : String(error)
    return { ok: false, malformed: true, reason: `it cannot be read at byte ${walk.decoder.pos} (${why})` }
  }
}

/** One walk over one update: the counts so far, and what self-containment still depends on. */
class UpdateWalk {
  readonly decoder: decoding.Decoder
  private clients = 0
  private structs = 0
  private selfContained = true
  /** The clock each client's structs reach (0 for a client only deleted from), by client id. */
  private readonly ends = new Map<number, number>()
  /**
   * For clients not yet seen, the highest clock an ID of an earlier struct names in them: Yjs writes the
   * clients with higher ids first, and an origin often names a lower one. Created when needed; it stops growing
   * past `maxClients` clients, since more than that cannot all turn up.
   */
  private needs: Map<number, number> | null = null

  constructor(
    update: Uint8Array,
    private readonly bounds: UpdateBounds,
  ) {
    this.decoder = decoding.createDecoder(update)
  }

  run(): UpdateShape {
    this.readStructs()
    this.readDeleteSet()
    // Trailing bytes after the delete set are ignored, as Yjs ignores them.
    return { ok: true, clients: this.clients, structs: this.structs, selfContained: this.selfContained }
  }

  /** Yjs's `readClientsStructRefs`: per client, its structs from a starting clock. */
  private readStructs(): void {
    const decoder = this.decoder
    const sections = decoding.readVarUint(decoder)
    if (!(sections <= this.bounds.maxClients)) throw this.tooManyClients()
    for (let i = 0; i < sections; i++) {
      const count = decoding.readVarUint(decoder)
      if (!(count <= this.bounds.maxStructs - this.structs)) throw this.tooManyStructs()
      const client = this.client(decoding.readVarUint(decoder))
      let clock = decoding.readVarUint(decoder)
      // Yjs keeps only the last section of a client: a repeated one drops the structs before it.
      if (this.ends.has(client)) this.selfContained = false
      else if (count > 0) this.addClient()
      if (count === 0) continue
      if (clock !== 0) this.selfContained = false
      for (let j = 0; j < count; j++) clock = this.readStruct(client, clock)
      this.structs += count
      this.ends.set(client, clock)
    }
    if (this.needs !== null && this.selfContained) {
      for (const [client, clock] of this.needs) {
        if (!(clock < (this.ends.get(client) ?? 0))) this.selfContained = false
      }
    }
  }

  /** One struct of `client` at `clock`; returns the clock it reaches. */
  private readStruct(client: number, clock: number): number {
    const decoder = this.decoder
    if (decoder.pos >= decoder.arr.length) throw malformed(`client ${client}'s structs stop at the end of the update`)
    const info = decoder.arr[decoder.pos++] as number
    const kind = info & CONTENT_KIND
    let length: number
    if (kind === 0 || kind === 10) {
      // GC and Skip are a length alone; a Skip stands for structs this update does not carry.
      length = decoding.readVarUint(decoder)
      if (kind === 10) this.selfContained = false
    } else {
      if (info & HAS_ORIGIN) this.readId(client, clock)
      if (info & HAS_RIGHT_ORIGIN) this.readId(client, clock)
      if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
        // Without origins, the parent is written out: a root type's name, or the ID of the item holding it.
        if (decoding.readVarUint(decoder) === 1) this.skipBytes()
        else this.readId(client, clock)
        if (info & HAS_PARENT_SUB) this.skipBytes()
      }
      length = this.readContent(kind)
    }
    const end = clock + length
    if (!(end <= this.bounds.maxClock)) {
      throw overBound(`client ${client} reaches clock ${end}, past the bound of ${this.bounds.maxClock}`)
    }
    return end
  }

  /** An origin, right origin or parent ID in a struct of `client` at `clock`. */
  private readId(client: number, clock: number): void {
    const named = this.client(decoding.readVarUint(this.decoder))
    const at = decoding.readVarUint(this.decoder)
    if (!(at <= this.bounds.maxClock)) {
      throw overBound(
        `client ${client} names clock ${at} of client ${named}, past the bound of ${this.bounds.maxClock}`,
      )
    }
    if (!this.selfContained) return
    if (named === client) {
      // The client's own earlier structs are in; a later one would be integrated after the struct naming it.
      if (!(at < clock)) this.selfContained = false
      return
    }
    const end = this.ends.get(named)
    if (end !== undefined) {
      if (!(at < end)) this.selfContained = false
      return
    }
    this.needs ??= new Map()
    const needed = this.needs.get(named)
    if (needed === undefined || at > needed) this.needs.set(named, at)
    if (this.needs.size > this.bounds.maxClients) this.selfContained = false
  }

  /** Yjs's `readItemContent` for content `kind`; returns the content's length in clocks. */
  private readContent(kind: number): number {
    const decoder = this.decoder
    switch (kind) {
      case 1: // ContentDeleted
        return decoding.readVarUint(decoder)
      case 2: {
        // ContentJSON: one JSON string per entry.
        const count = decoding.readVarUint(decoder)
        for (let i = 0; i < count; i++) this.skipJson()
        return count
      }
      case 3: // ContentBinary
        this.skipBytes()
        return 1
      case 4: // ContentString
        return this.readStringLength()
      case 5: // ContentEmbed
        this.skipJson()
        return 1
      case 6: // ContentFormat: a key, then a JSON value.
        this.skipBytes()
        this.skipJson()
        return 1
      case 7: {
        // ContentType: which type; an XML element and an XML hook carry a name.
        const type = decoding.readVarUint(decoder)
        if (type === 3 || type === 5) this.skipBytes()
        else if (!(type <= 6)) throw malformed(`a struct holds a type of unknown kind ${type}`)
        return 1
      }
      case 8: {
        // ContentAny: one lib0 any-encoded value per entry.
        const count = decoding.readVarUint(decoder)
        for (let i = 0; i < count; i++) this.skipAny(0)
        return count
      }
      case 9: // ContentDoc: the subdocument's guid, then its options.
        this.skipBytes()
        this.skipAny(0)
        return 1
      default:
        throw malformed(`a struct holds content of unknown kind ${kind}`)
    }
  }

  /** Skips one lib0 any-encoded value (lib0's `readAny`) nested in `depth` arrays or objects. */
  private skipAny(depth: number): void {
    const decoder = this.decoder
    if (decoder.pos >= decoder.arr.length) throw malformed('a value stops at the end of the update')
    const tag = decoder.arr[decoder.pos++] as number
    switch (tag) {
      case 127: // undefined
      case 126: // null
      case 121: // false
      case 120: // true
        return
      case 125: // integer
        decoding.readVarInt(decoder)
        return
      case 124: // float32
        this.skipFixed(4)
        return
      case 123: // float64
      case 122: // bigint64
        this.skipFixed(8)
        return
      case 119: // string
      case 116: // Uint8Array
        this.skipBytes()
        return
      case 118: {
        // object: key, value, key, value…
        if (depth >= MAX_DEPTH) throw this.tooDeep()
        const count = decoding.readVarUint(decoder)
        for (let i = 0; i < count; i++) {
          this.skipBytes()
          this.skipAny(depth + 1)
        }
        return
      }
      case 117: {
        // array
        if (depth >= MAX_DEPTH) throw this.tooDeep()
        const count = decoding.readVarUint(decoder)
        for (let i = 0; i < count; i++) this.skipAny(depth + 1)
        return
      }
      default:
        throw malformed(`a value has unknown type tag ${tag}`)
    }
  }

  /** Skips a JSON string, checking how deep its arrays and objects nest (bytes, not text: JSON's syntax is ASCII). */
  private skipJson(): void {
    const { arr } = this.decoder
    const length = this.skipBytes()
    const end = this.decoder.pos
    let depth = 0
    let inString = false
    for (let i = end - length; i < end; i++) {
      const byte = arr[i] as number
      if (inString) {
        if (byte === BACKSLASH) i++
        else if (byte === QUOTE) inString = false
      } else if (byte === QUOTE) {
        inString = true
      } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
        if (++depth > MAX_DEPTH) throw this.tooDeep()
      } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
        depth--
      }
    }
  }

  /**
   * Skips ContentString's string and returns its length as Yjs counts it, in UTF-16 code units: one per UTF-8
   * sequence, two for the 4-byte ones (outside the BMP, a surrogate pair). The byte length would do for the
   * bounds, but not for self-containment: an ID naming a clock between the true end and the byte length would
   * pass here and leave Yjs waiting. Yjs rejects invalid UTF-8, so counting lead bytes is exact for what it takes.
   */
  private readStringLength(): number {
    const { arr } = this.decoder
    const length = this.skipBytes()
    const end = this.decoder.pos
    let units = length
    for (let i = end - length; i < end; i++) {
      const byte = arr[i] as number
      if ((byte & 0xc0) === 0x80) units--
      else if (byte >= 0xf0) units++
    }
    return units
  }

  /** Skips a varuint-prefixed string or buffer, checking it lies inside the update; returns its length. */
  private skipBytes(): number {
    const decoder = this.decoder
    const length = decoding.readVarUint(decoder)
    if (!(length <= decoder.arr.length - decoder.pos)) {
      throw malformed(`a string or buffer of ${length} bytes runs past the end of the update`)
    }
    decoder.pos += length
    return length
  }

  private skipFixed(length: number): void {
    const decoder = this.decoder
    if (!(length <= decoder.arr.length - decoder.pos)) throw malformed('a number runs past the end of the update')
    decoder.pos += length
  }

  /** Yjs's `readAndApplyDeleteSet`: per client, ranges of clocks deleted. */
  private readDeleteSet(): void {
    const decoder = this.decoder
    const entries = decoding.readVarUint(decoder)
    if (!(entries <= this.bounds.maxClients)) throw this.tooManyClients()
    for (let i = 0; i < entries; i++) {
      const client = this.client(decoding.readVarUint(decoder))
      const count = decoding.readVarUint(decoder)
      if (!(count <= this.bounds.maxStructs - this.structs)) throw this.tooManyStructs()
      if (count === 0) continue
      let end = this.ends.get(client)
      if (end === undefined) {
        this.addClient()
        this.selfContained = false
        end = 0
        this.ends.set(client, end)
      }
      for (let j = 0; j < count; j++) {
        const clock = decoding.readVarUint(decoder)
        const reach = clock + decoding.readVarUint(decoder)
        if (!(reach <= this.bounds.maxClock)) {
          throw overBound(
            `a delete range of client ${client} reaches clock ${reach}, past the bound of ${this.bounds.maxClock}`,
          )
        }
        if (reach > end) this.selfContained = false
      }
      this.structs += count
    }
  }

  /** Checks a client id read from the update: lib0 reads ids past 2^53 (inexactly), Infinity and NaN too. */
  private client(id: number): number {
    if (!(id <= Number.MAX_SAFE_INTEGER)) {
      throw overBound(`client ${id} is past the largest safe integer, ${Number.MAX_SAFE_INTEGER}`)
    }
    return id
  }

  private addClient(): void {
    if (++this.clients > this.bounds.maxClients) throw this.tooManyClients()
  }

  private tooManyClients(): Refusal {
    return overBound(`the update carries more than ${this.bounds.maxClients} clients`)
  }

  private tooManyStructs(): Refusal {
    return overBound(`the update carries more than ${this.bounds.maxStructs} structs`)
  }

  private tooDeep(): Refusal {
    return overBound(`content nested deeper than ${MAX_DEPTH} levels`)
  }
}
