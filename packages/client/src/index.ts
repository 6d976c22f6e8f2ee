export type { Access } from '@tandem/protocol'
export { DEFAULT_RECONNECT, type ReconnectOptions, reconnectDelay } from './backoff.js'
export { DEFAULT_COLORS, defaultColor, parseColor, type Rgb, toHex } from './colors.js'
export type { Listener } from './emitter.js'
export type { EditorError, EditorErrorReason } from './errors.js'
export {
  type AuthoredText,
  type DocumentHistory,
  type DocumentHistoryOptions,
  documentHistory,
  type HistoryAuthor,
  type HistoryDiff,
  HistoryError,
  type HistoryRange,
  type HistoryRef,
  type HistoryVersion,
} from './history.js'
export { ANONYMOUS, MAX_NAME_LENGTH, sanitizeName } from './names.js'
export { clearOfflineCopy } from './offline.js'
export { type Peer, peersOf, watchPeers } from './peers.js'
export type { ConnectionStatus, TokenSource } from './reconnecting-socket.js'
export {
  createSession,
  type LoadingProgress,
  type Session,
  type SessionEvents,
  type SessionOptions,
} from './session.js'
export { tokenAccess } from './token-access.js'
export type { AwarenessUser, UserInfo } from './user.js'
