import { describe, expect, it } from 'vitest'
import { readServeConfig } from './config.js'

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
})
