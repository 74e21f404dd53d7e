/**
 * TLS 1.2 server states (RFC 5246 §7.3), after our first flight:
 *
 *   [ExpectClientCertificate]               (only when we sent CertificateRequest)
 *     → ExpectClientKeyExchange
 *     → [ExpectCertificateVerify]            (only when the client sent a certificate)
 *     → ExpectChangeCipherSpec → ExpectFinished
 *     ⇒ our ChangeCipherSpec and Finished → Traffic
 */
import type { Identity, ResolvedServerConfig } from '../../config.js';
import type { PublicKey } from '../../crypto/provider.js';
import type { Tls12Suite } from '../../crypto/suites.js';
import { LocalAlert } from '../../errors.js';
import { readCertificateVerify } from '../../messages/certificate-verify.js';
import { readCertificateTls12 } from '../../messages/certificate.js';
import { readClientKeyExchange } from '../../messages/client-key-exchange.js';
import { AlertDescription, HandshakeType, SignatureScheme, nameOf } from '../../messages/enums.js';
import { isTls12Scheme } from '../negotiation.js';
import type { RecordProtection } from '../../record/protection.js';
import { expectChangeCipherSpec, expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { lazyNewSessionEvent } from '../../connection/events.js';
import { Traffic } from '../traffic.js';
import type { Transcript } from '../transcript.js';
import { checkFinished, deriveMaster, emitKeylog, finishedFor, makeProtections, type Protections, type Randoms } from '../tls12-common.js';
import type { ServerKeyAgreement } from '../tls12-key-exchange/key-exchange.js';
import { acceptNoClientCertificate, acceptPeerChain, checkPeerSignature } from '../peer-auth.js';
import { writeNewSessionTicketTls12 } from '../../messages/post-handshake.js';
import { sessionState12 } from './tls12-resume.js';

/** The handshake's fixed facts once our first flight is out. */
export class ServerTls12 {
  constructor(
    readonly config: ResolvedServerConfig,
    readonly transcript: Transcript,
    readonly suite: Tls12Suite,
    readonly randoms: Randoms,
    readonly ems: boolean,
    /** Our certificate; none for a PSK suite. */
    readonly identity: Identity | undefined,
    readonly agreement: ServerKeyAgreement,
    /** Names the session in our cache (RFC 5246 §7.4.1.3). */
    readonly sessionId: Uint8Array,
    /** The client asked for a ticket (RFC 5077): send NewSessionTicket before our ChangeCipherSpec. */
    readonly issueTicket: boolean,
  ) {}
}

export class ExpectClientCertificate implements State {
  readonly name = 'server.tls12.ExpectCertificate';
  constructor(private readonly hs: ServerTls12) {}

  handle(input: Incoming, io: HandshakeIo): State {
    // RFC 5246 §7.4.6: a client that was asked MUST answer with a Certificate, possibly empty.
    const message = expectHandshake(input, this.name, HandshakeType.certificate);
    const chain = readCertificateTls12(message.body);
    const { config } = this.hs;
    let clientKey: PublicKey | undefined;
    if (chain.length === 0) {
      // RFC 5246 §7.4.6: with a certificate required, an empty one is handshake_failure.
      acceptNoClientCertificate(io, config.rejectUnauthorized, AlertDescription.handshake_failure);
    } else {
      clientKey = acceptPeerChain(io, config.rejectUnauthorized, chain, config.verifier.verifyClient(chain, { now: config.now() }));
    }
    this.hs.transcript.add(message.raw);
    return new ExpectClientKeyExchange(this.hs, clientKey);
  }
}

export class ExpectClientKeyExchange implements State {
  readonly name = 'server.tls12.ExpectClientKeyExchange';
  constructor(
    private readonly hs: ServerTls12,
    private readonly clientKey: PublicKey | undefined,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.client_key_exchange);
    const { suite, transcript, randoms } = this.hs;
    const value = readClientKeyExchange(message.body, suite.kx);
    const premaster = this.hs.agreement.premaster(value, io.provider, this.hs.identity?.key);
    transcript.add(message.raw);
    const master = deriveMaster(io.provider, suite, premaster, randoms, this.hs.ems, transcript);
    io.negotiated.masterSecret = master;
    emitKeylog(io, randoms, master);
    const keys = makeProtections(io.provider, suite, master, randoms);
    // RFC 5246 §7.4.8: a client that sent a certificate must prove it holds the key.
    if (this.clientKey) return new ExpectCertificateVerify(this.hs, master, keys, this.clientKey);
    return new ExpectChangeCipherSpec(this.hs, master, keys);
  }
}

export class ExpectCertificateVerify implements State {
  readonly name = 'server.tls12.ExpectCertificateVerify';
  constructor(
    private readonly hs: ServerTls12,
    private readonly master: Uint8Array,
    private readonly keys: Protections,
    private readonly clientKey: PublicKey,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate_verify);
    const cv = readCertificateVerify(message.body);
    // RFC 5246 §7.4.8: the scheme must be one we listed in CertificateRequest (never a TLS 1.3-only one).
    if (!this.hs.config.signatureSchemes.includes(cv.scheme) || !isTls12Scheme(cv.scheme)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `CertificateVerify uses ${nameOf(SignatureScheme, cv.scheme, 'SignatureScheme')}, which we did not request`);
    }
    // The signature covers every handshake message before this one.
    checkPeerSignature(this.clientKey, cv.scheme, this.hs.transcript.bytes(), cv.signature, false, 'client CertificateVerify');
    io.negotiated.peerSignatureScheme = cv.scheme;
    this.hs.transcript.add(message.raw);
    return new ExpectChangeCipherSpec(this.hs, this.master, this.keys);
  }
}

export class ExpectChangeCipherSpec implements State {
  readonly name = 'server.tls12.ExpectChangeCipherSpec';
  constructor(
    private readonly hs: ServerTls12,
    private readonly master: Uint8Array,
    private readonly keys: Protections,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    expectChangeCipherSpec(input, this.name);
    io.setReadProtection(this.keys.client);
    return new ExpectFinished(this.hs, this.master, this.keys.server);
  }
}

export class ExpectFinished implements State {
  readonly name = 'server.tls12.ExpectFinished';
  constructor(
    private readonly hs: ServerTls12,
    private readonly master: Uint8Array,
    private readonly serverKeys: RecordProtection,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.finished);
    const { suite, transcript } = this.hs;
    checkFinished(message, finishedFor(io.provider, suite, this.master, 'client', transcript));
    transcript.add(message.raw);
    io.negotiated.peerFinished = message.body;

    const session = sessionState12(this.hs.config, suite, this.master, this.hs.ems, io);
    const sessions = this.hs.config.sessions;
    sessions.remember(this.hs.sessionId, session);
    if (!this.hs.issueTicket) io.emit(lazyNewSessionEvent(this.hs.sessionId, () => sessions.encode(session)));
    if (this.hs.issueTicket) {
      // RFC 5077 §3.3: a zero-length ticket when we cannot issue one after all.
      const ticket = this.hs.config.sessions.seal(session) ?? new Uint8Array(0);
      transcript.add(io.sendHandshake(HandshakeType.new_session_ticket, writeNewSessionTicketTls12(this.hs.config.sessions.lifetime, ticket)).raw);
    }
    io.sendChangeCipherSpec();
    io.setWriteProtection(this.serverKeys);
    const verifyData = finishedFor(io.provider, suite, this.master, 'server', transcript);
    transcript.add(io.sendHandshake(HandshakeType.finished, verifyData).raw);
    io.negotiated.ourFinished = verifyData;
    io.emit({ type: 'handshake-complete' });
    return new Traffic('server');
  }
}
