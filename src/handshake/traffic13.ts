import type { Tls13Suite } from '../crypto/suites.js';
import { lazySessionEvent } from '../connection/events.js';
import { LocalAlert } from '../errors.js';
import { nextTrafficSecret, resumptionPsk } from '../keys/key-schedule-tls13.js';
import { encodeClientSession, keptCertificates, type ClientSession } from '../session/session.js';
import { AlertDescription, HandshakeType, ProtocolVersion, nameOf } from '../messages/enums.js';
import { KeyUpdateRequest, readKeyUpdate, readNewSessionTicket, writeKeyUpdate } from '../messages/post-handshake.js';
import type { HandshakeIo, Incoming, State } from './state.js';
import { protectionFor } from './tls13-common.js';

/**
 * An established TLS 1.3 connection: post-handshake messages only (RFC 8446 §4.6).
 * KeyUpdate rolls the traffic secret forward (§7.2); NewSessionTicket is read and, until
 * resumption exists, dropped; anything else — including a CertificateRequest we never allowed
 * with post_handshake_auth — is unexpected_message.
 *
 * This state lives as long as the connection, so it holds only what post-handshake messages
 * need (issue 7: memory per idle connection): the suite and the two current traffic secrets
 * (KeyUpdate), and on a client the resumption master secret and a clock (NewSessionTicket). A
 * session's other fields are read from io.negotiated when a ticket arrives, not copied here.
 */
export class Traffic13 implements State {
  readonly isTraffic = true;
  readonly name: string;

  constructor(
    private readonly side: 'client' | 'server',
    private readonly suite: Tls13Suite,
    private readSecret: Uint8Array,
    private writeSecret: Uint8Array,
    /** Client: turns a NewSessionTicket into a resumable session (RFC 8446 §4.6.1). */
    private readonly resumption?: { readonly secret: Uint8Array; readonly now: () => Date },
  ) {
    this.name = side === 'client' ? 'client.tls13.Traffic' : 'server.tls13.Traffic';
  }

  handle(input: Incoming, io: HandshakeIo): State {
    if (input.kind === 'change_cipher_spec') throw new LocalAlert(AlertDescription.unexpected_message, 'ChangeCipherSpec after the handshake');
    const { message } = input;
    switch (message.type) {
      case HandshakeType.key_update: {
        const request = readKeyUpdate(message.body);
        this.readSecret = nextTrafficSecret(io.provider.hash, this.suite.hash, this.readSecret);
        io.setReadProtection(protectionFor(io.provider, this.suite, this.readSecret));
        // RFC 8446 §4.6.3: answer update_requested with our own update (not requesting one back).
        if (request === KeyUpdateRequest.update_requested) this.sendKeyUpdate(io, false);
        return this;
      }
      case HandshakeType.new_session_ticket:
        if (this.side === 'client') {
          const nst = readNewSessionTicket(message.body);
          if (this.resumption && nst.lifetime > 0) {
            // RFC 8446 §4.6.1: the PSK is derived from the resumption secret and the ticket's nonce.
            const psk = resumptionPsk(io.provider.hash, this.suite.hash, this.resumption.secret, nst.nonce);
            const n = io.negotiated;
            const session: ClientSession = {
              version: ProtocolVersion.TLSv1_3,
              suite: this.suite.id,
              extendedMasterSecret: false,
              serverName: n.serverName ?? '',
              alpn: n.alpn ?? '',
              peerCertificates: keptCertificates(n.peerCertificates),
              peerVerified: n.peerVerified,
              secret: psk,
              created: this.resumption.now().getTime(),
              lifetime: Math.min(nst.lifetime, 604800),
              ageAdd: nst.ageAdd,
              ticket: nst.ticket.slice(),
              sessionId: new Uint8Array(0),
            };
            io.emit(lazySessionEvent(() => encodeClientSession(session)));
          }
          return this;
        }
        break;
    }
    throw new LocalAlert(AlertDescription.unexpected_message, `${nameOf(HandshakeType, message.type, 'HandshakeType')} after the handshake`);
  }

  /** Sends KeyUpdate under the current keys, then switches our write keys (RFC 8446 §4.6.3). */
  sendKeyUpdate(io: HandshakeIo, requestPeer: boolean): void {
    io.sendHandshake(HandshakeType.key_update, writeKeyUpdate(requestPeer ? KeyUpdateRequest.update_requested : KeyUpdateRequest.update_not_requested));
    this.writeSecret = nextTrafficSecret(io.provider.hash, this.suite.hash, this.writeSecret);
    io.setWriteProtection(protectionFor(io.provider, this.suite, this.writeSecret));
  }
}
