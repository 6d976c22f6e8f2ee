// Everything of @tandem/client, so that one import gives the session and the editor built on it.
export {
  type Access,
  ANONYMOUS,
  type AuthoredText,
  type AwarenessUser,
  type ConnectionStatus,
  clearOfflineCopy,
  createSession,
  DEFAULT_COLORS,
  DEFAULT_RECONNECT,
  type DocumentHistory,
  type DocumentHistoryOptions,
  defaultColor,
  documentHistory,
  type EditorError,
  type EditorErrorReason,
  type HistoryAuthor,
  type HistoryDiff,
  HistoryError,
  type HistoryRange,
  type HistoryRef,
  type HistoryVersion,
  type Listener,
  type LoadingProgress,
  MAX_NAME_LENGTH,
  type Peer,
  parseColor,
  peersOf,
  type ReconnectOptions,
  type Rgb,
  reconnectDelay,
  type Session,
  type SessionEvents,
  type SessionOptions,
  sanitizeName,
  type TokenSource,
  toHex,
  tokenAccess,
  type UserInfo,
  watchPeers,
} from '@tandem/client'
export { type AuthorColor, type AuthorshipConfig, authorship } from './authorship.js'
export { type CollabOptions, type CollabSource, collab } from './collab.js'
export {
  type AttachedEditor,
  type AuthorshipOptions,
  attachEditor,
  createEditor,
  type Editor,
  type EditorOptions,
  type ViewOptions,
} from './create-editor.js'
export { type FollowOptions, type FollowStopReason, followPeer } from './follow.js'
export {
  DEFAULT_LANGUAGE,
  LANGUAGES,
  type LanguageName,
  type LanguageOptions,
  language,
  resolveLanguage,
  setLanguage,
} from './language.js'
export { readOnly } from './read-only.js'
export { type RemoteCursorsConfig, remoteCursors } from './remote-cursors.js'
export { type EditorSetupOptions, editorSetup } from './setup.js'
export { setTheme, type ThemeName, theme } from './theme.js'
export { highlightingLimited } from './viewport-parse.js'
