/** The longest name shown for a person, in characters; longer names are cut with an ellipsis. */
export const MAX_NAME_LENGTH = 40

/** The name shown for a person who has none, or whose name is not usable text. */
export const ANONYMOUS = 'Anonymous'

/**
 * A person's name made safe to show: a string with control, zero-width and bidirectional-override characters
 * removed (they can disguise a name or reorder the text around it), whitespace collapsed, and at most
 * {@link MAX_NAME_LENGTH} characters. Anything that is not a non-empty string becomes {@link ANONYMOUS}.
 *
 * The result is still untrusted text: put it in the page with `textContent`, never as HTML.
 */
export function sanitizeName(value: unknown): string {
  if (typeof value !== 'string') return ANONYMOUS
  let cleaned = ''
  for (const char of value) {
    const code = char.codePointAt(0)!
    if (isHidden(code)) continue
    cleaned += /\s/.test(char) ? ' ' : char
  }
  const chars = [...cleaned.replace(/ {2,}/g, ' ').trim()]
  if (chars.length === 0) return ANONYMOUS
  return chars.length > MAX_NAME_LENGTH ? `${chars.slice(0, MAX_NAME_LENGTH - 1).join('')}…` : chars.join('')
}

function isHidden(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x206f) ||
    code === 0xfeff
  )
}
