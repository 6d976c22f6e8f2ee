export type { Access } from '@tandem/protocol'
export { DEFAULT_RECONNECT, type ReconnectOptions, reconnectDelay } from './backoff.js'
export { type CollabOptions, type CollabSource, collab } from './collab.js'
export { DEFAULT_COLORS, parseColor, type Rgb } from './colors.js'
export { createEditor, type Editor, type EditorOptions } from './create-editor.js'
export type { Listener } from './emitter.js'
export type { EditorError, EditorErrorReason } from './errors.js'
export {
  DEFAULT_LANGUAGE,
  LANGUAGES,
  type LanguageName,
  type LanguageOptions,
  language,
  resolveLanguage,
  setLanguage,
} from './language.js'
export { ANONYMOUS, MAX_NAME_LENGTH, sanitizeName } from './names.js'
export { clearOfflineCopy } from './offline.js'
export { type Peer, peersOf, watchPeers } from './peers.js'
export { readOnly } from './read-only.js'
export type { ConnectionStatus, TokenSource } from './reconnecting-socket.js'
export { type RemoteCursorsConfig, remoteCursors } from './remote-cursors.js'
export { createSession, type Session, type SessionEvents, type SessionOptions } from './session.js'
export { type EditorSetupOptions, editorSetup } from './setup.js'
export { setTheme, type ThemeName, theme } from './theme.js'
export { tokenAccess } from './token-access.js'
export type { AwarenessUser, UserInfo } from './user.js'
