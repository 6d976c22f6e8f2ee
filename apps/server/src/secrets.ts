import { readFile } from 'node:fs/promises'
import { ConfigError, type ServeConfig } from './config.js'

/** The secrets the server needs, read from the environment or from files (never from flags: `ps` shows flags). */
export interface Secrets {
  /** The HS256 token secret: TANDEM_SECRET, else the contents of --secret-file. */
  secret: string | null
  /** A PEM public key for tokens another service signs: the contents of --public-key-file. */
  publicKey: string | null
  /** The admin key: TANDEM_ADMIN_KEY, else the contents of --admin-key-file. */
  adminKey: string | null
  /** The secret that signs webhook deliveries: TANDEM_WEBHOOK_SECRET, else the contents of --webhook-secret-file. */
  webhookSecret: string | null
}

/** Reads the secrets; a missing or unreadable file is a {@link ConfigError} naming it. */
export async function readSecrets(
  config: Pick<ServeConfig, 'secretFile' | 'publicKeyFile' | 'adminKeyFile'> &
    Partial<Pick<ServeConfig, 'webhookSecretFile'>>,
  env: NodeJS.ProcessEnv,
): Promise<Secrets> {
  return {
    secret: env.TANDEM_SECRET || (await readSecretFile(config.secretFile, '--secret-file')),
    publicKey: await readSecretFile(config.publicKeyFile, '--public-key-file'),
    adminKey: env.TANDEM_ADMIN_KEY || (await readSecretFile(config.adminKeyFile, '--admin-key-file')),
    webhookSecret:
      env.TANDEM_WEBHOOK_SECRET || (await readSecretFile(config.webhookSecretFile ?? null, '--webhook-secret-file')),
  }
}

async function readSecretFile(path: string | null, setting: string): Promise<string | null> {
  if (path === null) return null
  let contents: string
  try {
    contents = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`${setting}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error}).`)
  }
  const value = contents.trim()
  if (value === '') throw new ConfigError(`${setting}: ${path} is empty.`)
  return value
}
