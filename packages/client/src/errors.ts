import { CloseCode, isRevokedReason, readDocumentSizeLimit } from '@tandem/protocol'

/** Why the editor raised an `error` event. */
export type EditorErrorReason =
  /** The server wants credentials and got none or invalid ones (close 4401, HTTP 401). */
  | 'unauthorized'
  /** The credentials do not grant access to this document (close 4403, HTTP 403). */
  | 'forbidden'
  /** The link (its token) was revoked: close 4403 with a reason saying so. Only a new link helps. */
  | 'revoked'
  /** The server refused the request as malformed, for example the document name (close 4400). */
  | 'bad-request'
  /** The document is over the server's size limit (close 4413). */
  | 'document-too-large'
  /** The document was deleted: it is in the trash, or gone for good (close 4410). Restoring it helps. */
  | 'deleted'
  /** The token expired (close 4440) and the `token` option is a fixed string, so no fresh one can be had. */
  | 'token-expired'
  /**
   * The server turned the connection away for now (close 4029): too many connection attempts or open documents
   * from this address, or too many messages. Not fatal: the editor tries again after a pause.
   */
  | 'rate-limited'
  /** The server refused the connection for good with another 44xx close code. */
  | 'refused'
  /** The `token` function threw or returned something other than a string. */
  | 'token'

/** The payload of the `error` event. */
export interface EditorError {
  reason: EditorErrorReason
  /** A sentence that says what happened, fit to show to a person. */
  message: string
  /** The WebSocket close code (4401, ...) or HTTP status (401, ...) behind the error, if any. */
  code?: number
  /**
   * `true` when the editor stopped connecting because retrying cannot help (access denied); call
   * `connect()` to try again, for example after signing in. `false` when it keeps retrying on its own.
   */
  fatal: boolean
  /** The underlying error, for the `token` reason. */
  cause?: unknown
}

/** The error for a close code in the permanent 4400-4499 range, or for 4029 (not fatal). @internal */
export function errorFromClose(code: number, reason: string): EditorError {
  const detail = reason ? ` The server said: ${reason}` : ''
  switch (code) {
    case CloseCode.rateLimited:
      return {
        reason: 'rate-limited',
        code,
        fatal: false,
        message: `The server is turning away connections from this address for now; trying again shortly.${detail}`,
      }
    case CloseCode.unauthorized:
      return {
        reason: 'unauthorized',
        code,
        fatal: true,
        message: `Access denied: sign in to open this document.${detail}`,
      }
    case CloseCode.forbidden:
      if (isRevokedReason(reason)) {
        return { reason: 'revoked', code, fatal: true, message: 'This link was revoked. Ask for a new one.' }
      }
      return {
        reason: 'forbidden',
        code,
        fatal: true,
        message: `Access denied: you may not open this document.${detail}`,
      }
    case CloseCode.badRequest:
      return {
        reason: 'bad-request',
        code,
        fatal: true,
        message: `The server refused the request as invalid.${detail}`,
      }
    case CloseCode.documentTooLarge:
      return {
        reason: 'document-too-large',
        code,
        fatal: true,
        message: documentTooLargeMessage(reason),
      }
    case CloseCode.documentDeleted:
      return {
        reason: 'deleted',
        code,
        fatal: true,
        message: 'This document was deleted. Someone who may edit it can restore it from the trash.',
      }
    case CloseCode.tokenExpired:
      return {
        reason: 'token-expired',
        code,
        fatal: true,
        message: `Access to this document has expired: sign in again to keep editing.${detail}`,
      }
    default:
      return { reason: 'refused', code, fatal: true, message: `The server refused the connection (${code}).${detail}` }
  }
}

/** What a person is told when their change was refused because the document reached the server's size limit. */
function documentTooLargeMessage(reason: string): string {
  const limit = readDocumentSizeLimit(reason)
  const named = limit === null ? '' : ` (${sizeText(limit)})`
  return `This document has reached the server's size limit${named}; your last change was not saved.`
}

/** A size as a person reads it: 64 MB, 512 KB, 300 bytes (in units of 1024, as the server's flags count them). */
function sizeText(bytes: number): string {
  const round = (value: number) => String(Math.round(value * 10) / 10)
  if (bytes >= 1024 * 1024) return `${round(bytes / (1024 * 1024))} MB`
  if (bytes >= 1024) return `${round(bytes / 1024)} KB`
  return `${bytes} bytes`
}

/** The error for an HTTP status that refused the WebSocket upgrade, or `null` if the status is not one. @internal */
export function errorFromHttpStatus(status: number): EditorError | null {
  if (status === 401) {
    return {
      reason: 'unauthorized',
      code: status,
      fatal: true,
      message: 'Access denied: sign in to open this document.',
    }
  }
  if (status === 403) {
    return { reason: 'forbidden', code: status, fatal: true, message: 'Access denied: you may not open this document.' }
  }
  return null
}

/** The error for a `token` function that failed. @internal */
export function errorFromToken(cause: unknown): EditorError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return {
    reason: 'token',
    fatal: false,
    cause,
    message: `Could not get an access token (${detail}); retrying.`,
  }
}
