import { randomUUID } from 'node:crypto'
import {
  type Access,
  docPatternError,
  isWildcard,
  MAX_TOKEN_PATTERNS,
  patternsCover,
  type TokenClaims,
  tokenIdError,
} from '@tandem/protocol'
import { AccessDenied } from '@tandem/server'
import { type CryptoKey, errors, importSPKI, type JWTPayload, jwtVerify, SignJWT } from 'jose'

/** What a verified token grants. */
export interface AccessGrant {
  /** The token's id (`jti`), by which it can be revoked; `null` for a token another service signed without one. */
  readonly id: string | null
  readonly subject: string
  readonly name: string | null
  readonly access: Access
  readonly docs: readonly string[]
  readonly expiresAt: Date
}

/** The keys tokens are checked with. */
export interface TokenKeys {
  /** A shared secret for HS256, at least 32 bytes; needed to mint tokens. */
  secret?: string | Uint8Array
  /** A PEM public key (SPKI) to verify tokens another service signs with RS256, ES256 or EdDSA. */
  publicKey?: string
}

const publicAlgorithms = ['RS256', 'ES256', 'EdDSA'] as const

/** The longest lifetime a minted token may have: one year. */
export const MAX_TOKEN_TTL_SECONDS = 365 * 24 * 3600

/**
 * Verifies and mints Tandem's access tokens: JWTs whose claims say who holds them, which documents they cover
 * and whether they may write (see `TokenClaims`). Only HS256 with the shared secret, or the public key's
 * algorithm, is accepted: `alg: none` and every other algorithm are refused.
 */
export class TokenAuthority {
  private constructor(
    private readonly secret: Uint8Array | null,
    private readonly publicKey: { key: CryptoKey; alg: string } | null,
  ) {}

  /** Prepares the keys; rejects with a sentence saying what is wrong with them. */
  static async create(keys: TokenKeys): Promise<TokenAuthority> {
    const secret = typeof keys.secret === 'string' ? new TextEncoder().encode(keys.secret) : (keys.secret ?? null)
    if (secret && secret.byteLength < 32) {
      throw new Error('The token secret must be at least 32 bytes long; generate one with `openssl rand -base64 48`.')
    }
    let publicKey: { key: CryptoKey; alg: string } | null = null
    if (keys.publicKey) {
      for (const alg of publicAlgorithms) {
        try {
          publicKey = { key: (await importSPKI(keys.publicKey, alg)) as CryptoKey, alg }
          break
        } catch {
          // Not a key of this algorithm; try the next.
        }
      }
      if (!publicKey) throw new Error('The public key is not a PEM (SPKI) RSA, P-256 or Ed25519 public key.')
    }
    if (!secret && !publicKey) throw new Error('Token authentication needs a secret or a public key.')
    return new TokenAuthority(secret, publicKey)
  }

  /** Whether this authority can mint tokens (it has the secret). */
  get canMint(): boolean {
    return this.secret !== null
  }

  /** Checks a token's signature, expiry and claims; throws {@link AccessDenied} (401) saying why it is refused. */
  async verify(token: string): Promise<AccessGrant> {
    if (token.length > 8192) throw new AccessDenied(401, 'the token is too long')
    let payload: JWTPayload | undefined
    let failure: unknown
    for (const [key, algorithms] of this.verifiers()) {
      try {
        payload = (await jwtVerify(token, key, { algorithms, requiredClaims: ['exp', 'sub'] })).payload
        break
      } catch (error) {
        failure = error
        // Only a signature mismatch means "maybe the other key"; anything else is final.
        if (!(error instanceof errors.JWSSignatureVerificationFailed) && !(error instanceof errors.JOSEAlgNotAllowed))
          break
      }
    }
    if (!payload) throw new AccessDenied(401, describeFailure(failure))
    return grantFrom(payload)
  }

  /**
   * Throws {@link AccessDenied} (403) unless `grant` allows `need` on the document `name`.
   *
   * `requestedName` is an old name of `name` that the request asked for (the server followed the rename). The
   * token then also opens the document when it names `requestedName` exactly: a share link, which names one
   * document, follows that document through renames until it is revoked or expires. `followed` says that the
   * caller found another name the token lists exactly that leads to `name` (see {@link exactNamesLeadTo}), as
   * when an editor that followed a rename asks for the new name with a link made for the old one. A pattern
   * (`team/*`, `*`) covers names, not documents: it opens a renamed document only where the document is now, so
   * moving a document out of `team/` takes it from every `team/*` token, also through its old names. A refusal
   * never names the new name: a token that did not cover the old name is told so, as if there had been no rename.
   */
  static authorize(
    grant: AccessGrant,
    name: string,
    need: Access,
    requestedName: string | null = null,
    followed = false,
  ): void {
    followed ||= requestedName !== null && grant.docs.includes(requestedName)
    if (!followed && !patternsCover(grant.docs, name)) {
      const asked = requestedName ?? name
      throw new AccessDenied(
        403,
        requestedName !== null && patternsCover(grant.docs, requestedName)
          ? `the document "${asked}" was renamed, and the token does not cover its new name`
          : `the token does not cover the document "${asked}"`,
      )
    }
    if (need === 'write' && grant.access !== 'write') throw new AccessDenied(403, 'the token only allows reading')
  }

  /**
   * Whether a name `grant` lists exactly (not a pattern) is an old name of the document `name`, by `follow` (the
   * sync server's, which reads renames from storage). Only asked when the token does not cover `name` itself.
   */
  static async exactNamesLeadTo(
    grant: AccessGrant,
    name: string,
    follow: (name: string) => Promise<string>,
  ): Promise<boolean> {
    for (const listed of grant.docs) {
      if (listed === name || isWildcard(listed)) continue
      if ((await follow(listed)) === name) return true
    }
    return false
  }

  /** Mints a token with these claims that expires after `ttlSeconds`, with a new random id (`jti`). */
  async mint(
    claims: Omit<TokenClaims, 'exp' | 'iat' | 'jti'>,
    ttlSeconds: number,
  ): Promise<{ token: string; id: string; expiresAt: Date }> {
    if (!this.secret) throw new Error('This server has no token secret, so it cannot mint tokens; set TANDEM_SECRET.')
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
      throw new Error(`A token lifetime must be from 1 second to ${MAX_TOKEN_TTL_SECONDS} seconds (one year).`)
    }
    const checked = checkClaims(claims)
    if (typeof checked === 'string') throw new Error(`Cannot mint this token: ${checked}.`)
    const now = Math.floor(Date.now() / 1000)
    const exp = now + ttlSeconds
    const id = randomUUID()
    const body: Record<string, unknown> = { docs: claims.docs, access: claims.access }
    if (claims.name) body.name = claims.name
    const token = await new SignJWT(body)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(id)
      .sign(this.secret)
    return { token, id, expiresAt: new Date(exp * 1000) }
  }

  private *verifiers(): Generator<[Uint8Array | CryptoKey, string[]]> {
    if (this.secret) yield [this.secret, ['HS256']]
    if (this.publicKey) yield [this.publicKey.key, [this.publicKey.alg]]
  }
}

function grantFrom(payload: JWTPayload): AccessGrant {
  const checked = checkClaims(payload)
  if (typeof checked === 'string') throw new AccessDenied(401, `the token's claims are not valid: ${checked}`)
  return {
    id: typeof payload.jti === 'string' ? payload.jti : null,
    subject: payload.sub as string,
    name: typeof payload.name === 'string' ? payload.name : null,
    access: payload.access as Access,
    docs: payload.docs as string[],
    expiresAt: new Date((payload.exp as number) * 1000),
  }
}

/** Returns what is wrong with a token's claims, or `true`. */
function checkClaims(claims: Record<string, unknown>): string | true {
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200) {
    return '"sub" must be a string of 1 to 200 characters'
  }
  if (claims.name !== undefined && (typeof claims.name !== 'string' || claims.name.length > 200)) {
    return '"name" must be a string of at most 200 characters'
  }
  if (claims.access !== 'read' && claims.access !== 'write') return '"access" must be "read" or "write"'
  if (claims.jti !== undefined) {
    const error = tokenIdError(claims.jti)
    if (error !== null) return `"jti": ${error}`
  }
  const docs = claims.docs
  if (!Array.isArray(docs) || docs.length === 0 || docs.length > MAX_TOKEN_PATTERNS) {
    return `"docs" must be a list of 1 to ${MAX_TOKEN_PATTERNS} document names or patterns`
  }
  for (const pattern of docs) {
    const error = typeof pattern === 'string' ? docPatternError(pattern) : 'a pattern is not a string'
    if (error !== null) return `"docs": ${error}`
  }
  return true
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid'
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm this server does not accept'
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's claims are not valid: ${error.message}`
  return 'the token is malformed'
}
