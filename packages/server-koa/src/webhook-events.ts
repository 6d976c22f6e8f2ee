import type { AfterStorePayload, BeforeUnloadPayload, ChangePayload, Hooks, LoadPayload } from '@tandem/server'
import type * as Y from 'yjs'
import type { DocumentEvent } from './document-routes.js'
import { type WebhookEvent, type WebhookEventType, webhookDefaults } from './webhook-sender.js'

/** What the webhook hooks need of a sender: a way to queue an event (see `WebhookSender.emit`). */
export interface WebhookEmitter {
  emit(type: WebhookEventType, document: WebhookEvent['document'], fields?: Readonly<Record<string, unknown>>): unknown
}

/** Settings of the webhook events. */
export interface WebhookEventsOptions {
  /**
   * Send `document.changed` this long after a document's last change, in ms: at most one per document per this
   * long, and one at the latest ten times this long after the first of a run of changes that never pauses.
   * @default 2000
   */
  debounce?: number
}

interface Changes {
  /** Identity keys (`user:…`, `ip:…`) of who changed the document since its last event, in order. */
  readonly authors: Set<string>
  /** When the first change of this run was made (for the longest wait). */
  readonly since: number
  /** When the latest change was made (for the pause). */
  lastAt: number
  /** The write log's number of the latest change, and how much of the log is stored. */
  lastSeq: number
  storedSeq: number
  timer: ReturnType<typeof setTimeout> | null
  /** The debounce elapsed; the event goes once the latest change is stored. */
  due: boolean
}

/**
 * The sync server's hooks that turn documents' lives into webhook events:
 * - `document.created`: a document that storage did not hold was stored for the first time (`afterStore` of a
 *   document whose `load` found nothing).
 * - `document.changed`: debounced per document, once its changes are stored, with its `size` (bytes of its text
 *   as UTF-8), `length` (UTF-16 code units) and the `authors` since its last event. Only this instance's changes
 *   count (a member's or an API caller's): scaled out, each instance reports its own people's changes.
 * - `document.deleted`: the document API moved a document to the trash or purged it ({@link documentEvent}).
 * The hooks only take notes and set timers; the sender queues. Nothing here waits for a receiver.
 */
export class WebhookEvents {
  private readonly debounce: number
  /** The open documents, to read their text when an event goes. */
  private readonly documents = new Map<string, Y.Doc>()
  /** Documents loaded with nothing in storage: their first commit creates them. */
  private readonly unstored = new Set<string>()
  private readonly changes = new Map<string, Changes>()

  constructor(
    private readonly sender: WebhookEmitter,
    options: WebhookEventsOptions = {},
  ) {
    this.debounce = options.debounce ?? webhookDefaults.debounce
  }

  /** The hooks to give the sync server (`hooks: [..., events.hooks()]`). */
  hooks(): Hooks {
    // A plain object: the server looks for a hook among an entry's own keys.
    return {
      load: (payload) => this.load(payload),
      change: (payload) => this.change(payload),
      afterStore: (payload) => this.afterStore(payload),
      beforeUnload: (payload) => this.beforeUnload(payload),
    }
  }

  private load({ documentName, document, stored }: LoadPayload): void {
    this.documents.set(documentName, document)
    if (!stored) this.unstored.add(documentName)
  }

  private change({ documentName, seq, author }: ChangePayload): void {
    if (author === null) return
    let changes = this.changes.get(documentName)
    const now = Date.now()
    if (!changes) {
      changes = { authors: new Set(), since: now, lastAt: now, lastSeq: 0, storedSeq: 0, timer: null, due: false }
      this.changes.set(documentName, changes)
    }
    changes.authors.add(author.key)
    changes.lastSeq = seq
    changes.lastAt = now
    // One timer per run of changes, not one per change: when it fires it looks at when the latest change was.
    if (!changes.due && changes.timer === null) this.wait(documentName, changes, this.debounce)
  }

  private wait(name: string, changes: Changes, delay: number): void {
    changes.timer = setTimeout(() => this.elapsed(name), Math.max(0, delay))
    changes.timer.unref()
  }

  private afterStore({ documentName, seq }: AfterStorePayload): void {
    if (this.unstored.delete(documentName)) this.sender.emit('document.created', { name: documentName })
    const changes = this.changes.get(documentName)
    if (!changes) return
    changes.storedSeq = seq
    if (changes.due && seq >= changes.lastSeq) this.send(documentName, changes)
  }

  private beforeUnload({ documentName, document }: BeforeUnloadPayload): void {
    // Everything is stored by now: what waits for its debounce goes at once, while the text is at hand.
    const changes = this.changes.get(documentName)
    if (changes) this.send(documentName, changes, document)
    this.documents.delete(documentName)
    this.unstored.delete(documentName)
  }

  /**
   * What the document API did to a document as a whole (its `onDocument`): a copy made by duplicating is
   * `document.created`; a move to the trash and a purge are `document.deleted`, with `trashed` or `permanent`.
   */
  documentEvent(event: DocumentEvent): void {
    const authors = event.by ? [event.by.id] : []
    if (event.type === 'created') this.sender.emit('document.created', { name: event.name }, { authors })
    else if (event.type === 'trashed')
      this.sender.emit('document.deleted', { name: event.name }, { trashed: true, authors })
    else this.sender.emit('document.deleted', { name: event.name }, { permanent: true, authors })
  }

  /** Stops the timers: events still waiting for their debounce are not sent. */
  close(): void {
    for (const changes of this.changes.values()) if (changes.timer !== null) clearTimeout(changes.timer)
    this.changes.clear()
  }

  private elapsed(name: string): void {
    const changes = this.changes.get(name)
    if (!changes) return
    changes.timer = null
    // Due after a pause of the debounce, or at the latest ten debounces after the first change.
    const dueAt = Math.min(changes.lastAt + this.debounce, changes.since + this.debounce * 10)
    const left = dueAt - Date.now()
    if (left > 0) {
      this.wait(name, changes, left)
      return
    }
    changes.due = true
    if (changes.storedSeq >= changes.lastSeq) this.send(name, changes)
  }

  private send(name: string, changes: Changes, document = this.documents.get(name)): void {
    if (changes.timer !== null) clearTimeout(changes.timer)
    this.changes.delete(name)
    if (!document) return
    const text = document.getText('content').toString()
    this.sender.emit(
      'document.changed',
      { name, size: Buffer.byteLength(text, 'utf8'), length: text.length },
      { authors: [...changes.authors] },
    )
  }
}
