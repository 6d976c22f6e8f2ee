import { DocumentGone, DocumentTooLarge, type SyncServer } from '@tandem/server'
import diff from 'fast-diff'
import type { Context, Middleware } from 'koa'
import type * as Y from 'yjs'
import type { AccessPolicy } from './access-policy.js'
import { authorizeRequest, documentNameInPath, oldNameMessage } from './http-helpers.js'

/** The largest body a write takes by default: 1 MiB. */
export const DEFAULT_MAX_WRITE_SIZE = 1024 * 1024

/** Settings of the write routes. */
export interface WriteRoutesOptions {
  /** The access rules (the WebSocket endpoint's): the per-IP rate limit and failures. @default none */
  policy?: AccessPolicy
  /** The largest request body, in bytes; a larger one is answered 413. @default {@link DEFAULT_MAX_WRITE_SIZE} */
  maxWriteSize?: number
}

/** One change of a PATCH: replace `from`..`to` (UTF-16 code units of the text before the patch) with `insert`. */
interface TextChange {
  readonly from: number
  readonly to: number
  readonly insert: string
}

/** A write refused once the document's text is known (a bad position, a stale `baseLength`): nothing was written. */
class WriteRefused extends Error {
  constructor(
    readonly status: 409 | 422,
    message: string,
  ) {
    super(message)
  }
}

const docsPrefix = '/api/docs/'
const routes = [
  { suffix: '/text', methods: ['PUT', 'PATCH'] },
  { suffix: '/append', methods: ['POST'] },
] as const

/**
 * Koa middleware of the document write API, with the access rules of the WebSocket endpoint (the `authenticate`
 * hooks; read access is refused with 403) and the policy's per-IP rate limit:
 * - `PUT /api/docs/:name/text` (`text/plain`): replaces the text, as the smallest diff (a Myers diff, so that
 *   people editing keep their cursors and their concurrent edits merge); 201 when it created the document.
 * - `POST /api/docs/:name/append` (`text/plain`): appends text.
 * - `PATCH /api/docs/:name/text` (`application/json`): `{ "changes": [{ "from", "to", "insert" }], "baseLength"? }`,
 *   positions in UTF-16 code units of the text before the patch; 422 for a bad change, 409 when the text is not
 *   `baseLength` long.
 * Each write is an ordinary change through {@link SyncServer.edit}, by the authenticated caller, answered once it
 * is stored, with `{ name, length }` (the text's length after it). Other requests pass to the next middleware.
 */
export function writeRoutes(sync: SyncServer, options: WriteRoutesOptions = {}): Middleware {
  const policy = options.policy
  const maxSize = options.maxWriteSize ?? DEFAULT_MAX_WRITE_SIZE
  return async (ctx, next) => {
    const path = ctx.path
    const route = path.startsWith(docsPrefix) ? routes.find((r) => path.endsWith(r.suffix)) : undefined
    if (!route || path.length <= docsPrefix.length + route.suffix.length) return next()
    if (!(route.methods as readonly string[]).includes(ctx.method)) {
      // GET of /text is the read route's.
      if (route.suffix === '/text') return next()
      return ctx.throw(405, `${ctx.method} is not allowed on ${path}; use POST.`, { headers: { Allow: 'POST' } })
    }
    ctx.set('Cache-Control', 'no-store')
    const encoded = path.slice(docsPrefix.length, -route.suffix.length)
    if (encoded.includes('/')) return ctx.throw(404, `Use /api/docs/<URL-encoded document name>${route.suffix}.`)
    const name = documentNameInPath(ctx, encoded)

    // Access is decided for the document where the name leads now, as for reading it; a write still goes to a
    // document by its current name, so an old name is then answered 404 naming the new one.
    const current = await sync.documents.follow(name)
    const requestedName = current === name ? null : name
    const grant = await authorizeRequest(ctx, sync, policy, current, 'write', requestedName)
    if (requestedName !== null) return ctx.throw(404, oldNameMessage(name, current))

    let change: (text: Y.Text) => void
    // What the change may add to the document, for its size limit: never more than the body's bytes.
    let adds: number
    if (ctx.method === 'PATCH') {
      const body = await readBody(ctx, 'application/json', maxSize)
      const patch = parsePatch(ctx, body)
      change = (text) => applyPatch(text, patch.changes, patch.baseLength)
      adds = Buffer.byteLength(body)
    } else {
      const body = await readBody(ctx, 'text/plain', maxSize)
      change = ctx.method === 'PUT' ? (text) => replaceText(text, body) : (text) => text.insert(text.length, body)
      adds = Buffer.byteLength(body)
    }
    if (sync.isClosing) return ctx.throw(503, 'The server is shutting down; send the write again in a moment.')
    let outcome: { result: number; existed: boolean; changed: boolean }
    try {
      let changed = false
      const edited = await sync.edit(
        name,
        grant.identity,
        (text) => {
          const before = text.toString()
          change(text)
          changed = text.toString() !== before
          return text.length
        },
        adds,
      )
      outcome = { ...edited, changed }
    } catch (error) {
      if (error instanceof WriteRefused) return ctx.throw(error.status, error.message)
      if (error instanceof DocumentTooLarge) return ctx.throw(413, error.message)
      if (error instanceof DocumentGone) {
        // Changes go to a document by its current name, as in the rest of the document API.
        if (error.movedTo !== null) return ctx.throw(404, oldNameMessage(name, error.movedTo))
        const restore = `/api/docs/${encodeURIComponent(name)}/restore`
        return ctx.throw(409, `The document "${name}" is in the trash; restore it (POST ${restore}) to write to it.`)
      }
      throw error
    }
    // Created: it was not there, and now something of it is stored.
    ctx.status = !outcome.existed && outcome.changed ? 201 : 200
    ctx.body = { name, length: outcome.result }
  }
}

/** Replaces `text` by `next` with the smallest set of deletions and insertions, so that what stays keeps its items. */
function replaceText(text: Y.Text, next: string): void {
  let index = 0
  for (const [op, part] of diff(text.toString(), next)) {
    if (op === diff.EQUAL) {
      index += part.length
    } else if (op === diff.DELETE) {
      text.delete(index, part.length)
    } else {
      text.insert(index, part)
      index += part.length
    }
  }
}

/** Applies checked, sorted, non-overlapping changes, from the last to the first so positions stay valid. */
function applyPatch(text: Y.Text, changes: readonly TextChange[], baseLength: number | null): void {
  const length = text.length
  if (baseLength !== null && baseLength !== length) {
    throw new WriteRefused(
      409,
      `The text is ${length} code units long, not baseLength ${baseLength}: it changed since you read it. Read it again and resend.`,
    )
  }
  for (const [index, change] of changes.entries()) {
    if (change.to > length) {
      throw new WriteRefused(
        422,
        `Change ${describe(change, index)}: "to" is past the end of the text (${length} UTF-16 code units).`,
      )
    }
  }
  for (let i = changes.length - 1; i >= 0; i--) {
    const { from, to, insert } = changes[i] as TextChange
    if (to > from) text.delete(from, to - from)
    if (insert !== '') text.insert(from, insert)
  }
}

function describe(change: TextChange, index: number): string {
  return `${index} (from ${change.from}, to ${change.to})`
}

/** Reads and checks a PATCH body's shape; answers 400 (not JSON) or 422 (a bad field) naming what is wrong. */
function parsePatch(ctx: Context, body: string): { changes: TextChange[]; baseLength: number | null } {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch (error) {
    return ctx.throw(400, `The body is not valid JSON: ${(error as Error).message}.`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return ctx.throw(422, 'The body must be a JSON object: { "changes": [{ "from", "to", "insert" }] }.')
  }
  const { changes, baseLength, ...rest } = parsed as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) {
    return ctx.throw(422, `Unknown field ${JSON.stringify(unknown[0])}; a patch has "changes" and "baseLength".`)
  }
  if (!Array.isArray(changes)) return ctx.throw(422, '"changes" must be an array of { "from", "to", "insert" }.')
  if (baseLength !== undefined && !isPosition(baseLength)) {
    return ctx.throw(422, `"baseLength" must be a whole number of at least 0 (got ${JSON.stringify(baseLength)}).`)
  }
  const checked: (TextChange & { index: number })[] = []
  for (const [index, entry] of changes.entries()) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return ctx.throw(422, `Change ${index} must be an object { "from", "to", "insert" }.`)
    }
    const { from, to, insert = '', ...extra } = entry as Record<string, unknown>
    const problem =
      Object.keys(extra).length > 0
        ? `unknown field ${JSON.stringify(Object.keys(extra)[0])}`
        : !isPosition(from)
          ? `"from" must be a whole number of at least 0 (got ${JSON.stringify(from)})`
          : !isPosition(to)
            ? `"to" must be a whole number of at least 0 (got ${JSON.stringify(to)})`
            : to < from
              ? `"to" (${to}) is before "from" (${from})`
              : typeof insert !== 'string'
                ? `"insert" must be a string (got ${JSON.stringify(insert)})`
                : null
    if (problem !== null) return ctx.throw(422, `Change ${index}: ${problem}.`)
    checked.push({ from: from as number, to: to as number, insert: insert as string, index })
  }
  // Stable: insertions at one position keep the order they were given in.
  checked.sort((a, b) => a.from - b.from || a.to - b.to)
  for (let i = 1; i < checked.length; i++) {
    const previous = checked[i - 1] as TextChange & { index: number }
    const current = checked[i] as TextChange & { index: number }
    if (current.from < previous.to) {
      return ctx.throw(
        422,
        `Change ${describe(current, current.index)} overlaps change ${describe(previous, previous.index)}.`,
      )
    }
  }
  return { changes: checked, baseLength: baseLength === undefined ? null : (baseLength as number) }
}

function isPosition(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * Reads the body as UTF-8 text of media type `type`; answers 415 (another type or charset), 413 (past
 * `maxSize` bytes) or 400 (not UTF-8).
 */
async function readBody(ctx: Context, type: 'text/plain' | 'application/json', maxSize: number): Promise<string> {
  if (ctx.request.type !== type) {
    const got = ctx.request.type === '' ? 'no Content-Type' : ctx.request.type
    return ctx.throw(415, `Send the body as ${type}; charset=utf-8 (got ${got}).`)
  }
  const charset = ctx.request.charset
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    return ctx.throw(415, `Send the body in UTF-8 (charset=utf-8), not ${charset}.`)
  }
  const tooLarge = () =>
    ctx.throw(413, `The body is larger than ${maxSize} bytes, the most this server takes in one write.`)
  if (ctx.request.length !== undefined && ctx.request.length > maxSize) return tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > maxSize) return tooLarge()
    chunks.push(chunk)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks))
  } catch {
    return ctx.throw(400, 'The body is not valid UTF-8.')
  }
}
