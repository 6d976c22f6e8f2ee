import { expect, type Person, test } from './fixtures.js'

/** Asks the document API of the worker's server; the answer's status must be `status`. */
async function api(httpUrl: string, method: string, path: string, status: number, body?: unknown): Promise<unknown> {
  const response = await fetch(`${httpUrl}/api/docs/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  const text = await response.text()
  expect(response.status, text).toBe(status)
  return text ? JSON.parse(text) : null
}

/** Once `person` is connected, types `text` and waits until the server acknowledged storing it. */
async function typedAndSaved(person: Person, text: string): Promise<Person> {
  await person.waitForStatus('connected')
  await person.typeAtEnd(text)
  await savedOnServer(person)
  return person
}

function savedOnServer(person: Person): Promise<void> {
  return expect.poll(() => person.page.evaluate(() => window.harness.editor!.saved)).toBe(true)
}

test('a document renamed while open: the editor follows it to the new name, with what was typed meanwhile', async ({
  openPerson,
  tandem,
  docName,
}) => {
  const ada = await typedAndSaved(await openPerson({ name: 'Ada' }), 'Before the rename.')

  // An edit made at the moment of the move, while there is no connection, must arrive too.
  await ada.page.evaluate(() => {
    const editor = window.harness.editor!
    editor.on('moved', () => {
      editor.view.dispatch({ changes: { from: editor.view.state.doc.length, insert: ' Typed while moving.' } })
    })
  })
  const renamed = `${docName}-renamed`
  await api(tandem.httpUrl, 'POST', `${encodeURIComponent(docName)}/rename`, 200, { to: renamed })
  await expect.poll(() => ada.events('moved')).toEqual([{ to: renamed, from: docName }])
  expect(await ada.page.evaluate(() => window.harness.editor!.docName)).toBe(renamed)
  await ada.waitForStatus('connected')
  // Not an error: nothing for the person to act on.
  expect(await ada.events('error')).toEqual([])

  await ada.typeAtEnd(' After it.')
  await savedOnServer(ada)
  // Read from the server under the new name; the connection the editor uses now is to that name itself.
  const text = await fetch(`${tandem.httpUrl}/api/docs/${encodeURIComponent(renamed)}/text`).then((r) => r.text())
  expect(text).toBe('Before the rename. Typed while moving. After it.')
  expect(await ada.page.evaluate(() => window.harness.editor!.provider.url)).toContain(`/${renamed}?`)
})

test('a document moved to the trash: the editor stops with a "deleted" error, and connects again once it is restored', async ({
  openPerson,
  tandem,
  docName,
}) => {
  const ada = await typedAndSaved(await openPerson({ name: 'Ada' }), 'Kept in the trash.')

  await api(tandem.httpUrl, 'DELETE', encodeURIComponent(docName), 200)
  await expect.poll(() => ada.events('error')).toHaveLength(1)
  const [error] = (await ada.events('error')) as { reason: string; code: number; fatal: boolean; message: string }[]
  expect(error).toMatchObject({ reason: 'deleted', code: 4410, fatal: true })
  expect(error!.message).toContain('restore it from the trash')
  await ada.waitForStatus('disconnected')
  // It stopped for good: no socket, no retry.
  expect(await ada.page.evaluate(() => window.harness.editor!.provider.shouldConnect)).toBe(false)

  await api(tandem.httpUrl, 'POST', `${encodeURIComponent(docName)}/restore`, 200)
  await ada.page.evaluate(() => window.harness.editor!.connect())
  await ada.waitForStatus('connected')
  expect(await ada.text()).toBe('Kept in the trash.')
})
