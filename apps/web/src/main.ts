/**
 * The Tandem web app. One page load shows one page: `/` the home page, `/d/<name>` a document; any other
 * path (only reachable in development, the server answers 404 for them) a "not found" page.
 */
import './styles.css'
import { docNameFromPath, sentence } from './doc-names.js'
import { keepAppShell } from './offline-shell.js'
import { documentPage } from './pages/document.js'
import { homePage } from './pages/home.js'
import { problemPage } from './pages/problem.js'
import { createAppTheme } from './theme.js'

const root = document.getElementById('app')!
const theme = createAppTheme()
const path = location.pathname

if (path === '/' || path === '/index.html') {
  homePage(root, theme)
} else if (path.startsWith('/d/')) {
  const result = docNameFromPath(path)
  if (result.ok) documentPage(root, result.name, theme)
  else problemPage(root, theme, 'This link does not open a document', sentence(result.error))
} else {
  problemPage(root, theme, 'Page not found', `There is nothing at ${path}.`)
}

keepAppShell()
