// The app's entry: React 19 in StrictMode, which in development mounts, unmounts and mounts every component again.
// <TandemProvider> is built for that: the first session is destroyed before its socket opens, and one remains.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import { readSettings } from './settings.js'

const root = document.querySelector('#root')
if (!root) throw new Error('index.html needs an element with id="root" for the app.')
createRoot(root).render(
  <StrictMode>
    <App settings={readSettings(location)} />
  </StrictMode>,
)
