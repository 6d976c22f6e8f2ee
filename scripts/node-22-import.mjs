// Loaded with `node --import` when the tests run Tandem on Node 22 (scripts/node-22.mjs): the import of
// `better-sqlite3` resolves to the copy built for Node 22 (the directory in TANDEM_BETTER_SQLITE3), since the one in
// node_modules is built for the Node that ran `pnpm install`. Everything else resolves as usual.
import { register } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const dir = process.env.TANDEM_BETTER_SQLITE3
if (!dir) throw new Error('TANDEM_BETTER_SQLITE3 must name the better-sqlite3 built for this Node.js')
const target = pathToFileURL(join(dir, 'lib', 'index.js')).href
const hooks = `export async function resolve(specifier, context, next) {
  return specifier === 'better-sqlite3' ? { url: ${JSON.stringify(target)}, format: 'commonjs', shortCircuit: true } : next(specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)
