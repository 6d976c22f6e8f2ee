import { type Message, readMessage } from '@tandem/protocol'
import type * as decoding from 'lib0/decoding'
import type * as encoding from 'lib0/encoding'
import type { WebsocketProvider } from 'y-websocket'

/**
 * Handles one of Tandem's own message types (`saved`, `loading`) on the stock provider, which ignores types it
 * does not know: `handle` gets the message as `readMessage` reads it, and whether it came from the socket rather
 * than from another tab (what a server sends means something only on the socket it was sent on).
 */
export function onServerMessage(
  provider: WebsocketProvider,
  type: number,
  handle: (message: Message, fromSocket: boolean) => void,
): void {
  provider.messageHandlers[type] = (
    _encoder: encoding.Encoder,
    decoder: decoding.Decoder,
    _provider: WebsocketProvider,
    fromSocket: boolean,
  ) => {
    // The provider's decoder is over the whole frame, already past the message type.
    handle(readMessage(decoder.arr), fromSocket)
  }
}
