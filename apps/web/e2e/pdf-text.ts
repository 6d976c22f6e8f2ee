// The text of a PDF that Chromium made (Skia's PDF backend), roughly: enough to check what a printout shows.
// Each font's ToUnicode map turns the glyph codes of the page's text operators back into characters; text
// objects and moves of the text position become spaces, which Skia also uses inside words (kerning): compare
// without white space. Not a PDF parser: no object streams, no other encodings.
import { inflateSync } from 'node:zlib'

interface PdfObject {
  dict: string
  stream: Buffer | null
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const source = pdf.toString('latin1')
  const found = new Map<number, PdfObject>()
  for (const match of source.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const body = match[2] ?? ''
    const start = body.search(/stream\r?\n/)
    if (start === -1) {
      found.set(Number(match[1]), { dict: body, stream: null })
      continue
    }
    const dict = body.slice(0, start)
    const raw = body.slice(body.indexOf('\n', start) + 1, body.lastIndexOf('endstream')).replace(/\r?\n$/, '')
    const bytes = Buffer.from(raw, 'latin1')
    found.set(Number(match[1]), { dict, stream: dict.includes('/FlateDecode') ? inflateSync(bytes) : bytes })
  }
  return found
}

const utf16 = (hex: string) => Buffer.from(hex, 'hex').swap16().toString('utf16le')

/** A font's ToUnicode CMap as glyph code (hex) → text. */
function toUnicode(cmap: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, text] of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
      map.set((code ?? '').toLowerCase(), utf16(text ?? ''))
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, low, high, text] of (block[1] ?? '').matchAll(/<(\w+)>\s*<(\w+)>\s*<(\w+)>/g)) {
      const from = Number.parseInt(low ?? '', 16)
      const first = Number.parseInt(text ?? '', 16)
      for (let code = from; code <= Number.parseInt(high ?? '', 16); code++) {
        map.set(code.toString(16).padStart((low ?? '').length, '0'), String.fromCodePoint(first + code - from))
      }
    }
  }
  return map
}

/** The text of every page, in content order, with runs of white space as one space. */
export function pdfText(pdf: Buffer): string {
  const all = objects(pdf)
  const fontMaps = new Map<number, Map<string, string>>()
  for (const [id, object] of all) {
    const cmap = /\/ToUnicode (\d+) 0 R/.exec(object.dict)
    const stream = cmap ? all.get(Number(cmap[1]))?.stream : null
    if (stream) fontMaps.set(id, toUnicode(stream.toString('latin1')))
  }
  let text = ''
  for (const page of all.values()) {
    if (!/\/Type \/Page\b/.test(page.dict)) continue
    const fonts = new Map<string, Map<string, string>>()
    for (const [, name, id] of page.dict.matchAll(/\/(\w+) (\d+) 0 R/g)) {
      const map = fontMaps.get(Number(id))
      if (map) fonts.set(name ?? '', map)
    }
    const contents = /\/Contents (\d+) 0 R/.exec(page.dict)
    const stream = contents ? all.get(Number(contents[1]))?.stream?.toString('latin1') : undefined
    let font = new Map<string, string>()
    for (const [token, fontName, hex] of (stream ?? '').matchAll(
      /\/(\w+) [\d.]+ Tf|<([0-9a-fA-F]*)>|\bBT\b|T[dD*]|Tm/g,
    )) {
      if (fontName) font = fonts.get(fontName) ?? new Map()
      else if (hex !== undefined) {
        const width = font.keys().next().value?.length ?? 4
        for (let i = 0; i < hex.length; i += width) text += font.get(hex.slice(i, i + width).toLowerCase()) ?? ''
      } else if (token) text += ' '
    }
  }
  return text.replace(/\s+/g, ' ').trim()
}
