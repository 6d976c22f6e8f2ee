import { spawn } from 'node:child_process'
import { repoRoot, tandemCli } from './server-process.js'

/** What a test token grants. */
export interface TestTokenOptions {
  /** Document names or `prefix/*` patterns. */
  docs: string[]
  access: 'read' | 'write'
  /** Lifetime, as `tandem token --ttl` takes it. @default '1h' */
  ttl?: string
  name?: string
}

/** Mints a token with the real `tandem token` command and the server's `secret`. */
export function mintToken(secret: string, options: TestTokenOptions): Promise<string> {
  const args = tandemCli('token')
  for (const doc of options.docs) args.push('--doc', doc)
  args.push('--access', options.access, '--ttl', options.ttl ?? '1h')
  if (options.name) args.push('--name', options.name)
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, TANDEM_SECRET: secret } })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  child.stderr.on('data', (chunk) => {
    err += chunk
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    // 'close', not 'exit': what the process printed may still be on its way through the pipe when it exits.
    child.once('close', (code) => {
      if (code === 0) resolve(out.trim())
      else reject(new Error(`tandem token exited with ${code}: ${err.trim()}`))
    })
  })
}
