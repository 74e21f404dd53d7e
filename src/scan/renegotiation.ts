/**
 * Client-initiated renegotiation (RFC 5246 §7.4.1.2, RFC 5746): after a TLS 1.2 handshake, does the
 * server start a second handshake when the client sends a new ClientHello? Accepting it lets any
 * client make the server do a full handshake's work per few bytes, on one connection (a DoS that
 * testssl.sh reports; OpenSSL 3.0 refuses it unless told otherwise, SSL_OP_ALLOW_CLIENT_RENEGOTIATION).
 *
 * tlsglass's client never renegotiates, and its connection keeps that so. The probe completes a
 * TLS 1.2 handshake with it, then carries on by itself with the same keys, rebuilt from what the
 * handshake negotiated (master secret, randoms, suite) with the key schedule and record protection
 * the connection used: the new ClientHello (with RFC 5746's renegotiation_info holding our
 * Finished) goes out sealed as the record after our Finished, and the server's answer is opened
 * as the record after its own: a ServerHello (accepted), a no_renegotiation warning or another
 * alert, a close, or silence (refused).
 */
import type { ClientOptions } from '../config.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { keyBlock } from '../keys/key-schedule-tls12.js';
import { readAlert } from '../messages/alert.js';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, NamedGroup, ProtocolVersion, nameOf } from '../messages/enums.js';
import { Deframer } from '../record/deframer.js';
import { Tls12Protection } from '../record/protection-tls12.js';
import { handshake } from './certificate.js';
import type { ProbeRunner } from './channel.js';
import { probeHelloMessage } from './hello.js';
import { listen } from './listen.js';

/** How long the server has to answer the new ClientHello. */
const ANSWER_WAIT_MS = 2000;

export interface RenegotiationAnswer {
  /** true: a ServerHello came back; false: refused (alert, close, silence); null: no TLS 1.2 handshake to try it in. */
  readonly accepted: boolean | null;
  /** What the server did. */
  readonly answer: string;
}

/** Reads the server's answer to the renegotiating ClientHello: its first protected record, opened. */
export function readRenegotiationAnswer(bytes: Uint8Array, closed: boolean, server: Tls12Protection): RenegotiationAnswer | undefined {
  const deframer = new Deframer();
  deframer.push(bytes);
  const record = deframer.next();
  if (!record) return closed ? { accepted: false, answer: 'closed the connection' } : undefined;
  try {
    const { type, plaintext } = server.open(record.type, record.fragment);
    if (type === ContentType.alert) {
      const a = readAlert(plaintext.slice());
      const name = nameOf(AlertDescription, a.description, 'alert');
      return { accepted: false, answer: a.description === AlertDescription.no_renegotiation ? `alert ${name} (refused)` : `alert ${name}` };
    }
    if (type === ContentType.handshake && plaintext[0] === HandshakeType.server_hello) return { accepted: true, answer: 'ServerHello: a second handshake started' };
    return { accepted: false, answer: `${nameOf(ContentType, type, 'ContentType')} record${plaintext.length > 0 && type === ContentType.handshake ? ` (handshake type ${plaintext[0]})` : ''}` };
  } catch {
    return { accepted: false, answer: 'a record that does not open under the connection\'s keys' };
  }
}

export async function probeClientRenegotiation(runner: ProbeRunner, base: ClientOptions, provider: CryptoProvider, random: (n: number) => Uint8Array): Promise<RenegotiationAnswer> {
  try {
    return await runner.run(async (channel) => {
      const c = await handshake(channel, { ...base, maxVersion: 'TLSv1.2', minVersion: 'TLSv1.2' });
      const n = c.negotiated;
      if (!n.suite || !n.masterSecret || !n.clientRandom || !n.serverRandom || !n.ourFinished) return { accepted: null, answer: 'no TLS 1.2 session keys' };
      const kb = keyBlock(provider.hash, provider.aead, n.suite, n.masterSecret, n.clientRandom, n.serverRandom);
      // Each side's Finished was record 0 under these keys (RFC 5246 §6.1): the next is record 1.
      const client = new Tls12Protection(provider, n.suite, kb.clientWriteKey, kb.clientWriteIv, 1n);
      const server = new Tls12Protection(provider, n.suite, kb.serverWriteKey, kb.serverWriteIv, 1n);
      const hello = probeHelloMessage(
        { version: ProtocolVersion.TLSv1_2, suites: [n.suite.id], groups: [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1], serverName: n.serverName, renegotiatedConnection: n.ourFinished },
        random,
      );
      channel.write(client.seal(ContentType.handshake, hello));
      let answer: RenegotiationAnswer | undefined;
      const heard = await listen(channel, ANSWER_WAIT_MS, (bytes) => (answer = readRenegotiationAnswer(bytes, false, server)) !== undefined);
      // End politely: close_notify under the same keys.
      if (!heard.closed) channel.write(client.seal(ContentType.alert, Uint8Array.of(AlertLevel.warning, AlertDescription.close_notify)));
      return answer ?? readRenegotiationAnswer(heard.bytes, heard.closed, server) ?? { accepted: false, answer: `no answer within ${ANSWER_WAIT_MS / 1000} s (ignored)` };
    });
  } catch (err) {
    return { accepted: null, answer: `no TLS 1.2 handshake: ${err instanceof Error ? err.message : String(err)}` };
  }
}
