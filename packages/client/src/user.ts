import { defaultColor, parseColor, toHex } from './colors.js'
import { sanitizeName } from './names.js'

/** Who the local person is, as shown to everyone else. */
export interface UserInfo {
  /** The name on this person's caret and in everyone's list of people. @default 'Anonymous' */
  name?: string
  /**
   * This person's colour: any CSS colour (`'#2f6fdd'`, `'rebeccapurple'`, `'hsl(210 70% 50%)'`).
   * @default one of eight distinct colours, chosen from the client id
   */
  color?: string
}

/** The awareness `user` field, in the shape y-codemirror.next and other Yjs editors read. */
export interface AwarenessUser {
  name: string
  /** `#rrggbb`. */
  color: string
  /** The same colour with a low alpha (`#rrggbb33`), for selections. */
  colorLight: string
}

/**
 * Checks the local person's details and turns them into the awareness `user` field. Throws on a colour that is
 * not a CSS colour: that is a mistake in the host page, better found at once than replaced silently.
 * @internal
 */
export function toAwarenessUser(user: UserInfo | undefined, clientId: number): AwarenessUser {
  if (user !== undefined && (typeof user !== 'object' || user === null)) {
    throw new TypeError('The user option must be an object such as { name: "Ada", color: "#2f6fdd" }.')
  }
  if (user?.name !== undefined && typeof user.name !== 'string') {
    throw new TypeError(`The user name must be a string; got ${typeof user.name}.`)
  }
  let color = defaultColor(clientId)
  if (user?.color !== undefined) {
    const parsed = parseColor(user.color)
    if (!parsed) {
      throw new TypeError(
        `The user colour ${JSON.stringify(user.color)} is not a CSS colour; pass one such as "#2f6fdd" or "rebeccapurple".`,
      )
    }
    color = toHex(parsed)
  }
  return { name: sanitizeName(user?.name), color, colorLight: `${color}33` }
}
