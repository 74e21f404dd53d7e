/**
 * TLS 1.2 client states (RFC 5246 §7.3), after ServerHello:
 *
 *   ExpectCertificate
 *     → ExpectServerKeyExchange                (ECDHE, DHE only; RSA key transport skips it)
 *     → ExpectCertificateRequestOrServerHelloDone
 *     → [ExpectServerHelloDone]                (after a CertificateRequest)
 *     ⇒ our flight: [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished
 *     → ExpectChangeCipherSpec → ExpectFinished → Traffic
 */
import type { Identity, ResolvedClientConfig } from '../../config.js';
import type { PublicKey } from '../../crypto/provider.js';
import type { Tls12Suite } from '../../crypto/suites.js';
import { lazySessionEvent } from '../../connection/events.js';
import { LocalAlert } from '../../errors.js';
import { readCertificateRequestTls12, type CertificateRequestTls12 } from '../../messages/certificate-request.js';
import { writeCertificateVerify } from '../../messages/certificate-verify.js';
import { readCertificateTls12, writeCertificateTls12 } from '../../messages/certificate.js';
import { readCertificateStatus } from '../../messages/certificate-status.js';
import { writeClientKeyExchange } from '../../messages/client-key-exchange.js';
import { AlertDescription, ClientCertificateType, HandshakeType, ProtocolVersion, SignatureScheme, nameOf } from '../../messages/enums.js';
import { readPskServerKeyExchange, readServerKeyExchange } from '../../messages/server-key-exchange.js';
import { pskClient } from '../tls12-key-exchange/psk.js';
import { askExternalPsk } from '../psk.js';
import { chooseSignatureScheme, isTls12Scheme, keyTypeFor } from '../negotiation.js';
import { expectChangeCipherSpec, expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { Traffic } from '../traffic.js';
import type { Transcript } from '../transcript.js';
import { checkFinished, deriveMaster, emitKeylog, finishedFor, makeProtections, signedParams, type Randoms } from '../tls12-common.js';
import { dheClient } from '../tls12-key-exchange/dhe.js';
import { ecdheClient } from '../tls12-key-exchange/ecdhe.js';
import type { ClientKeyAgreement } from '../tls12-key-exchange/key-exchange.js';
import { rsaClient } from '../tls12-key-exchange/rsa.js';
import type { ClientOffer } from './hello.js';
import { acceptExternalPsk, acceptPeerChain, restorePeerIdentity, checkPeerSignature } from '../peer-auth.js';
import { encodeClientSession, keptCertificates, type ClientSession } from '../../session/session.js';
import { readNewSessionTicketTls12 } from '../../messages/post-handshake.js';
import type { RecordProtection } from '../../record/protection.js';

/** The handshake's fixed facts once ServerHello is in. */
export class ClientTls12 {
  constructor(
    readonly config: ResolvedClientConfig,
    readonly offer: ClientOffer,
    readonly transcript: Transcript,
    readonly suite: Tls12Suite,
    readonly randoms: Randoms,
    readonly ems: boolean,
    /** The session ID the server gave (empty when it keeps no session state for us). */
    readonly sessionId: Uint8Array,
    /** The server acknowledged session_ticket: a NewSessionTicket precedes its ChangeCipherSpec. */
    readonly expectTicket: boolean,
    /** The server acknowledged status_request: a CertificateStatus may follow its Certificate (RFC 6066 §8). */
    readonly statusAcknowledged: boolean,
  ) {}
}

/**
 * An abbreviated handshake (RFC 5246 §7.3, Figure 2): the master secret comes from the session;
 * the server's ChangeCipherSpec and Finished come first, ours follow.
 */
export function resumeTls12(hs: ClientTls12, session: ClientSession, io: HandshakeIo): State {
  if (session.suite !== hs.suite.id) throw new LocalAlert(AlertDescription.illegal_parameter, 'server resumed a session with a different cipher suite');
  // RFC 7627 §5.3: the resumed handshake must agree with the session on extended_master_secret.
  if (session.extendedMasterSecret !== hs.ems) {
    throw new LocalAlert(AlertDescription.handshake_failure, 'server resumed a session but changed extended_master_secret');
  }
  const master = session.secret;
  io.negotiated.masterSecret = master;
  restorePeerIdentity(io, session);
  emitKeylog(io, hs.randoms, master);
  const keys = makeProtections(io.provider, hs.suite, master, hs.randoms);
  if (hs.expectTicket) return new ExpectNewSessionTicket(hs, master, keys.server, keys.client);
  // No new ticket: the session resumed stays the application's (no 'session' event, as node:tls).
  return new ExpectChangeCipherSpec(hs, master, keys.server, keys.client, new Uint8Array(0));
}

export class ExpectCertificate implements State {
  readonly name = 'client.tls12.ExpectCertificate';
  constructor(private readonly hs: ClientTls12) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate);
    const chain = readCertificateTls12(message.body);
    // The server must send a certificate: every suite we implement is authenticated.
    if (chain.length === 0) throw new LocalAlert(AlertDescription.decode_error, 'server sent an empty Certificate');
    const { config } = this.hs;
    // The leaf must allow the use the suite makes of it: signing (ECDHE, DHE) or key encipherment (RSA).
    const result = config.verifier.verifyServer(chain, { host: config.checkHost, now: config.now(), keyUsage: this.hs.suite.kx === 'RSA' ? 'encipher' : 'sign' });
    acceptPeerChain(io, config.rejectUnauthorized, chain, result);
    // The leaf key must fit the suite (an ECDSA suite needs an EC key, the others RSA).
    if (result.leafKey.type !== keyTypeFor(this.hs.suite)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `server certificate has a ${result.leafKey.type} key, but ${this.hs.suite.name} needs ${keyTypeFor(this.hs.suite)}`);
    }
    this.hs.transcript.add(message.raw);
    const next = this.hs.suite.kx === 'RSA' ? new ExpectCertificateRequestOrServerHelloDone(this.hs, result.leafKey, undefined) : new ExpectServerKeyExchange(this.hs, result.leafKey);
    // Without the acknowledgement a CertificateStatus is unexpected_message in the next state.
    return this.hs.statusAcknowledged ? new ExpectCertificateStatus(this.hs, next) : next;
  }
}

/**
 * RFC 6066 §8: after acknowledging status_request the server sends CertificateStatus right after
 * its Certificate, or (it "MAY also choose not to") goes straight on; anything else is the next
 * state's to judge. The response is recorded, not judged: node:tls hands it to the application.
 */
export class ExpectCertificateStatus implements State {
  readonly name = 'client.tls12.ExpectCertificateStatus';
  constructor(
    private readonly hs: ClientTls12,
    private readonly next: State,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    if (input.kind !== 'handshake' || input.message.type !== HandshakeType.certificate_status) return this.next.handle(input, io);
    io.negotiated.ocspResponse = readCertificateStatus(input.message.body);
    this.hs.transcript.add(input.message.raw);
    return this.next;
  }
}

export class ExpectServerKeyExchange implements State {
  readonly name = 'client.tls12.ExpectServerKeyExchange';
  constructor(
    private readonly hs: ClientTls12,
    private readonly serverKey: PublicKey,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    // RFC 5246 §7.4.3: mandatory for DHE and ECDHE; skipping it is unexpected_message (SMACK).
    const message = expectHandshake(input, this.name, HandshakeType.server_key_exchange);
    const ske = readServerKeyExchange(message.body, this.hs.suite.kx === 'ECDHE' ? 'ecdhe' : 'dhe');
    // RFC 5246 §7.4.1.4.1: the scheme must be one we offered (never SHA-1 or MD5, RFC 9155), and
    // one TLS 1.2 has (ML-DSA is TLS 1.3 only, draft-ietf-tls-mldsa §3).
    if (!this.hs.offer.signatureSchemes.includes(ske.scheme) || !isTls12Scheme(ske.scheme)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `ServerKeyExchange signed with ${nameOf(SignatureScheme, ske.scheme, 'SignatureScheme')}, which we did not offer`);
    }
    checkPeerSignature(this.serverKey, ske.scheme, signedParams(this.hs.randoms, ske.paramsRaw), ske.signature, false, 'ServerKeyExchange');
    io.negotiated.peerSignatureScheme = ske.scheme;
    const agreement =
      ske.params.kind === 'ecdhe'
        ? ecdheClient(io.provider, ske.params, this.hs.offer.groups)
        : dheClient(io.provider, ske.params, this.hs.config.minDHSize);
    io.negotiated.group = agreement.group;
    this.hs.transcript.add(message.raw);
    return new ExpectCertificateRequestOrServerHelloDone(this.hs, this.serverKey, agreement);
  }
}

/**
 * A PSK suite (RFC 4279 §2, RFC 5489 §2): no Certificate; ServerKeyExchange with the identity hint
 * (and for ECDHE_PSK unsigned ECDHE params), which plain PSK may omit; then ServerHelloDone.
 * node:tls's pskCallback gets the hint and gives the identity and key for our ClientKeyExchange.
 */
export class ExpectPskServerKeyExchange implements State {
  readonly name = 'client.tls12.ExpectPskServerKeyExchange';
  constructor(private readonly hs: ClientTls12) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const ecdhe = this.hs.suite.kx === 'ECDHE_PSK';
    const message = ecdhe ? expectHandshake(input, this.name, HandshakeType.server_key_exchange) : expectHandshake(input, this.name, HandshakeType.server_key_exchange, HandshakeType.server_hello_done);
    const ske = message.type === HandshakeType.server_key_exchange ? readPskServerKeyExchange(message.body, ecdhe) : undefined;
    const hint = ske && ske.hint.length > 0 ? new TextDecoder().decode(ske.hint) : null;
    const psk = askExternalPsk(this.hs.config, hint);
    // RFC 4279 §2: a client without a PSK for this server cannot go on (OpenSSL: handshake_failure).
    if (!psk) throw new LocalAlert(AlertDescription.handshake_failure, 'pskCallback gave no PSK for this server');
    const agreement = pskClient(io.provider, psk, ske?.params, this.hs.offer.groups);
    io.negotiated.group = agreement.group;
    acceptExternalPsk(io, psk.identity, 'client');
    if (!ske) return new ExpectServerHelloDone(this.hs, undefined, agreement, undefined).handle(input, io);
    this.hs.transcript.add(message.raw);
    return new ExpectServerHelloDone(this.hs, undefined, agreement, undefined);
  }
}

export class ExpectCertificateRequestOrServerHelloDone implements State {
  readonly name = 'client.tls12.ExpectCertificateRequestOrServerHelloDone';
  constructor(
    private readonly hs: ClientTls12,
    private readonly serverKey: PublicKey,
    private readonly agreement: ClientKeyAgreement | undefined,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate_request, HandshakeType.server_hello_done);
    if (message.type === HandshakeType.server_hello_done) {
      return new ExpectServerHelloDone(this.hs, this.serverKey, this.agreement, undefined).handle(input, io);
    }
    const request = readCertificateRequestTls12(message.body);
    this.hs.transcript.add(message.raw);
    io.negotiated.certificateRequested = true;
    io.negotiated.certificateRequest = { signatureSchemes: request.signatureSchemes, certificateAuthorities: request.certificateAuthorities };
    return new ExpectServerHelloDone(this.hs, this.serverKey, this.agreement, request);
  }
}

export class ExpectServerHelloDone implements State {
  readonly name = 'client.tls12.ExpectServerHelloDone';
  constructor(
    private readonly hs: ClientTls12,
    /** The certificate's key (undefined with a PSK, which brings its own agreement). */
    private readonly serverKey: PublicKey | undefined,
    private readonly agreement: ClientKeyAgreement | undefined,
    private readonly request: CertificateRequestTls12 | undefined,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.server_hello_done);
    // RFC 5246 §7.4.5: ServerHelloDone is empty.
    if (message.body.length !== 0) throw new LocalAlert(AlertDescription.decode_error, 'ServerHelloDone with a body');
    const { transcript, suite, randoms, config } = this.hs;
    transcript.add(message.raw);

    // Client Certificate (RFC 5246 §7.4.6): sent only when asked; empty when we have no fitting identity.
    const identity = this.request ? chooseClientIdentity(config.identities, this.request, config.signatureSchemes) : undefined;
    if (this.request) {
      io.negotiated.ourCertificates = identity?.identity.chain ?? [];
      transcript.add(io.sendHandshake(HandshakeType.certificate, writeCertificateTls12(io.negotiated.ourCertificates)).raw);
      io.negotiated.sentCertificate = identity !== undefined;
    }

    // ClientKeyExchange (RFC 5246 §7.4.7).
    const agreement = this.agreement ?? rsaClient(io.provider, this.serverKey!, ProtocolVersion.TLSv1_2);
    transcript.add(io.sendHandshake(HandshakeType.client_key_exchange, writeClientKeyExchange(agreement.clientValue, suite.kx)).raw);
    const master = deriveMaster(io.provider, suite, agreement.premaster, randoms, this.hs.ems, transcript);
    io.negotiated.masterSecret = master;
    emitKeylog(io, randoms, master);

    // CertificateVerify (RFC 5246 §7.4.8): a signature over every handshake message so far.
    if (identity) {
      const signature = identity.identity.key.sign(identity.scheme, transcript.bytes());
      transcript.add(io.sendHandshake(HandshakeType.certificate_verify, writeCertificateVerify({ scheme: identity.scheme, signature })).raw);
      io.negotiated.ourSignatureScheme = identity.scheme;
    }

    const keys = makeProtections(io.provider, suite, master, randoms);
    io.sendChangeCipherSpec();
    io.setWriteProtection(keys.client);
    const verifyData = finishedFor(io.provider, suite, master, 'client', transcript);
    transcript.add(io.sendHandshake(HandshakeType.finished, verifyData).raw);
    io.negotiated.ourFinished = verifyData;
    if (this.hs.expectTicket) return new ExpectNewSessionTicket(this.hs, master, keys.server, undefined);
    return new ExpectChangeCipherSpec(this.hs, master, keys.server, undefined, new Uint8Array(0));
  }
}

/** An identity whose key type the server accepts and that can sign with a scheme it listed. */
function chooseClientIdentity(
  identities: readonly Identity[],
  request: CertificateRequestTls12,
  allowed: readonly number[],
): { identity: Identity; scheme: number } | undefined {
  for (const identity of identities) {
    const typeOk =
      (identity.key.type === 'rsa' && request.certificateTypes.includes(ClientCertificateType.rsa_sign)) ||
      (identity.key.type !== 'rsa' && request.certificateTypes.includes(ClientCertificateType.ecdsa_sign));
    if (!typeOk) continue;
    const scheme = chooseSignatureScheme(identity.key, request.signatureSchemes, allowed);
    if (scheme !== undefined) return { identity, scheme };
  }
  return undefined;
}

/** RFC 5077 §3.3: the ticket arrives after our Finished (or the ServerHello, when resuming), before the server's CCS. */
export class ExpectNewSessionTicket implements State {
  readonly name = 'client.tls12.ExpectNewSessionTicket';
  constructor(
    private readonly hs: ClientTls12,
    private readonly master: Uint8Array,
    private readonly serverKeys: RecordProtection,
    private readonly resumedClientKeys: RecordProtection | undefined,
  ) {}

  handle(input: Incoming): State {
    const message = expectHandshake(input, this.name, HandshakeType.new_session_ticket);
    const ticket = readNewSessionTicketTls12(message.body);
    this.hs.transcript.add(message.raw);
    return new ExpectChangeCipherSpec(this.hs, this.master, this.serverKeys, this.resumedClientKeys, ticket.ticket, ticket.lifetimeHint);
  }
}

export class ExpectChangeCipherSpec implements State {
  readonly name = 'client.tls12.ExpectChangeCipherSpec';
  constructor(
    private readonly hs: ClientTls12,
    private readonly master: Uint8Array,
    private readonly serverKeys: RecordProtection,
    /** Set when resuming: our keys, used once the server's Finished is checked. */
    private readonly resumedClientKeys: RecordProtection | undefined,
    private readonly ticket: Uint8Array,
    private readonly lifetimeHint = 0,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    expectChangeCipherSpec(input, this.name);
    io.setReadProtection(this.serverKeys);
    return new ExpectFinished(this.hs, this.master, this.resumedClientKeys, this.ticket, this.lifetimeHint);
  }
}

export class ExpectFinished implements State {
  readonly name = 'client.tls12.ExpectFinished';
  constructor(
    private readonly hs: ClientTls12,
    private readonly master: Uint8Array,
    private readonly resumedClientKeys: RecordProtection | undefined,
    private readonly ticket: Uint8Array,
    private readonly lifetimeHint: number,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.finished);
    const { suite, transcript } = this.hs;
    const expected = finishedFor(io.provider, suite, this.master, 'server', transcript);
    checkFinished(message, expected);
    transcript.add(message.raw);
    io.negotiated.peerFinished = message.body;
    if (this.resumedClientKeys) {
      // Abbreviated handshake: our ChangeCipherSpec and Finished answer the server's.
      io.sendChangeCipherSpec();
      io.setWriteProtection(this.resumedClientKeys);
      const verifyData = finishedFor(io.provider, suite, this.master, 'client', transcript);
      transcript.add(io.sendHandshake(HandshakeType.finished, verifyData).raw);
      io.negotiated.ourFinished = verifyData;
    }
    // The session first, so that it is there when the handshake completes (node:tls getSession() in
    // 'secureConnect'); a resumption makes a new one only when the server sent a new ticket.
    const session = this.resumedClientKeys && this.ticket.length === 0 ? undefined : clientSession12(this.hs, io, this.master, this.ticket, this.lifetimeHint);
    if (session) io.emit(lazySessionEvent(() => encodeClientSession(session)));
    io.emit({ type: 'handshake-complete' });
    return new Traffic('client');
  }
}

/** The session to hand to the application, when the server left a way to resume it (an ID or a ticket). */
function clientSession12(hs: ClientTls12, io: HandshakeIo, master: Uint8Array, ticket: Uint8Array, lifetimeHint: number): ClientSession | undefined {
  if (hs.sessionId.length === 0 && ticket.length === 0) return undefined;
  const n = io.negotiated;
  return {
    version: ProtocolVersion.TLSv1_2,
    suite: hs.suite.id,
    secret: master,
    extendedMasterSecret: hs.ems,
    created: hs.config.now().getTime(),
    lifetime: lifetimeHint || 300,
    ageAdd: 0,
    serverName: hs.config.serverName ?? '',
    alpn: n.alpn ?? '',
    peerCertificates: keptCertificates(n.peerCertificates),
    peerVerified: n.peerVerified,
    sessionId: hs.sessionId,
    ticket,
  };
}
