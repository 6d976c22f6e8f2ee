import { type Access, docPatternError } from '@tandem/protocol'
import { parseDuration, TokenAuthority } from '@tandem/server-koa'
import { ConfigError } from './config.js'
import { readSecrets } from './secrets.js'

const help = `Usage: tandem token --doc <pattern> [--doc <pattern> ...] [options]

Prints a signed access token for a Tandem server started with --auth token. The token goes to stdout alone,
so \`TOKEN=$(tandem token ...)\` works; its expiry goes to stderr.

Options:
  --doc <pattern>      A document it covers: an exact name, prefix/* for everything under prefix/, or *.
                       Repeat for more.
  --access <access>    read or write. [default read]
  --name <name>        The holder's display name.
  --sub <id>           The holder's id. [default: the name, else "cli"]
  --ttl <duration>     Lifetime: seconds, or 30m, 12h, 7d, 2w (at most a year). [default 7d]
  --secret-file <path> File holding the secret [or env TANDEM_SECRET, TANDEM_SECRET_FILE]
  -h, --help           Show this help.`

/** `tandem token`: mints a token with the server's secret. Returns the exit status. */
export async function runTokenCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    console.log(help)
    return 0
  }
  try {
    const options = parse(args)
    const secrets = await readSecrets(
      { secretFile: options.secretFile ?? (env.TANDEM_SECRET_FILE || null), publicKeyFile: null, adminKeyFile: null },
      env,
    )
    if (!secrets.secret) throw new ConfigError('no secret: set TANDEM_SECRET or pass --secret-file.')
    const authority = await TokenAuthority.create({ secret: secrets.secret }).catch((error: Error) => {
      throw new ConfigError(error.message)
    })
    const { token, expiresAt } = await authority.mint(
      {
        sub: options.sub ?? options.name ?? 'cli',
        ...(options.name ? { name: options.name } : {}),
        docs: options.docs,
        access: options.access,
      },
      options.ttl,
    )
    console.log(token)
    console.error(`${options.access} access to ${options.docs.join(', ')}, until ${expiresAt.toISOString()}`)
    return 0
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`tandem token: ${error.message} Run "tandem token --help" for the options.`)
    return 2
  }
}

interface TokenOptions {
  docs: string[]
  access: Access
  name: string | null
  sub: string | null
  ttl: number
  secretFile: string | null
}

function parse(args: string[]): TokenOptions {
  const options: TokenOptions = { docs: [], access: 'read', name: null, sub: null, ttl: 7 * 86_400, secretFile: null }
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string
    const value = args[i + 1]
    if (!flag.startsWith('--')) throw new ConfigError(`unexpected argument "${flag}".`)
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`${flag} needs a value.`)
    i++
    switch (flag) {
      case '--doc': {
        const error = docPatternError(value)
        if (error !== null) throw new ConfigError(`--doc: ${error}.`)
        options.docs.push(value)
        break
      }
      case '--access':
        if (value !== 'read' && value !== 'write')
          throw new ConfigError(`--access must be read or write (got "${value}").`)
        options.access = value
        break
      case '--name':
        options.name = value
        break
      case '--sub':
        options.sub = value
        break
      case '--ttl': {
        const ttl = parseDuration(value)
        if (ttl === null) throw new ConfigError(`--ttl must be a duration like 3600, 30m, 12h or 7d (got "${value}").`)
        options.ttl = ttl
        break
      }
      case '--secret-file':
        options.secretFile = value
        break
      default:
        throw new ConfigError(`unknown option "${flag}".`)
    }
  }
  if (options.docs.length === 0) throw new ConfigError('say which documents the token covers with --doc.')
  return options
}
