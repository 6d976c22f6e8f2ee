/**
 * @tandem/client is the part of Tandem's browser code that works without an editor: nothing it loads, directly or
 * through its dependencies, may be CodeMirror (or its parser, Lezer, or the Yjs binding to it).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build, type Rolldown } from 'vite'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const editorOnly = /@codemirror|@lezer|y-codemirror/

/**
 * Every module the package's entry imports, directly or not, lazily loaded ones (the offline copy) included.
 * Without tree-shaking, so that an import whose exports go unused still counts: the package's built files would
 * still import it.
 */
async function bundledModules(): Promise<string[]> {
  const result = await build({
    configFile: false,
    root: packageDir,
    logLevel: 'silent',
    // As an app bundles it: workspace packages from their sources, browser builds of the dependencies.
    resolve: { conditions: ['source', 'module', 'browser', 'production'] },
    build: {
      write: false,
      minify: false,
      lib: { entry: 'src/index.ts', formats: ['es'] },
      rolldownOptions: { treeshake: false },
    },
  })
  const output = (Array.isArray(result) ? result[0] : result) as Rolldown.RolldownOutput
  return output.output.flatMap((item) => (item.type === 'chunk' ? Object.keys(item.modules) : []))
}

describe('@tandem/client loads no editor', () => {
  it('imports no CodeMirror module, directly or through a dependency', async () => {
    const modules = await bundledModules()
    // The bundle does hold the client's own dependencies, so an empty or broken bundle cannot pass.
    for (const dependency of ['/yjs/', '/y-websocket/', '/y-indexeddb/', '/protocol/src/']) {
      expect(
        modules.some((id) => id.includes(dependency)),
        dependency,
      ).toBe(true)
    }
    expect(modules.filter((id) => editorOnly.test(id))).toEqual([])
  })

  it('declares no CodeMirror dependency', async () => {
    const manifest = JSON.parse(await readFile(`${packageDir}package.json`, 'utf8')) as Record<string, unknown>
    const names = ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
      Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}),
    )
    expect(names.filter((name) => editorOnly.test(name))).toEqual([])
  })
})
