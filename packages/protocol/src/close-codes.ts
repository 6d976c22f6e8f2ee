/**
 * WebSocket close codes Tandem uses, in one place.
 *
 * The stock y-websocket client (3.x) treats 4400-4499 as permanent: it stops reconnecting and emits
 * `closed`. Every other code makes it reconnect with backoff. So a code in that range means "retrying cannot
 * help", and nothing that a reconnect could fix uses it.
 *
 * A connection that misses a heartbeat, or stops reading while more than the server's cap waits to be sent to
 * it, gets no close code: it is dropped without a closing handshake (the client sees 1006), since a close frame
 * would wait behind what it is not reading, or go to a peer that is gone.
 */
export const CloseCode = {
  /** The server is shutting down or restarting; reconnect later. (RFC 6455) */
  goingAway: 1001,
  /** A frame that is not a valid message: truncated, unknown message type, bad varint. (RFC 6455) */
  protocolError: 1002,
  /** A text frame; the protocol is binary only. (RFC 6455) */
  unsupportedData: 1003,
  /** A well-formed message whose Yjs update or awareness payload was rejected. (RFC 6455) */
  invalidPayload: 1007,
  /** The connection broke a rule of the server, such as changing another client's awareness. (RFC 6455) */
  policyViolation: 1008,
  /** A frame over the server's size cap. (RFC 6455) */
  messageTooBig: 1009,
  /** Something failed on the server's side (for example storage); reconnect later. (RFC 6455) */
  internalError: 1011,
  /**
   * Changes the client sent depend on content the server never received, and waited past the server's bound
   * on such pending content (its size or its age). Reconnecting syncs in full, which brings what was missing.
   */
  pendingUnresolved: 4002,
  /**
   * The connection sent more messages, bytes or sync requests than its budget allows; or, right after the
   * handshake, its address made too many connection attempts or has too many documents open (the reason says
   * which, and in how many seconds to try again). Reconnect after a pause.
   */
  rateLimited: 4029,
  /**
   * The document was renamed. The reason is its new name (when the name fits in a close reason's 123 bytes;
   * otherwise a sentence saying to ask `GET /api/docs/<old name>`), so an editor can follow it. Outside
   * 4400-4499 on purpose: a stock client reconnects to the old name, which leads to the renamed document.
   */
  documentMoved: 4308,
  /**
   * The request was not valid and will not become valid. Not sent by this server (it answers a bad document name
   * with HTTP 400 before the handshake); the editor tells it apart, for servers that send it.
   */
  badRequest: 4400,
  /** No valid credentials were presented. */
  unauthorized: 4401,
  /**
   * The credentials do not grant access to this document; also sent to an open connection whose token was
   * revoked, with the reason {@link REVOKED_LINK_REASON} or {@link REVOKED_TOKEN_REASON}.
   */
  forbidden: 4403,
  /**
   * The change would take the document past the server's size limit (`--max-document-size`): it was not applied,
   * stored or relayed, and the reason names the limit in bytes. Sending it again is refused again; the editor
   * tells it apart.
   */
  documentTooLarge: 4413,
  /**
   * An update or awareness state over one of the server's bounds (clocks, clients or structs per update,
   * the size of a presence state). The client would send it again on every reconnect, so retrying cannot help.
   */
  updateRefused: 4422,
  /**
   * The document is in the trash: its open connections are closed with this when it is deleted, and new ones
   * are refused with it until it is restored. Retrying cannot help until someone restores it.
   */
  documentDeleted: 4410,
  /** The token the connection was opened with expired; reconnect with a fresh one. */
  tokenExpired: 4440,
} as const

/** The longest close reason the WebSocket protocol allows, in bytes (a close frame's payload is at most 125). */
export const MAX_CLOSE_REASON = 123

/** Whether a stock y-websocket client gives up (does not reconnect) after this close code. */
export function isPermanentClose(code: number): boolean {
  return code >= 4400 && code < 4500
}

/** Why access was refused (the close reason with 4403, the HTTP 403 body) when the share link's token was revoked. */
export const REVOKED_LINK_REASON = 'this link was revoked'
/** Why access was refused when a token that is not a recorded share link was revoked (by the admin key). */
export const REVOKED_TOKEN_REASON = 'this token was revoked'

/** Whether a close reason (or an HTTP error's text) says that the token was revoked. */
export function isRevokedReason(reason: string): boolean {
  return reason.includes(REVOKED_LINK_REASON) || reason.includes(REVOKED_TOKEN_REASON)
}

/** The close reason with 4413: the document is, or a change would take it, over `limit` bytes. */
export function documentTooLargeReason(limit: number): string {
  return `the document is over the server's limit of ${limit} bytes; the change was not saved`
}

/** The limit, in bytes, that a 4413 close reason of {@link documentTooLargeReason} names, or `null` when it names none. */
export function readDocumentSizeLimit(reason: string): number | null {
  const match = /limit of (\d+) bytes/.exec(reason)
  return match ? Number(match[1]) : null
}
