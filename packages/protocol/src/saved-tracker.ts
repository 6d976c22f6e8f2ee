/**
 * Client-side bookkeeping for Tandem's saved acknowledgement, independent of any transport.
 *
 * The server counts the document-changing messages (sync step 2 and update) each connection sends, and after
 * the storage commit that covers the first N of them it sends `saved(N)`. A client that counts the same
 * messages on the same connection knows everything it sent is durable when the acknowledged count reaches the
 * sent count. Counts start again at zero on every new connection.
 */
import { isDocumentChangingMessage } from './messages.js'

/** Counts what one connection sent and what the server acknowledged as durable. */
export class SavedTracker {
  /** Document-changing messages sent on this connection. */
  sent = 0
  /** The highest count the server acknowledged as durable. */
  acknowledged = 0

  /** Call with every message sent on the connection. */
  onSend(message: Uint8Array): void {
    if (isDocumentChangingMessage(message)) this.sent++
  }

  /** Call with the count of every saved acknowledgement received; returns whether all is now saved. */
  onSaved(count: number): boolean {
    if (count > this.acknowledged) this.acknowledged = count
    return this.saved
  }

  /** Whether everything sent on this connection is durable on the server. */
  get saved(): boolean {
    return this.acknowledged >= this.sent
  }
}
