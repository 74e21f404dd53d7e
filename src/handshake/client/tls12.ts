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
import { LocalAlert } from '../../errors.js';
import { readCertificateRequestTls12, type CertificateRequestTls12 } from '../../messages/certificate-request.js';
import { writeCertificateVerify } from '../../messages/certificate-verify.js';
import { readCertificateTls12, writeCertificateTls12 } from '../../messages/certificate.js';
import { writeClientKeyExchange } from '../../messages/client-key-exchange.js';
import { AlertDescription, ClientCertificateType, HandshakeType, ProtocolVersion, SignatureScheme, nameOf } from '../../messages/enums.js';
import { readServerKeyExchange } from '../../messages/server-key-exchange.js';
import { chooseSignatureScheme, keyTypeFor } from '../negotiation.js';
import { expectChangeCipherSpec, expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { Traffic } from '../traffic.js';
import type { Transcript } from '../transcript.js';
import { checkFinished, deriveMaster, emitKeylog, finishedFor, makeProtections, signedParams, type Randoms } from '../tls12-common.js';
import { dheClient } from '../tls12-key-exchange/dhe.js';
import { ecdheClient } from '../tls12-key-exchange/ecdhe.js';
import type { ClientKeyAgreement } from '../tls12-key-exchange/key-exchange.js';
import { rsaClient } from '../tls12-key-exchange/rsa.js';
import type { ClientOffer } from './hello.js';
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
  ) {}
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
    const result = config.verifier.verifyServer(chain, { host: config.checkHost, now: config.now() });
    io.negotiated.peerCertificates = chain;
    if (result.error) {
      if (config.rejectUnauthorized) throw result.error;
      io.negotiated.peerVerifyError = result.error;
    } else {
      io.negotiated.peerVerified = true;
    }
    // The leaf key must fit the suite (an ECDSA suite needs an EC key, the others RSA).
    if (result.leafKey.type !== keyTypeFor(this.hs.suite)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `server certificate has a ${result.leafKey.type} key, but ${this.hs.suite.name} needs ${keyTypeFor(this.hs.suite)}`);
    }
    this.hs.transcript.add(message.raw);
    if (this.hs.suite.kx === 'RSA') return new ExpectCertificateRequestOrServerHelloDone(this.hs, result.leafKey, undefined);
    return new ExpectServerKeyExchange(this.hs, result.leafKey);
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
    // RFC 5246 §7.4.1.4.1: the scheme must be one we offered (never SHA-1 or MD5, RFC 9155).
    if (!this.hs.offer.signatureSchemes.includes(ske.scheme)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `ServerKeyExchange signed with ${nameOf(SignatureScheme, ske.scheme, 'SignatureScheme')}, which we did not offer`);
    }
    if (!this.serverKey.verify(ske.scheme, signedParams(this.hs.randoms, ske.paramsRaw), ske.signature)) {
      throw new LocalAlert(AlertDescription.decrypt_error, 'ServerKeyExchange signature does not verify with the server certificate');
    }
    io.negotiated.peerSignatureScheme = ske.scheme;
    const agreement =
      ske.params.kind === 'ecdhe'
        ? ecdheClient(io.provider, ske.params, this.hs.offer.groups)
        : dheClient(io.provider, ske.params);
    io.negotiated.group = agreement.group;
    this.hs.transcript.add(message.raw);
    return new ExpectCertificateRequestOrServerHelloDone(this.hs, this.serverKey, agreement);
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
    return new ExpectServerHelloDone(this.hs, this.serverKey, this.agreement, request);
  }
}

export class ExpectServerHelloDone implements State {
  readonly name = 'client.tls12.ExpectServerHelloDone';
  constructor(
    private readonly hs: ClientTls12,
    private readonly serverKey: PublicKey,
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
      transcript.add(io.sendHandshake(HandshakeType.certificate, writeCertificateTls12(identity?.identity.chain ?? [])).raw);
      io.negotiated.sentCertificate = identity !== undefined;
    }

    // ClientKeyExchange (RFC 5246 §7.4.7).
    const agreement = this.agreement ?? rsaClient(io.provider, this.serverKey, ProtocolVersion.TLSv1_2);
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
    return new ExpectChangeCipherSpec(this.hs, master, keys.server);
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

export class ExpectChangeCipherSpec implements State {
  readonly name = 'client.tls12.ExpectChangeCipherSpec';
  constructor(
    private readonly hs: ClientTls12,
    private readonly master: Uint8Array,
    private readonly serverKeys: RecordProtection,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    expectChangeCipherSpec(input, this.name);
    io.setReadProtection(this.serverKeys);
    return new ExpectFinished(this.hs, this.master);
  }
}

export class ExpectFinished implements State {
  readonly name = 'client.tls12.ExpectFinished';
  constructor(
    private readonly hs: ClientTls12,
    private readonly master: Uint8Array,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.finished);
    const expected = finishedFor(io.provider, this.hs.suite, this.master, 'server', this.hs.transcript);
    checkFinished(message, expected);
    this.hs.transcript.add(message.raw);
    io.negotiated.peerFinished = message.body;
    io.emit({ type: 'handshake-complete' });
    return new Traffic('client');
  }
}
