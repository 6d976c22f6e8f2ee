/**
 * Choosing among the precompressed copies of a static file (`file.br`, `file.gz`, written at build by the web
 * app's Vite plugin) from a request's Accept-Encoding. Nothing is compressed at runtime.
 */

/** A compressed copy of a file, by the encoding that names it, with the suffix of its file. */
export const PRECOMPRESSED = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const

/** An encoding with a precompressed copy. */
export type ContentEncoding = (typeof PRECOMPRESSED)[number]['encoding']

/**
 * The encodings an Accept-Encoding header allows, in Tandem's order of preference (brotli, then gzip): each one
 * the header names, or `*` covers, with a quality above zero. An absent header allows none (identity only):
 * RFC 9110 lets a server pick any encoding then, but a client that sends nothing may not decode any.
 */
export function acceptedEncodings(header: string | undefined): ContentEncoding[] {
  if (!header) return []
  const qualities = new Map<string, number>()
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';')
    if (!name) continue
    const q = params.map((param) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined)
    qualities.set(name.trim(), q === undefined ? 1 : Number(q))
  }
  const wildcard = qualities.get('*')
  return PRECOMPRESSED.map(({ encoding }) => encoding).filter((encoding) => {
    const q = qualities.get(encoding) ?? wildcard ?? 0
    return q > 0
  })
}
