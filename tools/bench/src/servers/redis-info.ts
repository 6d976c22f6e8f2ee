import { connect } from 'node:net'

/**
 * Asks a Redis server for `INFO <section>` over a plain TCP connection (RESP, no client library) and resolves
 * to its fields: `process_id` and `redis_version` from the `server` section, say.
 */
export function redisInfo(port: number, section = 'server', host = '127.0.0.1'): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host)
    let reply = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`Redis on port ${port} did not answer INFO within 5 s.`))
    }, 5000)
    socket.on('connect', () => socket.write(`INFO ${section}\r\n`))
    socket.on('data', (chunk) => {
      reply = Buffer.concat([reply, chunk])
      // A bulk string: `$<length>\r\n<length bytes>\r\n`.
      const header = reply.indexOf('\r\n')
      if (header < 0) return
      const head = reply.subarray(0, header).toString()
      if (!head.startsWith('$')) {
        clearTimeout(timer)
        socket.destroy()
        reject(new Error(`Redis answered INFO with "${head}".`))
        return
      }
      const length = Number(head.slice(1))
      if (reply.length < header + 2 + length) return
      clearTimeout(timer)
      socket.end()
      const fields: Record<string, string> = {}
      for (const line of reply
        .subarray(header + 2, header + 2 + length)
        .toString()
        .split('\r\n')) {
        const colon = line.indexOf(':')
        if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1)
      }
      resolve(fields)
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}
