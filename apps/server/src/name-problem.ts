/**
 * The answer to a document page whose name breaks the naming rule (`/d/<name>`): the app's own page with a
 * sentence that says what is wrong, written into index.html on the server, so that it reads the same with or
 * without JavaScript (the app then shows the same page itself), and a status that says it too: 414 for a name
 * longer than the limit, 400 for any other fault.
 */
import { docNameError, docNameFromPath, MAX_DOC_NAME_LENGTH } from '@tandem/protocol'

/** What is wrong with the name of a document page. */
export interface NameProblem {
  /** 414 (URI Too Long) for a name over the length limit, 400 for any other fault. */
  readonly status: 400 | 414
  /** The sentence shown, e.g. "The document name is longer than 200 characters." */
  readonly sentence: string
}

/** The heading of the page, as the web app words it. */
export const NAME_PROBLEM_HEADING = 'This link does not open a document'

const TOO_LONG = docNameError('x'.repeat(MAX_DOC_NAME_LENGTH + 1))

/** What is wrong with the document name of `path` (`/d/<name>`), or `null` when it is a valid name. */
export function nameProblem(path: string): NameProblem | null {
  const result = docNameFromPath(path.slice('/d'.length))
  if (result.ok) return null
  const sentence = `${result.error.charAt(0).toUpperCase()}${result.error.slice(1)}.`
  return { status: result.error === TOO_LONG ? 414 : 400, sentence }
}

/** index.html with the problem page written into its app element (`<div id="app">`). */
export function nameProblemPage(indexHtml: string, problem: NameProblem): string {
  const page =
    '<div class="home-page"><main class="home-main problem">' +
    `<h1>${escapeHtml(NAME_PROBLEM_HEADING)}</h1><p class="lead">${escapeHtml(problem.sentence)}</p>` +
    '<a class="button primary" href="/">Go to the home page</a></main></div>'
  const title = indexHtml.replace(
    /<title>[^<]*<\/title>/,
    `<title>${escapeHtml(NAME_PROBLEM_HEADING)} · Tandem</title>`,
  )
  return title.replace('<div id="app"></div>', `<div id="app">${page}</div>`)
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
