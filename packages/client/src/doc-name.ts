import { docNameError } from '@tandem/protocol'

/** Throws a sentence saying what is wrong with a document name, or returns it. @internal */
export function checkDocName(docName: unknown): string {
  if (typeof docName !== 'string') {
    throw new TypeError('The docName option is missing; pass the name of the document, such as "team/notes".')
  }
  const error = docNameError(docName)
  if (error) {
    throw new TypeError(
      `The docName ${JSON.stringify(docName)} cannot be used: ${error}. Pick a name such as "team/notes".`,
    )
  }
  return docName
}
