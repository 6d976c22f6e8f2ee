import type { Access } from '@tandem/protocol'
import type * as Y from 'yjs'
import type { Identity } from './awareness-ownership.js'
import type { Logger } from './logger.js'
import type { SyncMetrics } from './sync-metrics.js'

/** A request to open a document (a WebSocket upgrade) or to read documents over HTTP. */
export interface AuthenticateRequest {
  /**
   * The document asked for, by the name it has now: a request for an old name of a renamed document comes with
   * the new name here and the old one in {@link requestedName}. `null` when the request lists documents.
   */
  readonly documentName: string | null
  /**
   * The name the request asked for, when it is an old name of `documentName`: the server followed the rename in
   * storage (never on the client's word) and asks for access to the document where it is now. `null` or absent
   * when the request asked for `documentName` itself.
   *
   * Links follow the document: a hook may grant a renamed document to whoever it granted the old name, so that a
   * link shared before the rename still leads to it; to cut such links, revoke them. A hook that ignores this
   * field decides for the new name alone. Tandem's tokens grant it to a token that names the old name exactly,
   * never through a pattern (see `tokenAuthentication`).
   */
  readonly requestedName?: string | null
  /**
   * Where the document known as `name` is now: `name` itself, or the name its renames led to. Filled in by the sync
   * server for its hooks (whatever a caller passes is replaced), so that a hook that granted a name can grant the
   * renamed document under its new name too, as Tandem's tokens do for a name they list exactly.
   */
  readonly follow?: (name: string) => Promise<string>
  /** The request's HTTP headers, names in lower case (cookies, `authorization`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  /** The request's query parameters. */
  readonly query: URLSearchParams
  /** The client's address (behind a trusted proxy, the address the proxy saw). */
  readonly ip: string
}

/** What an `authenticate` hook grants. */
export interface Authentication {
  /** `read`: the person sees the document and shows their presence, but their changes are never applied. */
  readonly access: Access
  /**
   * A stable id of the person (a user id, a token's subject). Their presence client ids stay theirs after they
   * leave, and a claim on them by anyone else closes that connection. @default the client's address, unverified
   */
  readonly user?: string
  /** The person's display name, when known (a token's `name` claim): shown as who changed a document. */
  readonly name?: string | null
  /** When access ends: an open connection is closed with 4440 (token expired) then. @default never */
  readonly expiresAt?: Date | null
  /**
   * What revoking this access is known by (a token's id): {@link SyncServer.endAccess} with it closes every
   * connection admitted with it. @default none: the access can only expire
   */
  readonly revocationKey?: string | null
  /** For a listing of documents: whether this grant covers `documentName`. @default every document */
  covers?(documentName: string): boolean
}

/**
 * A refusal by an `authenticate` hook: 401 when the request does not say who it is (or not validly), 403 when
 * that person may not open this document. The message says why; the client is told it (a WebSocket is closed
 * with 4401 or 4403, an HTTP request answered with the status).
 */
export class AccessDenied extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message)
  }
}

/** Who a member is, as hooks see it. */
export interface MemberInfo {
  /** A process-unique id, as the logs name the connection. */
  readonly id: number
  readonly identity: Identity
  readonly readOnly: boolean
}

/** A document was loaded from storage (or created empty). */
export interface LoadPayload {
  readonly documentName: string
  /** The document, with everything storage held. A hook may change it (to seed a new document, say). */
  readonly document: Y.Doc
  /** Whether storage held anything of it. */
  readonly stored: boolean
}

/** An update entered the room's write log: it will be stored. */
export interface ChangePayload {
  readonly documentName: string
  /** The Yjs (v1) update, as applied to the document. */
  readonly update: Uint8Array
  /** Its sequence number in the room's write log. */
  readonly seq: number
  /** The member whose change it is, or `null` (an edit through {@link SyncServer.edit}, another instance's change, or a catch-up). */
  readonly member: MemberInfo | null
  /**
   * Who made the change: the member's identity, or for an edit through `SyncServer.edit` (the document API) the
   * identity its caller authenticated as; `null` for another instance's change or a catch-up from storage.
   */
  readonly author: Identity | null
}

/** Updates of a document are in storage now. */
export interface AfterStorePayload {
  readonly documentName: string
  /** The first `seq` updates of the room's write log are stored. */
  readonly seq: number
}

/** A member joined or left a room. */
export interface MemberPayload {
  readonly documentName: string
  readonly member: MemberInfo
}

/** A document is about to leave memory: its changes are stored, and no one is connected. */
export interface BeforeUnloadPayload {
  readonly documentName: string
  readonly document: Y.Doc
}

/**
 * The sync server's extension points. Give the server a list of these (`hooks`); each hook of each entry is
 * awaited in the order of the list. The hooks of one room run one at a time, in the order their events
 * happened; the sync itself waits only for `authenticate` and `load`, which come before a member is admitted.
 *
 * An error in a hook is caught at its boundary, logged with the hook, the document and the connection, and ends
 * only what it was called for: `authenticate` refuses the request (500), `load` fails the load (503), `connect`
 * closes that connection (1011); after `change`, `afterStore`, `disconnect` and `beforeUnload` nothing else
 * is undone (the change is stored, the document unloads).
 */
export interface Hooks {
  /**
   * Decides who may open a document: return an {@link Authentication}, throw {@link AccessDenied}, or return
   * nothing to leave the decision to the next entry. When no entry decides, the request is granted write access
   * as an unverified person known by their address (as with `--auth none`).
   */
  authenticate?(request: AuthenticateRequest): Authentication | undefined | Promise<Authentication | undefined>
  /** A document was loaded, before anyone is served it. */
  load?(payload: LoadPayload): void | Promise<void>
  /** An update entered a room's write log. */
  change?(payload: ChangePayload): void | Promise<void>
  /** A storage commit stored updates of a room. */
  afterStore?(payload: AfterStorePayload): void | Promise<void>
  /** A member joined a room (after authentication, once its sync started). */
  connect?(payload: MemberPayload): void | Promise<void>
  /** A member left a room. */
  disconnect?(payload: MemberPayload): void | Promise<void>
  /** A document is about to leave memory. */
  beforeUnload?(payload: BeforeUnloadPayload): void | Promise<void>
}

/** The hooks that are notified of events, without a result. */
export type EventHook = Exclude<keyof Hooks, 'authenticate'>
type PayloadOf<H extends EventHook> = Parameters<NonNullable<Hooks[H]>>[0]

/** The server's hooks, run in order, their errors caught, logged and counted. */
export class HookRunner {
  private readonly present: ReadonlySet<keyof Hooks>

  constructor(
    private readonly hooks: readonly Hooks[],
    private readonly logger: Logger,
    private readonly metrics: SyncMetrics,
  ) {
    this.present = new Set(hooks.flatMap((entry) => Object.keys(entry) as (keyof Hooks)[]))
  }

  /** Whether any entry has hook `name`: when none has, its payload need not even be made. */
  has(name: keyof Hooks): boolean {
    return this.present.has(name)
  }

  /**
   * Runs the `authenticate` hooks in order until one decides. Throws {@link AccessDenied} for a refusal, and
   * what a hook throws otherwise (logged here).
   */
  async authenticate(request: AuthenticateRequest): Promise<Authentication | null> {
    for (const entry of this.hooks) {
      if (!entry.authenticate) continue
      try {
        const decided = await entry.authenticate(request)
        if (decided) return decided
      } catch (error) {
        if (!(error instanceof AccessDenied)) this.failed('authenticate', error, request.documentName)
        throw error
      }
    }
    return null
  }

  /**
   * Runs hook `name` of every entry in order. Returns `true`, or `false` after the first error (logged and
   * counted; the later entries are not run).
   */
  async run<H extends EventHook>(name: H, payload: PayloadOf<H>, connection?: number): Promise<boolean> {
    for (const entry of this.hooks) {
      const hook = entry[name] as ((payload: PayloadOf<H>) => void | Promise<void>) | undefined
      if (!hook) continue
      try {
        await hook.call(entry, payload)
      } catch (error) {
        this.failed(name, error, payload.documentName, connection)
        return false
      }
    }
    return true
  }

  private failed(hook: keyof Hooks, error: unknown, doc: string | null, connection?: number): void {
    this.metrics.error('hook-failed')
    this.logger.error({ err: error, hook, doc, connection }, `the ${hook} hook failed`)
  }
}

/**
 * The hooks of one room, one at a time in the order of their events, so that `connect` comes before that
 * member's `change`s and `disconnect` after them. The sync never waits for them.
 */
export class HookSequence {
  private tail: Promise<unknown> = Promise.resolve()

  constructor(private readonly runner: HookRunner) {}

  /** Runs hook `name` after the room's earlier hooks; `failed` is called if it throws. */
  run<H extends EventHook>(name: H, payload: PayloadOf<H>, connection?: number, failed?: () => void): void {
    this.tail = this.tail.then(async () => {
      if (!(await this.runner.run(name, payload, connection))) failed?.()
    })
  }

  /** Resolves once every hook queued so far has run. */
  settled(): Promise<void> {
    return this.tail.then(() => undefined)
  }
}
