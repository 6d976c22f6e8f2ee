/**
 * The raw broadcaster: a `ws` server that relays every binary frame to the other clients of the same room (the
 * URL path) and does nothing else: no Yjs, no state, no persistence. It is the practical upper limit for a
 * Node sync server on the machine, and every figure of the benchmarks is also given as a ratio to it.
 *
 * Run: `node raw-broadcaster.js --port N [--host 127.0.0.1]`. It prints `listening on PORT` when ready.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'

const args = process.argv.slice(2)
const option = (name: string, fallback: string): string => {
  const index = args.indexOf(`--${name}`)
  return index === -1 ? fallback : (args[index + 1] ?? fallback)
}

const rooms = new Map<string, Set<WebSocket>>()
const http = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end('raw broadcaster\n')
})
// The same settings as the servers it is compared with: no compression, a 16 MiB frame limit.
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })

wss.on('connection', (ws, request) => {
  const name = (request.url ?? '/').split('?')[0] as string
  let room = rooms.get(name)
  if (!room) {
    room = new Set()
    rooms.set(name, room)
  }
  const members = room
  members.add(ws)
  ws.on('message', (data, isBinary) => {
    for (const other of members) if (other !== ws) other.send(data, { binary: isBinary })
  })
  ws.on('close', () => {
    members.delete(ws)
    if (members.size === 0) rooms.delete(name)
  })
  ws.on('error', () => {})
})

// A clean exit on SIGTERM, so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))

http.listen(Number(option('port', '0')), option('host', '127.0.0.1'), () => {
  console.log(`listening on ${(http.address() as AddressInfo).port}`)
})
