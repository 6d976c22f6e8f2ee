import Database from 'better-sqlite3'

/**
 * better-sqlite3's compiled part was built for another version of Node.js than the one running (Node.js was
 * upgraded after `pnpm install`, say). Its message says what to run; nothing in the database is wrong.
 */
export class NativeModuleMismatch extends Error {
  constructor(cause: Error) {
    const built = /using\s+NODE_MODULE_VERSION (\d+)/.exec(cause.message)?.[1]
    const needed = /requires\s+NODE_MODULE_VERSION (\d+)/.exec(cause.message)?.[1]
    super(
      `better-sqlite3 was built for another version of Node.js (module version ${built ?? '?'}; Node.js ` +
        `${process.version} needs ${needed ?? process.versions.modules}). Run \`pnpm install\` again with the ` +
        'Node.js that runs Tandem (or `pnpm rebuild better-sqlite3`), then start Tandem again.',
      { cause },
    )
    this.name = 'NativeModuleMismatch'
  }
}

/**
 * `new Database(path, options)`, which also loads better-sqlite3's compiled part on first use: a part built for
 * another Node.js is reported as a {@link NativeModuleMismatch} instead of Node's dlopen message.
 */
export function connect(path: string, options?: Database.Options): Database.Database {
  try {
    return new Database(path, options)
  } catch (error) {
    if (error instanceof Error && /NODE_MODULE_VERSION/.test(error.message)) throw new NativeModuleMismatch(error)
    throw error
  }
}
