import { encodeAwarenessMessage, writeAwarenessEntries } from '@tandem/protocol'
import { connectMany, type LiteClient } from './lite-client.js'

const watchers: LiteClient[] = []
const CLIENT_ID_BASE = 4_000_000

/**
 * People who are in a document without typing: protocol-level clients that sync, show an awareness state
 * (a name, a colour, no selection) and receive every change, as the rest of a ten-person room in the browser
 * scenario. Resolves once all are synced; returns how many failed.
 */
export async function openWatchers(options: {
  url: string
  room: string
  count: number
  serverSyncs: boolean
}): Promise<{ failed: number }> {
  const { clients, failed } = await connectMany(
    options.count,
    () => ({ url: options.url, room: options.room, serverSyncs: options.serverSyncs }),
    (client, index) =>
      client.send(
        encodeAwarenessMessage(
          writeAwarenessEntries([
            {
              clientId: CLIENT_ID_BASE + index,
              clock: 1,
              state: JSON.stringify({
                user: { name: `Watcher ${index + 1}`, color: '#8250df', colorLight: '#8250df33' },
                cursor: null,
              }),
            },
          ]),
        ),
      ),
  )
  for (const client of clients) if (client) watchers.push(client)
  return { failed }
}

/** Closes the watchers; returns how many frames they received in all. */
export function closeWatchers(): { frames: number } {
  let frames = 0
  for (const client of watchers.splice(0)) {
    frames += client.framesReceived
    client.close()
  }
  return { frames }
}
