/**
 * TLS 1.2 session resumption on the server (RFC 5246 §7.3 Figure 2, RFC 5077): find the session
 * by ticket or session ID, decide whether it may resume here, and run the abbreviated handshake:
 *
 *   ⇒ ServerHello ChangeCipherSpec Finished
 *
 * As OpenSSL, a resumed session gets no new ticket (RFC 5077 §3.1 leaves it to the server): its
 * lifetime runs from the full handshake that made it, however often it resumes.
 *   → ExpectChangeCipherSpec → ExpectFinished → Traffic
 */
import type { ResolvedServerConfig } from '../../config.js';
import { TLS12_SUITES } from '../../crypto/suites.js';
import type { ClientHello } from '../../messages/client-hello.js';
import { LocalAlert } from '../../errors.js';
import { AlertDescription, ExtensionType, HandshakeType, ProtocolVersion } from '../../messages/enums.js';
import type { Extension } from '../../messages/extensions/index.js';
import { solicited } from './solicited.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { writeNewSessionTicketTls12 } from '../../messages/post-handshake.js';
import { writeServerHello } from '../../messages/server-hello.js';
import type { RecordProtection } from '../../record/protection.js';
import { keptCertificates, type SessionState } from '../../session/session.js';
import { expectChangeCipherSpec, expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { Traffic } from '../traffic.js';
import { Transcript } from '../transcript.js';
import { checkFinished, emitKeylog, finishedFor, makeProtections, type Randoms } from '../tls12-common.js';
import { DOWNGRADE_TLS12 } from '../tls13-common.js';
import { restorePeerIdentity } from '../peer-auth.js';
import type { Tls12Suite } from '../../crypto/suites.js';

/**
 * The session this ClientHello may resume, or undefined for a full handshake. A session resumes
 * only with the same version and suite, SNI and client identity, and the same
 * extended_master_secret choice (RFC 7627 §5.3: a session without EMS offered with EMS gets a
 * full handshake; a session with EMS offered without it is handshake_failure).
 */
export function findSession12(config: ResolvedServerConfig, ch: ClientHello, ticket: Uint8Array | undefined, ems: boolean, serverName: string | undefined): SessionState | undefined {
  const now = config.now().getTime();
  const byTicket = ticket !== undefined && ticket.length > 0;
  const state = byTicket ? config.sessions.open(ticket, now) : config.sessions.recall(ch.legacySessionId, now);
  if (!state || state.version !== ProtocolVersion.TLSv1_2) return undefined;
  // RFC 5246 §7.4.1.2: a ClientHello resuming by session ID "MUST include at least the
  // cipher_suite from that session".
  if (!byTicket && !ch.cipherSuites.includes(state.suite)) {
    throw new LocalAlert(AlertDescription.illegal_parameter, "a ClientHello resuming a session by ID without that session's cipher suite (RFC 5246 §7.4.1.2)");
  }
  if (!ch.cipherSuites.includes(state.suite) || !config.suites.some((s) => s.id === state.suite)) return undefined;
  if (state.extendedMasterSecret && !ems) {
    throw new LocalAlert(AlertDescription.handshake_failure, 'resumption of an extended_master_secret session without the extension (RFC 7627 §5.3)');
  }
  if (state.extendedMasterSecret !== ems) return undefined;
  if (state.serverName !== (serverName ?? '')) return undefined;
  if (config.requestCert && config.rejectUnauthorized && !state.peerVerified) return undefined;
  return state;
}

/** The session record a full or resumed TLS 1.2 handshake leaves behind. */
export function sessionState12(config: ResolvedServerConfig, suite: Tls12Suite, master: Uint8Array, ems: boolean, io: HandshakeIo): SessionState {
  const n = io.negotiated;
  return {
    version: ProtocolVersion.TLSv1_2,
    suite: suite.id,
    secret: master,
    extendedMasterSecret: ems,
    created: config.now().getTime(),
    lifetime: config.sessions.lifetime,
    ageAdd: 0,
    serverName: n.serverName ?? '',
    alpn: n.alpn ?? '',
    peerCertificates: keptCertificates(n.peerCertificates),
    peerVerified: n.peerVerified,
  };
}

export function resumeTls12(
  config: ResolvedServerConfig,
  ch: ClientHello,
  message: HandshakeMessage,
  state: SessionState,
  extensions: Extension[],
  io: HandshakeIo,
): State {
  const suite = TLS12_SUITES.find((s) => s.id === state.suite)!;
  const transcript = new Transcript(io.provider.hash);
  transcript.setHash(suite.hash);
  transcript.add(message.raw);
  const random = io.provider.random.bytes(32);
  if (config.versions.includes(ProtocolVersion.TLSv1_3)) random.set(DOWNGRADE_TLS12, 24);
  const randoms: Randoms = { client: ch.random, server: random };
  const n = io.negotiated;
  n.version = 'TLSv1.2';
  n.suite = suite;
  n.clientRandom = new Uint8Array(ch.random); // a copy: ch.random views the whole ClientHello
  n.serverRandom = random;
  n.extendedMasterSecret = state.extendedMasterSecret;
  n.masterSecret = state.secret;
  restorePeerIdentity(io, state);

  // RFC 5246 §7.4.1.3: echoing the client's session ID is what says "resumed".
  const serverHello = writeServerHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random,
    legacySessionId: ch.legacySessionId,
    cipherSuite: suite.id,
    legacyCompressionMethod: 0,
    extensions: solicited(ch, extensions, 'ServerHello'),
  });
  transcript.add(io.sendHandshake(HandshakeType.server_hello, serverHello).raw);
  emitKeylog(io, randoms, state.secret);
  const keys = makeProtections(io.provider, suite, state.secret, randoms);
  io.sendChangeCipherSpec();
  io.setWriteProtection(keys.server);
  const verifyData = finishedFor(io.provider, suite, state.secret, 'server', transcript);
  transcript.add(io.sendHandshake(HandshakeType.finished, verifyData).raw);
  n.ourFinished = verifyData;
  return new ExpectChangeCipherSpec({ suite, transcript, master: state.secret }, keys.client);
}

interface Resumed12 {
  readonly suite: Tls12Suite;
  readonly transcript: Transcript;
  readonly master: Uint8Array;
}

class ExpectChangeCipherSpec implements State {
  readonly name = 'server.tls12.resumed.ExpectChangeCipherSpec';
  constructor(
    private readonly hs: Resumed12,
    private readonly clientKeys: RecordProtection,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    expectChangeCipherSpec(input, this.name);
    io.setReadProtection(this.clientKeys);
    return new ExpectFinished(this.hs);
  }
}

class ExpectFinished implements State {
  readonly name = 'server.tls12.resumed.ExpectFinished';
  constructor(private readonly hs: Resumed12) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.finished);
    checkFinished(message, finishedFor(io.provider, this.hs.suite, this.hs.master, 'client', this.hs.transcript));
    this.hs.transcript.add(message.raw);
    io.negotiated.peerFinished = message.body;
    io.emit({ type: 'handshake-complete' });
    return new Traffic('server');
  }
}
