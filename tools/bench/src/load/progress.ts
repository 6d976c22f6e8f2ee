/** Where the load side reports progress: the parent process when it runs as a worker, else the console. */
let sink: (line: string) => void = (line) => console.log(line)

/** Redirects progress lines (the worker sends them to the parent). */
export function setProgressSink(next: (line: string) => void): void {
  sink = next
}

/** Prints one progress line. */
export function progress(line: string): void {
  sink(line)
}
