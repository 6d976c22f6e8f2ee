// The web app as a self-hosted deployment serves it: behind the nginx block of docs/self-hosting.md, TLS and all
// (a self-signed certificate in place of Let's Encrypt's, loopback ports in place of 443 and 80). Chromium reaches
// it by a name that is not localhost, on a port other than 443, as people do: the server's localhost exception
// to its origin check does not apply, so the page's origin must match the Host that nginx passes on.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { documentedNginxConfig, freePort, makeCertificate, startNginx } from '@tandem/test-utils'
import { test as base, expect, type Person, serverText } from './fixtures.js'

/** The site's name: in the certificate, and resolved to 127.0.0.1 by this file's Chromium only. */
const siteName = 'tandem.test'

const test = base.extend({
  launchOptions: [
    async ({ launchOptions }, use) => {
      const args = [...(launchOptions.args ?? []), `--host-resolver-rules=MAP ${siteName} 127.0.0.1`]
      await use({ ...launchOptions, args })
    },
    { scope: 'worker' },
  ],
})

test('two people edit a document through nginx over https:// and wss://', { tag: '@slow' }, async ({
  openPerson,
  tandem,
  docName,
}) => {
  const certificateDir = await mkdtemp(join(tmpdir(), 'tandem-tls-'))
  const [port, redirectPort] = [await freePort(), await freePort()]
  const config = documentedNginxConfig('self-hosting.md', {
    port,
    redirectPort,
    upstreams: [tandem.port],
    tls: await makeCertificate(certificateDir, [siteName]),
  })
  const nginx = await startNginx(config, [port, redirectPort])
  const origin = `https://${siteName}:${port}`
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
    const socket = `wss://${siteName}:${port}/${docName}?tandem=saved%2Cmoved%2Cloading`
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
