import { docNameError } from '@tandem/protocol'
import { type DocAuthor, type DocInfo, StoreConflict, type SyncServer, toDocAuthor } from '@tandem/server'
import type { Context, Middleware } from 'koa'
import type { AccessPolicy } from './access-policy.js'
import {
  adminKeyMatches,
  authorizeRequest,
  documentNameInPath,
  inTrashMessage,
  oldNameMessage,
  readJsonBody,
  requestQuery,
} from './http-helpers.js'

/** Settings of the document API. */
export interface DocumentRoutesOptions {
  /** The access rules (the WebSocket endpoint's). @default everyone may read and write */
  policy?: AccessPolicy
  /** Serve `GET /api/docs` (the list); when `false` it answers 404 saying so. @default true */
  listDocuments?: boolean
  /** How long a document stays in the trash before it is purged, in days: only for `purgeAt` in answers. @default 30 */
  trashDays?: number
  /** The key `DELETE /api/docs/:name?permanent=1` needs (`Authorization: Bearer <key>`); without it, that is off. */
  adminKey?: string
  /**
   * Told of what the API did to documents as wholes, once storage has it (webhooks send these): a copy created
   * by duplicating, a document moved to the trash, one purged for good. @default nothing is told
   */
  onDocument?(event: DocumentEvent): void
}

/** What {@link DocumentRoutesOptions.onDocument} is told. */
export interface DocumentEvent {
  readonly type: 'created' | 'trashed' | 'purged'
  readonly name: string
  /** Who did it; `null` for a purge with the admin key. */
  readonly by: DocAuthor | null
}

/** The most documents one page of the list holds. */
export const MAX_LIST_LIMIT = 200
const DEFAULT_LIST_LIMIT = 50
const DAY_MS = 86_400_000
const prefix = '/api/docs'
const actions = new Set(['text', 'rename', 'restore', 'duplicate'])

/**
 * Koa middleware serving the document API:
 * - `GET /api/docs`: documents the request may open, with title, size, history size, last change and who made it;
 *   `q`, `sort`, `limit`, `offset`; `trash=1` for the trash. `public: true` says that the list was served without knowing
 *   who asked (no access control): anyone who can reach the server sees it.
 * - `GET /api/docs/:name`: one document's row; an old name answers 308 with the new one.
 * - `GET /api/docs/:name/text`: its `content` text (old names followed).
 * - `POST /api/docs/:name/rename` `{ to }`, `POST /api/docs/:name/duplicate` `{ to, title? }`,
 *   `DELETE /api/docs/:name` (to the trash; `?permanent=1` with the admin key purges), `POST /api/docs/:name/restore`.
 * Names are URL-encoded in the path (`team%2Fnotes`). Every request passes the rate limit and the sync server's
 * `authenticate` hooks: read access to read, write access to change (both names for a rename; for a duplicate,
 * read access to the source and write access to the copy).
 * `POST /api/docs/:name/share` and every other path pass to the next middleware.
 */
export function documentRoutes(sync: SyncServer, options: DocumentRoutesOptions = {}): Middleware {
  const policy = options.policy
  const trashDays = options.trashDays ?? 30

  const authorize = (ctx: Context, name: string | null, need: 'read' | 'write', requestedName: string | null = null) =>
    authorizeRequest(ctx, sync, policy, name, need, requestedName)

  const row = (doc: DocInfo) => ({
    name: doc.name,
    title: doc.title,
    size: doc.size,
    updatedAt: doc.updatedAt.toISOString(),
    updatedBy: doc.updatedBy,
    // Bytes its history takes beyond the content; `null` when the store keeps no history.
    historySize: doc.historySize ?? null,
    ...(doc.deletedAt
      ? {
          deletedAt: doc.deletedAt.toISOString(),
          deletedBy: doc.deletedBy,
          purgeAt: new Date(doc.deletedAt.getTime() + trashDays * DAY_MS).toISOString(),
        }
      : {}),
  })

  const list = async (ctx: Context) => {
    if (options.listDocuments === false) {
      return ctx.throw(404, 'The document list is turned off on this server (--list-documents off).')
    }
    const query = requestQuery(ctx)
    const trashed = flag(ctx, query, 'trash')
    const q = query.get('q')?.toLowerCase() ?? ''
    if (q.length > 200) return ctx.throw(400, '"q" must be at most 200 characters.')
    const sort = query.get('sort') ?? 'updated'
    if (sort !== 'updated' && sort !== 'name') return ctx.throw(400, '"sort" must be "updated" or "name".')
    const limit = whole(ctx, query, 'limit', 1, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT
    const offset = whole(ctx, query, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0
    const grant = await authorize(ctx, null, 'read')
    const matching = (await sync.listDocuments({ trashed })).filter(
      (doc) =>
        (grant.covers?.(doc.name) ?? true) &&
        (q === '' || doc.name.toLowerCase().includes(q) || (doc.title?.toLowerCase().includes(q) ?? false)),
    )
    if (sort === 'updated') {
      const when = (doc: DocInfo) => (trashed ? (doc.deletedAt as Date) : doc.updatedAt).getTime()
      matching.sort((a, b) => when(b) - when(a) || (a.name < b.name ? -1 : 1))
    }
    const page = matching.slice(offset, offset + limit)
    ctx.body = {
      documents: page.map(row),
      total: matching.length,
      nextOffset: offset + page.length < matching.length ? offset + page.length : null,
      // Decided without knowing who asked or limiting what they see: anyone who can reach the server sees this.
      public: grant.covers === undefined && !grant.identity.verified,
    }
  }

  return async (ctx, next) => {
    if (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) return next()
    const parts = ctx.path === prefix ? [] : ctx.path.slice(prefix.length + 1).split('/')
    const action = parts[1] ?? null
    // The share route is the token routes'.
    if (ctx.path.endsWith('/share')) return next()
    if (parts.length > 2 || (action !== null && !actions.has(action))) {
      return ctx.throw(404, `Use ${prefix}/<URL-encoded document name>, with "/" in the name written as %2F.`)
    }
    ctx.set('Cache-Control', 'no-store')
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method
    const allowed = parts.length === 0 || action === 'text' ? ['GET'] : action === null ? ['GET', 'DELETE'] : ['POST']
    if (!allowed.includes(method)) {
      const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed
      return ctx.throw(405, `${ctx.method} is not allowed on ${ctx.path}; use ${allowed.join(' or ')}.`, {
        headers: { Allow: allow.join(', ') },
      })
    }
    if (parts.length === 0) return list(ctx)
    const name = documentNameInPath(ctx, parts[0] as string)

    if (method === 'GET') {
      // An old name leads to the document where it is now, and access is decided there, knowing the old name (a
      // link made for it still opens the document).
      const located = await sync.documents.locate(name)
      await authorize(ctx, located.name, 'read', located.movedFrom)
      if (action === 'text') {
        // A document open in an editor has text before anything of it is stored.
        if (located.info?.deletedAt) return ctx.throw(404, inTrashMessage(located.name))
        const text = await sync.getText(located.name)
        if (text === null) return ctx.throw(404, `No document named "${name}".`)
        ctx.type = 'text/plain; charset=utf-8'
        ctx.body = text
        return
      }
      if (!located.info) return ctx.throw(404, `No document named "${name}".`)
      if (located.movedFrom !== null) {
        ctx.status = 308
        ctx.set('Location', `${prefix}/${encodeURIComponent(located.name)}`)
      }
      ctx.body = { ...row(located.info), ...(located.movedFrom !== null ? { movedFrom: located.movedFrom } : {}) }
      return
    }

    if (method === 'DELETE' && flag(ctx, requestQuery(ctx), 'permanent')) {
      if (!options.adminKey) {
        return ctx.throw(
          403,
          'Permanent deletion needs the admin key, and this server has none (set TANDEM_ADMIN_KEY).',
        )
      }
      if (!adminKeyMatches(ctx, options.adminKey)) {
        policy?.limits.failed(ctx.ip)
        return ctx.throw(401, 'Permanent deletion needs the admin key (send Authorization: Bearer <admin key>).', {
          headers: { 'WWW-Authenticate': 'Bearer' },
        })
      }
      if (!(await sync.documents.purge(name))) return ctx.throw(404, `No document named "${name}".`)
      options.onDocument?.({ type: 'purged', name, by: null })
      ctx.body = { name, purged: true }
      return
    }

    // Duplicating reads the source and writes the copy; everything else changes the document itself.
    const grant = await authorize(ctx, name, action === 'duplicate' ? 'read' : 'write')
    const by: DocAuthor = toDocAuthor(grant.identity)
    try {
      if (method === 'DELETE') {
        await refuseOldName(ctx, sync, name)
        await sync.documents.trash(name, by)
        options.onDocument?.({ type: 'trashed', name, by })
        const info = await sync.store.info(name)
        ctx.body = info ? row(info) : { name }
      } else if (action === 'restore') {
        await sync.documents.restore(name)
        const info = await sync.store.info(name)
        ctx.body = info ? row(info) : { name }
      } else {
        const body = await readJsonBody(ctx)
        if (body.to === undefined) return ctx.throw(400, 'The body needs "to": the new document name.')
        if (typeof body.to !== 'string') return ctx.throw(400, '"to" must be a string: the new document name.')
        const invalid = docNameError(body.to)
        if (invalid !== null) return ctx.throw(400, `"to" is not a valid document name: ${invalid}.`)
        const to = body.to
        if (to === name) return ctx.throw(400, `"to" is the document's own name, "${name}".`)
        let title: string | null = null
        if (action === 'duplicate' && body.title !== undefined) {
          if (typeof body.title !== 'string' || body.title.length > 200) {
            return ctx.throw(400, '"title" must be a string of at most 200 characters.')
          }
          title = body.title
        }
        await authorize(ctx, to, 'write')
        await refuseOldName(ctx, sync, name)
        if (action === 'rename') await sync.documents.rename(name, to)
        else {
          await sync.documents.duplicate(name, to, title, by)
          options.onDocument?.({ type: 'created', name: to, by })
        }
        const info = await sync.store.info(to)
        ctx.status = action === 'duplicate' ? 201 : 200
        ctx.set('Location', `${prefix}/${encodeURIComponent(to)}`)
        ctx.body = info ? row(info) : { name: to }
      }
    } catch (error) {
      if (!(error instanceof StoreConflict)) throw error
      if (error.kind === 'missing') {
        const info = await sync.store.info(error.documentName)
        return ctx.throw(404, info?.deletedAt ? inTrashMessage(error.documentName) : error.message)
      }
      const message =
        error.kind === 'trashed'
          ? `${inTrashMessage(error.documentName)}; restore it (POST ${prefix}/${encodeURIComponent(error.documentName)}/restore) or pick another name.`
          : error.message
      return ctx.throw(409, message)
    }
  }
}

/** Changes go to a document by its current name: an old name answers 404 naming the new one. */
async function refuseOldName(ctx: Context, sync: SyncServer, name: string): Promise<void> {
  const located = await sync.documents.locate(name)
  if (located.movedFrom !== null) {
    ctx.throw(404, oldNameMessage(name, located.name))
  }
}

/** A yes/no query parameter: absent, `0`/`false` or `1`/`true`. */
function flag(ctx: Context, query: URLSearchParams, key: string): boolean {
  const value = query.get(key)
  if (value === null || value === '0' || value === 'false') return false
  if (value === '1' || value === 'true') return true
  return ctx.throw(400, `"${key}" must be 1 or 0.`)
}

/** A whole-number query parameter from `min` to `max`, `null` when absent. */
function whole(ctx: Context, query: URLSearchParams, key: string, min: number, max: number): number | null {
  const value = query.get(key)
  if (value === null) return null
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    return ctx.throw(400, `"${key}" must be a whole number from ${min} to ${max}.`)
  }
  return number
}
