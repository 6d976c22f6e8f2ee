/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Where the sync server is, when it is not the page's own origin: a ws(s):// URL or a path such as /_tandem. */
  readonly VITE_TANDEM_SERVER?: string
}
