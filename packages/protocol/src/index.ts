export {
  type Access,
  docPatternError,
  MAX_TOKEN_ID_LENGTH,
  MAX_TOKEN_PATTERNS,
  patternCovers,
  patternsCover,
  type TokenClaims,
  tokenIdError,
} from './access.js'
export {
  CloseCode,
  isPermanentClose,
  isRevokedReason,
  REVOKED_LINK_REASON,
  REVOKED_TOKEN_REASON,
} from './close-codes.js'
export { type DocNameResult, docNameError, docNameFromPath, MAX_DOC_NAME_LENGTH } from './doc-name.js'
export {
  decodeInstanceMessage,
  encodeInstanceAwareness,
  encodeInstanceCommitted,
  encodeInstanceSyncReply,
  encodeInstanceSyncRequest,
  encodeInstanceUpdate,
  type InstanceMessage,
  instanceAwareness,
  instanceCommitted,
  instanceSyncReply,
  instanceSyncRequest,
  instanceUpdate,
  MalformedInstanceMessage,
} from './instance-messages.js'
export {
  EXTENSIONS_PARAM,
  type Extension,
  messageAwareness,
  messageQueryAwareness,
  messageSaved,
  messageSync,
  parseExtensions,
  syncStep1,
  syncStep2,
  syncUpdate,
} from './message-types.js'
export {
  type AwarenessEntry,
  type ClientMessage,
  encodeAwarenessMessage,
  encodeQueryAwarenessMessage,
  encodeSavedMessage,
  encodeSyncStep1Message,
  encodeSyncStep2Message,
  encodeUpdateMessage,
  isDocumentChangingMessage,
  isEmptyUpdate,
  MalformedMessage,
  type Message,
  readAwarenessEntries,
  readClientMessage,
  readMessage,
  writeAwarenessEntries,
} from './messages.js'
export { SavedTracker } from './saved-tracker.js'
