// The load process: runs the simulated clients on its own core, driven by the orchestrator over IPC.
import { loadHandlers } from './handlers.js'
import { setProgressSink } from './progress.js'

interface Request {
  id: number
  method: keyof typeof loadHandlers
  args: unknown[]
}

const send = (message: unknown) => process.send?.(message)
setProgressSink((line) => send({ progress: line }))

process.on('message', async (request: Request) => {
  try {
    const handler = loadHandlers[request.method] as (...args: unknown[]) => unknown
    if (typeof handler !== 'function') throw new Error(`The load process has no method "${request.method}".`)
    send({ id: request.id, result: await handler(...request.args) })
  } catch (error) {
    send({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
})
// The orchestrator going away (a crash, Ctrl-C) closes the channel: nothing is left running.
process.on('disconnect', () => process.exit(0))
