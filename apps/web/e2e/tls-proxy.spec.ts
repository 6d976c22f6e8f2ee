// The web app as a self-hosted deployment serves it: behind the nginx block of docs/self-hosting.md, TLS and all
// (a self-signed certificate in place of Let's Encrypt's, loopback ports in place of 443 and 80).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { documentedNginxConfig, freePort, makeCertificate, startNginx } from '@tandem/test-utils'
import { expect, type Person, serverText, test } from './fixtures.js'

test('two people edit a document through nginx over https:// and wss://', async ({ openPerson, tandem, docName }) => {
  const certificateDir = await mkdtemp(join(tmpdir(), 'tandem-tls-'))
  const [port, redirectPort] = [await freePort(), await freePort()]
  const config = documentedNginxConfig('self-hosting.md', {
    port,
    redirectPort,
    upstreams: [tandem.port],
    tls: await makeCertificate(certificateDir),
  })
  const nginx = await startNginx(config, [port, redirectPort])
  const origin = `https://127.0.0.1:${port}`
  const people: Person[] = []
  try {
    const sockets: string[] = []
    for (const name of ['Ada Lovelace', 'Bob Kahn']) {
      const person = await openPerson({ name, origin, path: null })
      person.page.on('websocket', (socket) => sockets.push(socket.url()))
      await person.open(`/d/${docName}`)
      await expect(person.pill).toHaveText('Connected')
      people.push(person)
    }
    const [ada, bob] = people as [Person, Person]
    const socket = `wss://127.0.0.1:${port}/${docName}?tandem=saved`
    expect(sockets).toEqual([socket, socket])

    await ada.typeAtEnd('Typed over wss')
    await expect.poll(() => bob.text()).toBe('Typed over wss')
    await expect(ada.pill).toHaveText('All changes saved')
    expect(await serverText(tandem, docName)).toBe('Typed over wss')
  } finally {
    // The pages go before nginx does, so that they log no failed reconnection as a console error.
    for (const person of people) await person.context.close()
    await nginx.stop()
    await rm(certificateDir, { recursive: true, force: true })
  }
})
