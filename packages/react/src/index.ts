export { useDoc, useError, useLoading, usePeers, useSaved, useSession, useStatus, useText } from './hooks.js'
export { type ProviderSessionOptions, TandemProvider, type TandemProviderProps } from './provider.js'
export { TandemEditor, type TandemEditorProps } from './tandem-editor.js'
