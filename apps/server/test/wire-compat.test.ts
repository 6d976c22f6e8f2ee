import { connectClient, startTandem, type TandemProcess, type TestClient, waitFor } from '@tandem/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

let server: TandemProcess
const clients: TestClient[] = []
const connect = (...args: Parameters<typeof connectClient>) => {
  const client = connectClient(...args)
  clients.push(client)
  return client
}

beforeAll(async () => {
  server = await startTandem()
})
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})
afterAll(async () => {
  await server.dispose()
})

describe('a stock y-websocket client', () => {
  it('converges with another on concurrent edits', async () => {
    const a = connect(server.url, 'team/notes', { params: { any: 'thing' } })
    const b = connect(server.url, 'team/notes')
    await Promise.all([a.synced(), b.synced()])
    a.text.insert(0, 'Hello from A. ')
    b.text.insert(0, 'Hello from B. ')
    await waitFor(() => a.text.toString() === b.text.toString() && a.text.length === 28, 'both texts to converge')
    expect(a.text.toString()).toContain('Hello from A. ')
    expect(a.text.toString()).toContain('Hello from B. ')
  })
})
