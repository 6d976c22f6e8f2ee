/** What the benchmark page exposes (page/main.ts). */
export interface BenchPage {
  open(options: {
    serverUrl: string
    docName: string
    name: string
    waitSynced: boolean
    expectedLength?: number
    fullParseLimit?: number | null
  }): Promise<{ syncedMs: number; renderedMs: number; length: number }>
  watchLines(lines: number[]): void
  insert(at: number, text: string): void
  caretAtEndOfLine(line: number): void
  scrollToLine(line: number): void
  setLanguage(name: string): void
  loadedLanguage(): string | null
  settled(): Promise<void>
  lineLength(line: number): number
  lines(): number
  results(): {
    keydowns: number[]
    pressed: number[]
    inDom: number[][]
    onFrame: number[][]
    updateSends: number[]
    applyDelays: number[]
  }
}

/** The page's global scope. Callbacks passed to `page.evaluate` run there, so they name `globalThis.bench`. */
export interface Paged {
  bench: BenchPage
}
