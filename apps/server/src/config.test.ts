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

  it('reads the history timing and retention, with their defaults', () => {
    expect(readServeConfig([], {})).toMatchObject({ historyKeep: null, versionPause: 30_000, versionMax: 300_000 })
    const set = readServeConfig(['--history-keep', '90d', '--version-pause', '2m'], { TANDEM_VERSION_MAX: '1h' })
    expect(set).toMatchObject({ historyKeep: 90 * 86_400_000, versionPause: 120_000, versionMax: 3_600_000 })
    expect(readServeConfig([], { TANDEM_HISTORY_KEEP: 'forever' }).historyKeep).toBeNull()
  })

  it.each([
    [['--history-keep', 'soon'], '--history-keep must be forever or a duration like 90d, 12h or 30m (got "soon").'],
    [['--history-keep', '0'], '--history-keep must be forever or a duration like 90d, 12h or 30m (got "0").'],
    [['--version-pause', '0'], '--version-pause must be a duration from 1s to 24h, like 30s, 5m or 2h (got "0").'],
    [['--version-max', '2d'], '--version-max must be a duration from 1s to 24h, like 30s, 5m or 2h (got "2d").'],
  ])('refuses %j with a sentence naming the setting', (args, message) => {
    expect(() => readServeConfig(args, {})).toThrow(message)
  })
})
