import { LocalAlert } from '../errors.js';
import { readClientHello } from '../messages/client-hello.js';
import { AlertDescription, CipherSuite, HandshakeType, nameOf } from '../messages/enums.js';
import type { HandshakeIo, Incoming, State } from './state.js';

/** Refused renegotiation attempts answered before we give up on the peer. */
const MAX_REFUSED_RENEGOTIATIONS = 4;

/**
 * The established connection. Renegotiation is refused (RFC 5746 is implemented only so that
 * peers can tell): either side answers a request for it (a server a new ClientHello, a client a
 * HelloRequest) with a warning no_renegotiation, which RFC 5246 §7.2.2 says "is always a
 * warning", and carries on, as OpenSSL does. A server first checks the ClientHello as RFC 5746
 * §3.7 asks (the SCSV in a renegotiation is handshake_failure). More than
 * MAX_REFUSED_RENEGOTIATIONS requests is a flood: unexpected_message.
 */
export class Traffic implements State {
  readonly isTraffic = true;
  readonly name: string;
  #refused = 0;

  constructor(private readonly side: 'client' | 'server') {
    this.name = side === 'client' ? 'client.Traffic' : 'server.Traffic';
  }

  handle(input: Incoming, io: HandshakeIo): State {
    if (input.kind === 'change_cipher_spec') {
      throw new LocalAlert(AlertDescription.unexpected_message, 'ChangeCipherSpec after the handshake');
    }
    const type = input.message.type;
    const request = this.side === 'client' ? type === HandshakeType.hello_request : type === HandshakeType.client_hello;
    if (request) {
      if (type === HandshakeType.hello_request && input.message.body.length !== 0) throw new LocalAlert(AlertDescription.decode_error, 'HelloRequest with a body');
      if (type === HandshakeType.client_hello && readClientHello(input.message.body).cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)) {
        throw new LocalAlert(AlertDescription.handshake_failure, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV in a renegotiation ClientHello (RFC 5746 §3.7)');
      }
      if (++this.#refused > MAX_REFUSED_RENEGOTIATIONS) throw new LocalAlert(AlertDescription.unexpected_message, 'too many renegotiation attempts');
      io.sendWarning(AlertDescription.no_renegotiation);
      return this;
    }
    throw new LocalAlert(
      AlertDescription.unexpected_message,
      `${nameOf(HandshakeType, type, 'HandshakeType')} after the handshake`,
    );
  }
}
