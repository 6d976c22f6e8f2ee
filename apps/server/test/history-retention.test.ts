/**
 * `--history-keep` in the real server process: history older than it is pruned from the SQLite file on the
 * server's own schedule (at start and then periodically), and the server logs what it pruned. Which history is
 * old enough, and that newer history stays, is shown with a controlled clock in packages/server's
 * history-retention test.
 */
import { join } from 'node:path'
import { startTandem, type TandemProcess, waitFor } from '@tandem/test-utils'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, expect, it } from 'vitest'

let server: TandemProcess
beforeAll(async () => {
  server = await startTandem({ args: ['--history-keep', '1s', '--version-pause', '1h', '--compact-after', '1'] })
})
afterAll(async () => {
  await server?.dispose()
})

/** The ids of the versions of `name` in the server's SQLite file, read with a connection of the test's own. */
function storedVersionIds(name: string): number[] {
  const db = new Database(join(server.dataDir, 'tandem.sqlite'), { readonly: true, fileMustExist: true })
  try {
    return db.prepare<[string], number>('SELECT id FROM versions WHERE name = ? ORDER BY id').pluck().all(name)
  } finally {
    db.close()
  }
}

it('prunes versions older than --history-keep from storage and logs it', async () => {
  const base = `${server.httpUrl}/api/docs/kept%2Fbriefly`
  const put = await fetch(`${base}/text`, {
    method: 'PUT',
    headers: { 'Content-Type': 'text/plain' },
    body: 'Soon old.',
  })
  expect(put.status).toBe(201)
  const named = await fetch(`${base}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ label: 'Short-lived' }),
  })
  expect(named.status).toBe(201)
  const { id } = (await named.json()) as { id: number }
  expect(storedVersionIds('kept/briefly')).toEqual([id])

  const logged = () =>
    server.logs.find((line) => line.msg === 'pruned history older than it is kept' && line.doc === 'kept/briefly')
  await waitFor(() => logged() !== undefined, 'the server to prune the version', 15_000)
  expect(logged()).toMatchObject({ doc: 'kept/briefly', versions: 1, bytes: expect.any(Number) })
  expect(storedVersionIds('kept/briefly')).toEqual([])
  const text = await fetch(`${base}/text`)
  expect(await text.text()).toBe('Soon old.')
})
