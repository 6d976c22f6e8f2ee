/**
 * A server that keeps no history answers every history route 409 saying so, and the document API beside it
 * still works.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SyncServer } from '@tandem/server'
import Koa from 'koa'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { syncRoutes } from '../src/koa-routes.js'

const sync = new SyncServer({ keepHistory: false })
const server = createServer(new Koa().use(syncRoutes(sync)).callback())
let base = ''

beforeAll(async () => {
  await sync.edit('plain', { key: 'ip:127.0.0.1', verified: false }, (text) => text.insert(0, 'No history here.'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/docs/plain`
})
afterAll(async () => {
  await sync.close()
  await new Promise((resolve) => server.close(resolve))
})

it('answers 409 "history is off" on every history route', async () => {
  const requests: [string, string, string?][] = [
    ['GET', '/versions'],
    ['GET', '/versions/1/text'],
    ['GET', '/diff?from=1&to=current'],
    ['GET', '/authorship'],
    ['POST', '/versions', '{"label":"Mine"}'],
    ['POST', '/versions/1/restore'],
  ]
  for (const [method, path, body] of requests) {
    const response = await fetch(`${base}${path}`, {
      method,
      body,
      headers: body ? { 'Content-Type': 'application/json' } : {},
    })
    expect([method, path, response.status, await response.text()]).toEqual([
      method,
      path,
      409,
      'History is off on this server: its store keeps no history of documents.',
    ])
  }
  const text = await fetch(`${base}/text`)
  expect(await text.text()).toBe('No history here.')
})
