import {
  type AuthoredRange,
  type DocAuthor,
  type DocHistory,
  DocumentGone,
  DocumentTooLarge,
  type Located,
  StoreConflict,
  type SyncServer,
  toDocAuthor,
  type VersionInfo,
  VersionMissing,
  type VersionRef,
} from '@tandem/server'
import type { Context, Middleware } from 'koa'
import type { AccessPolicy } from './access-policy.js'
import {
  authorizeRequest,
  documentNameInPath,
  inTrashMessage,
  namedIdentity,
  oldNameMessage,
  readJsonBody,
  requestQuery,
  shortText,
} from './http-helpers.js'

/** Settings of the history API. */
export interface HistoryRoutesOptions {
  /** The access rules (the WebSocket endpoint's). @default everyone may read and write */
  policy?: AccessPolicy
}

/** The longest name a version takes, in characters after trimming. */
export const MAX_VERSION_LABEL = 100

const prefix = '/api/docs/'

/** One route of the history API: the path after `/api/docs/<name>/`, and the methods it answers. */
interface Route {
  readonly kind: 'versions' | 'version-text' | 'restore' | 'diff' | 'authorship'
  readonly methods: readonly string[]
  /** The version id as written in the path, for `version-text` and `restore`. */
  readonly id?: string
}

/** The route a path's parts after the document name lead to, or `null` when they are not the history API's. */
function routeOf(rest: readonly string[]): Route | null {
  const [first, id, last, ...more] = rest
  if (more.length > 0) return null
  if (first === 'versions' && id === undefined) return { kind: 'versions', methods: ['GET', 'POST'] }
  if (first === 'versions' && id !== undefined && last === 'text') return { kind: 'version-text', methods: ['GET'], id }
  if (first === 'versions' && id !== undefined && last === 'restore') return { kind: 'restore', methods: ['POST'], id }
  if ((first === 'diff' || first === 'authorship') && id === undefined) return { kind: first, methods: ['GET'] }
  return null
}

/**
 * Koa middleware serving a document's history, with the access rules and rate limit of the document API (read
 * access to look, write access to name or restore; old names followed when reading, answered 404 naming the new
 * name when writing):
 * - `GET /api/docs/:name/versions`: `{ versions }`, oldest first.
 * - `GET /api/docs/:name/versions/:id/text`: the text at a version, as `text/plain`.
 * - `GET /api/docs/:name/diff?from=<id|current>&to=<id|current>` (`to` defaults to `current`): `{ from, to, ranges }`.
 * - `GET /api/docs/:name/authorship`: `{ ranges }`, the current text with who wrote each range.
 * - `POST /api/docs/:name/versions` `{ label, name? }`: names the document as it is now; 201 with the version.
 * - `POST /api/docs/:name/versions/:id/restore` (optional body `{ name }`): makes a version the current text through
 *   an ordinary change by the caller; 201 with the `restore` version it adds.
 * `name` is the name of the person asking, recorded (marked unverified) where nothing vouches for one.
 * On a server that keeps no history every one answers 409 saying so. Other requests pass to the next middleware.
 */
export function historyRoutes(sync: SyncServer, options: HistoryRoutesOptions = {}): Middleware {
  const policy = options.policy
  return async (ctx, next) => {
    if (!ctx.path.startsWith(prefix)) return next()
    const [encoded = '', ...rest] = ctx.path.slice(prefix.length).split('/')
    const route = routeOf(rest)
    if (encoded === '' || route === null) return next()
    ctx.set('Cache-Control', 'no-store')
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method
    if (!route.methods.includes(method)) {
      const allow = route.methods.includes('GET') ? [...route.methods, 'HEAD'] : route.methods
      return ctx.throw(405, `${ctx.method} is not allowed on ${ctx.path}; use ${route.methods.join(' or ')}.`, {
        headers: { Allow: allow.join(', ') },
      })
    }
    const name = documentNameInPath(ctx, encoded)
    try {
      if (method === 'GET') await read(ctx, route, name)
      else await write(ctx, route, name)
    } catch (error) {
      answerHistoryError(ctx, error, name)
    }
  }

  async function read(ctx: Context, route: Route, name: string): Promise<void> {
    // As the document API reads: an old name leads to the document where it is now, decided there knowing the old name.
    const located = await sync.documents.locate(name)
    await authorizeRequest(ctx, sync, policy, located.name, 'read', located.movedFrom)
    const history = historyOf(ctx, located, name)
    if (located.info?.deletedAt) return ctx.throw(404, inTrashMessage(located.name))
    if (route.kind === 'versions') {
      ctx.body = { versions: (await history.versions()).map(versionJson) }
    } else if (route.kind === 'version-text') {
      const text = await history.textAt(versionId(ctx, route.id ?? ''))
      ctx.type = 'text/plain; charset=utf-8'
      ctx.body = text
    } else if (route.kind === 'diff') {
      const query = requestQuery(ctx)
      const from = versionRef(ctx, query, 'from')
      const to = versionRef(ctx, query, 'to') ?? 'current'
      if (from === null) return ctx.throw(400, '"from" is required: a version id or "current".')
      ctx.body = { from, to, ranges: (await history.diff(from, to)).map(rangeJson) }
    } else {
      const ranges = await history.authorship()
      ctx.body = { ranges: ranges.map(({ text, author }) => ({ text, author: authorJson(author) })) }
    }
  }

  async function write(ctx: Context, route: Route, name: string): Promise<void> {
    // As the document API writes: access is decided where the name leads now, and an old name is refused.
    const current = await sync.documents.follow(name)
    const requestedName = current === name ? null : name
    const grant = await authorizeRequest(ctx, sync, policy, current, 'write', requestedName)
    if (requestedName !== null) return ctx.throw(404, oldNameMessage(name, current))
    const located = await sync.documents.locate(name)
    const history = historyOf(ctx, located, name)
    if (located.info?.deletedAt) return ctx.throw(409, inTrashForWrites(name))
    if (sync.isClosing) return ctx.throw(503, 'The server is shutting down; send the request again in a moment.')
    if (route.kind === 'restore') {
      const id = versionId(ctx, route.id ?? '')
      // The body is optional here: `{ name }` at most.
      const body = ctx.get('Content-Type') ? await readJsonBody(ctx) : {}
      const identity = namedIdentity(ctx, grant.identity, body)
      ctx.status = 201
      ctx.body = versionJson(await history.restore(id, identity))
      return
    }
    const body = await readJsonBody(ctx)
    const label = versionLabel(ctx, body)
    const identity = namedIdentity(ctx, grant.identity, body)
    ctx.status = 201
    ctx.body = versionJson(await history.nameVersion(label, toDocAuthor(identity)))
  }

  /** The document's history, or the answer saying why there is none to show (history off, no such document). */
  function historyOf(ctx: Context, located: Located, asked: string): DocHistory {
    if (!sync.keepsHistory) {
      return ctx.throw(409, 'History is off on this server: its store keeps no history of documents.')
    }
    if (!located.info) return ctx.throw(404, `No document named "${asked}".`)
    return sync.history(located.name)
  }
}

/** Answers what the sync core refused with its status and message; rethrows anything else. */
function answerHistoryError(ctx: Context, error: unknown, name: string): never {
  if (error instanceof VersionMissing) return ctx.throw(404, error.message)
  if (error instanceof DocumentTooLarge) return ctx.throw(413, error.message)
  if (error instanceof StoreConflict && error.kind === 'missing') return ctx.throw(404, `No document named "${name}".`)
  if (error instanceof DocumentGone) {
    if (error.movedTo !== null) return ctx.throw(404, oldNameMessage(name, error.movedTo))
    return ctx.throw(409, inTrashForWrites(name))
  }
  throw error
}

/** `given` as a version id (a whole number from 1), or `null`. */
function parseVersionId(given: string): number | null {
  const id = /^\d{1,16}$/.test(given) ? Number(given) : Number.NaN
  return Number.isSafeInteger(id) && id >= 1 ? id : null
}

/** A version id from the path, or a 400 naming what was sent. */
function versionId(ctx: Context, given: string): number {
  return (
    parseVersionId(given) ??
    ctx.throw(400, `${quoted(given)} is not a version id: ids are whole numbers from 1 (list the versions).`)
  )
}

/** The query parameter `key` as a version id or `current`; `null` when it is absent. */
function versionRef(ctx: Context, query: URLSearchParams, key: 'from' | 'to'): VersionRef | null {
  const value = query.get(key)
  if (value === null) return null
  if (value === 'current') return 'current'
  return (
    parseVersionId(value) ??
    ctx.throw(400, `"${key}" must be a version id (a whole number from 1) or "current", not ${quoted(value)}.`)
  )
}

/** The version name from a JSON body: a string of 1 to {@link MAX_VERSION_LABEL} characters after trimming. */
function versionLabel(ctx: Context, body: Record<string, unknown>): string {
  if (body.label === undefined) return ctx.throw(400, 'The body needs "label": the name to give the version.')
  return shortText(ctx, 'label', body.label, {
    meaning: 'the name to give the version',
    ifEmpty: 'give the version a name',
    limitOf: "a version's name",
    max: MAX_VERSION_LABEL,
  })
}

/** A version as the API answers it: everything but its snapshot. */
function versionJson(version: VersionInfo) {
  return {
    id: version.id,
    kind: version.kind,
    label: version.label,
    by: authorJson(version.by),
    at: version.at.toISOString(),
    authors: version.authors.map(authorJson),
    inserted: version.inserted,
    deleted: version.deleted,
    restoredFrom: version.restoredFrom,
  }
}

function rangeJson(range: AuthoredRange) {
  return { type: range.type, text: range.text, author: authorJson(range.author) }
}

function authorJson(author: DocAuthor | null) {
  return author === null ? null : { id: author.id, name: author.name, verified: author.verified }
}

/** Something a person sent, quoted for an answer, and cut short when long. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
}

function inTrashForWrites(name: string): string {
  const restore = `/api/docs/${encodeURIComponent(name)}/restore`
  return `The document "${name}" is in the trash; restore it (POST ${restore}) to change its history.`
}
