import { existsSync } from 'node:fs'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from '@playwright/test'
import { hasTaskset, LOAD_CORE } from '../pinning.js'
import type { RunContext } from '../run-context.js'

/** Chromium as the browser scenarios find it: $CHROMIUM_PATH, else Debian's; null when there is none. */
export function chromiumExecutable(): string | null {
  return (
    [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
      (path) => path && existsSync(path),
    ) ?? null
  )
}

/** Launches Chromium on the load generator's core, with nothing throttling its background pages. */
export async function launchChromium(ctx: RunContext, executable: string): Promise<Browser> {
  const { chromium } = await import('@playwright/test')
  return chromium.launch({
    executablePath: await pinnedExecutable(ctx, executable),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // Background pages must not be throttled: most of the people here are not the focused window.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
  })
}

/** Chromium on the load generator's core: a wrapper script that execs it under taskset. */
async function pinnedExecutable(ctx: RunContext, executable: string): Promise<string> {
  if (!ctx.options.pin || !hasTaskset()) return executable
  const wrapper = join(ctx.outDir, 'chromium-pinned.sh')
  await writeFile(wrapper, `#!/bin/sh\nexec taskset -c ${LOAD_CORE} '${executable}' "$@"\n`)
  await chmod(wrapper, 0o755)
  return wrapper
}
