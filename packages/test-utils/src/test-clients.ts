import { afterEach } from 'vitest'
import { connectClient, type TestClient } from './clients.js'
import { openRawClient, type RawClient } from './raw-client.js'

/**
 * `connectClient` and `openRawClient` for a test file, closing every client they made after each test. Call it
 * at the top level of the file.
 */
export function useTestClients() {
  const clients: TestClient[] = []
  const raws: RawClient[] = []
  const closeAll = () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const raw of raws.splice(0)) raw.ws.terminate()
  }
  afterEach(closeAll)
  return {
    /** Closes every client made so far, for a test that must stop them before it goes on. */
    closeAll,
    connect(...args: Parameters<typeof connectClient>): TestClient {
      const client = connectClient(...args)
      clients.push(client)
      return client
    },
    async openRaw(...args: Parameters<typeof openRawClient>): Promise<RawClient> {
      const raw = await openRawClient(...args)
      raws.push(raw)
      return raw
    },
  }
}
