/**
 * Who the person at this browser is to everyone else: a name and a colour, chosen by them and remembered in
 * the browser. Until they choose, a friendly random name ("Curious Otter") and one of the editor's colours.
 */
import { DEFAULT_COLORS, MAX_NAME_LENGTH, parseColor, sanitizeName } from '@tandem/editor'
import { readJson, writeJson } from './storage.js'

/** The person's name and colour (`#rrggbb`). */
export interface Identity {
  name: string
  color: string
}

/** The localStorage key of the person's identity. */
export const IDENTITY_KEY = 'tandem:identity'

const ADJECTIVES = [
  'Bold',
  'Brave',
  'Bright',
  'Calm',
  'Cheerful',
  'Clever',
  'Curious',
  'Eager',
  'Friendly',
  'Gentle',
  'Happy',
  'Jolly',
  'Kind',
  'Lively',
  'Lucky',
  'Merry',
  'Nimble',
  'Patient',
  'Playful',
  'Quiet',
  'Sunny',
  'Swift',
  'Wise',
  'Witty',
]

const ANIMALS = [
  'Badger',
  'Beaver',
  'Crane',
  'Dolphin',
  'Falcon',
  'Fox',
  'Gecko',
  'Hedgehog',
  'Heron',
  'Koala',
  'Lynx',
  'Otter',
  'Owl',
  'Panda',
  'Penguin',
  'Rabbit',
  'Robin',
  'Seal',
  'Tiger',
  'Turtle',
  'Walrus',
  'Wombat',
  'Yak',
  'Zebra',
]

/** The colours offered to pick from. */
export const COLORS: readonly string[] = DEFAULT_COLORS

function pick<T>(items: readonly T[]): T {
  const [random] = crypto.getRandomValues(new Uint32Array(1))
  return items[random! % items.length]!
}

/** A friendly random name such as "Curious Otter". */
export function randomName(): string {
  return `${pick(ADJECTIVES)} ${pick(ANIMALS)}`
}

/** A name and colour made fit to use: the name sanitised and not empty, the colour `#rrggbb`. */
export function normalizeIdentity(value: unknown): Identity | null {
  if (typeof value !== 'object' || value === null) return null
  const { name, color } = value as { name?: unknown; color?: unknown }
  if (typeof name !== 'string' || typeof color !== 'string' || !/^#[0-9a-f]{6}$/i.test(color)) return null
  if (!parseColor(color)) return null
  const clean = sanitizeName(name.slice(0, MAX_NAME_LENGTH * 2))
  return { name: clean, color: color.toLowerCase() }
}

/** The remembered identity, or a new random one (remembered at once, so it stays the same next time). */
export function loadIdentity(): Identity {
  const stored = normalizeIdentity(readJson(IDENTITY_KEY))
  if (stored) return stored
  const created = { name: randomName(), color: pick(COLORS) }
  writeJson(IDENTITY_KEY, created)
  return created
}

/** Remembers the identity in this browser. */
export function saveIdentity(identity: Identity): void {
  writeJson(IDENTITY_KEY, identity)
}

/** Calls `listener` when another tab of this browser changes the identity. Returns a function that stops. */
export function watchIdentity(listener: (identity: Identity) => void): () => void {
  const onStorage = (event: StorageEvent) => {
    if (event.key !== IDENTITY_KEY || event.newValue === null) return
    let parsed: unknown
    try {
      parsed = JSON.parse(event.newValue)
    } catch {
      return
    }
    const identity = normalizeIdentity(parsed)
    if (identity) listener(identity)
  }
  window.addEventListener('storage', onStorage)
  return () => window.removeEventListener('storage', onStorage)
}

/** One or two letters for an avatar: the first letters of the first and last words ("Ada Lovelace" → "AL"). */
export function initials(name: string): string {
  const words = name.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word))
  if (words.length === 0) return '?'
  const first = firstLetter(words[0]!)
  const last = words.length > 1 ? firstLetter(words[words.length - 1]!) : ''
  return (first + last).toLocaleUpperCase()
}

function firstLetter(word: string): string {
  const match = /[\p{L}\p{N}]/u.exec(word)
  return match ? match[0] : ''
}

/** Black or white, whichever reads better on `color` (`#rrggbb`). */
export function textColorOn(color: string): string {
  const channel = (index: number) => {
    const c = Number.parseInt(color.slice(1 + index * 2, 3 + index * 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
  // Contrast with white is 1.05 / (L + 0.05), with black (L + 0.05) / 0.05; they are equal at L ≈ 0.179.
  return luminance > 0.179 ? '#000000' : '#ffffff'
}
