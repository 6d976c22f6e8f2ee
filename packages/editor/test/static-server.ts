// The browser tests' static file server lives in @tandem/test-utils, shared with the benchmark page.
export { type StaticServer, startStaticServer } from '@tandem/test-utils'
