import { patternsCover } from '@tandem/protocol'
import { AccessDenied, type AuthenticateRequest, type Authentication, type Hooks } from '@tandem/server'
import { TokenAuthority } from './access-tokens.js'
import type { TokenRevocations } from './token-revocations.js'

/**
 * The `authenticate` hook of Tandem's access tokens (`tandem serve --auth token`): every request needs a valid
 * token, from `Authorization: Bearer <token>` or the `token` query parameter; it opens the documents its `docs`
 * patterns cover, with its `access`, as the person its `sub` names, until it expires or, with `revocations`,
 * until its id is revoked (a revoked token is refused with 403). A request for an old name of a renamed document
 * (`requestedName`) is granted when the token covers the document's new name or names the old name exactly, and a
 * request for the new name when the token names an old one exactly (a link followed its document): see
 * {@link TokenAuthority.authorize} for why a pattern does not follow a document that moved out of it.
 */
export function tokenAuthentication(authority: TokenAuthority, revocations?: TokenRevocations): Hooks {
  return {
    async authenticate(request: AuthenticateRequest): Promise<Authentication> {
      const token = tokenFrom(request.headers, request.query)
      if (!token) throw new AccessDenied(401, 'a token is required')
      const grant = await authority.verify(token)
      await revocations?.check(grant)
      const name = request.documentName
      if (name !== null) {
        // A link made for an old name opens the document under its new name too (an editor that followed the
        // rename asks for that); only looked up when the token does not cover the name as it is.
        const followed =
          request.follow !== undefined &&
          !patternsCover(grant.docs, name) &&
          (await TokenAuthority.exactNamesLeadTo(grant, name, request.follow))
        TokenAuthority.authorize(grant, name, 'read', request.requestedName ?? null, followed)
      }
      return {
        access: grant.access,
        user: grant.subject,
        name: grant.name,
        expiresAt: grant.expiresAt,
        revocationKey: grant.id,
        covers: (name) => patternsCover(grant.docs, name),
      }
    },
  }
}

/** The token of a request: `Authorization: Bearer <token>`, or the `token` query parameter. */
export function tokenFrom(headers: AuthenticateRequest['headers'], query: URLSearchParams): string | null {
  const authorization = headerValue(headers.authorization)
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || null
  return query.get('token') || null
}

/** The first value of a header that may be repeated. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
