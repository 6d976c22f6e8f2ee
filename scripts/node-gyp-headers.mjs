#!/usr/bin/env node
// Runs before `pnpm install` builds dependencies. better-sqlite3 compiles from source wherever its prebuilt
// binary cannot be downloaded, and node-gyp then downloads Node's headers as well. When this machine already
// has the headers of the running Node (Debian's and NodeSource's packages put them in /usr/include/node),
// this seeds node-gyp's header cache with them, exactly as a download would have, so no download is needed.
// It changes nothing when the cache already exists or the headers are missing or of another version.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const headers = '/usr/include/node'
const versionHeader = join(headers, 'node_version.h')
if (existsSync(versionHeader) && existsSync(join(headers, 'common.gypi'))) {
  const source = readFileSync(versionHeader, 'utf8')
  const part = (name) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(source)?.[1]
  const version = `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`
  const cacheRoot =
    process.env.npm_config_devdir || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'node-gyp')
  const cache = join(cacheRoot, version)
  if (`v${version}` === process.version && !existsSync(cache)) {
    try {
      mkdirSync(join(cache, 'include'), { recursive: true })
      symlinkSync(headers, join(cache, 'include', 'node'))
      // node-gyp's "installVersion": the layout of its header cache, which it checks before using one.
      writeFileSync(join(cache, 'installVersion'), '11\n')
      console.log(`Native modules will build against the Node ${version} headers in ${headers}.`)
    } catch (error) {
      console.warn(`Could not prepare node-gyp's header cache (${error.message}); it will download headers instead.`)
    }
  }
}
