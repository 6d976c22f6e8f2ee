import { describe, expect, it } from 'vitest'
import { ConfigError, readServeConfig } from './config.js'

describe('readServeConfig', () => {
  it('skips the `--` that `pnpm start -- --host 0.0.0.0` passes on', () => {
    const config = readServeConfig(['--', '--host', '0.0.0.0', '--auth', 'token'], { TANDEM_SECRET: 'x'.repeat(48) })
    expect(config.host).toBe('0.0.0.0')
    expect(config.auth).toBe('token')
  })

  it('reads --max-document-size as a size, 64 MiB when unset', () => {
    expect(readServeConfig(['--max-document-size', '2MiB'], {}).maxDocumentSize).toBe(2 * 1024 * 1024)
    expect(readServeConfig([], {}).maxDocumentSize).toBe(64 * 1024 * 1024)
  })

  it.each([
    [['--max-document-size', '0'], {}, '--max-document-size', '0'],
    [[], { TANDEM_MAX_DOCUMENT_SIZE: 'abc' }, 'TANDEM_MAX_DOCUMENT_SIZE', 'abc'],
  ])('refuses the document size limit %j %j with a sentence naming it', (args, env, name, value) => {
    const read = () => readServeConfig(args, env)
    expect(read).toThrow(ConfigError)
    expect(read).toThrow(`${name} must be a size of at least 1024 bytes, like 65536, 512KiB or 16MiB (got "${value}").`)
  })
})
