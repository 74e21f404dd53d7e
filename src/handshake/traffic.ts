import { LocalAlert } from '../errors.js';
import { AlertDescription, HandshakeType, nameOf } from '../messages/enums.js';
import type { HandshakeIo, Incoming, State } from './state.js';

/**
 * The established connection. Renegotiation is refused (security.md §0; RFC 5746 is
 * implemented only so that peers can tell): a server answers a new ClientHello with a fatal
 * no_renegotiation; a client answers HelloRequest with a warning no_renegotiation and carries on
 * (RFC 5246 §7.4.1.1 lets it ignore the request).
 */
export class Traffic implements State {
  readonly isTraffic = true;
  readonly name: string;

  constructor(private readonly side: 'client' | 'server') {
    this.name = side === 'client' ? 'client.Traffic' : 'server.Traffic';
  }

  handle(input: Incoming, io: HandshakeIo): State {
    if (input.kind === 'change_cipher_spec') {
      throw new LocalAlert(AlertDescription.unexpected_message, 'ChangeCipherSpec after the handshake');
    }
    const type = input.message.type;
    if (this.side === 'client' && type === HandshakeType.hello_request) {
      if (input.message.body.length !== 0) throw new LocalAlert(AlertDescription.decode_error, 'HelloRequest with a body');
      io.sendWarning(AlertDescription.no_renegotiation);
      return this;
    }
    if (this.side === 'server' && type === HandshakeType.client_hello) {
      throw new LocalAlert(AlertDescription.no_renegotiation, 'renegotiation is not supported');
    }
    throw new LocalAlert(
      AlertDescription.unexpected_message,
      `${nameOf(HandshakeType, type, 'HandshakeType')} after the handshake`,
    );
  }
}
