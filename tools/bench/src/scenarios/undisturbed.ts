import { DISTURBED_CORES } from '../proc-meter.js'
import type { RunContext } from '../run-context.js'

/**
 * Runs a measurement, and runs it again (after a pause) while other processes on the machine took more than
 * {@link DISTURBED_CORES} during it: on a shared machine another user's tests must not pass for the server's
 * behaviour. At most three repeats (none in quick mode, which stays short); the last result stands, and reports
 * the disturbance.
 */
export async function undisturbed<T extends { otherCpuCores: number }>(
  ctx: RunContext,
  measure: () => Promise<T>,
): Promise<T> {
  let result = await measure()
  for (let repeat = 0; repeat < (ctx.options.quick ? 0 : 3) && result.otherCpuCores > DISTURBED_CORES; repeat++) {
    ctx.log(`    other processes used ${result.otherCpuCores.toFixed(2)} cores: measuring again`)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    result = await measure()
  }
  return result
}
