/**
 * TLS 1.3 client states (RFC 8446 §2, §4), after a ServerHello that selected TLS 1.3:
 *
 *   [HelloRetryRequest ⇒ second ClientHello → ExpectServerHello again]
 *   ExpectEncryptedExtensions → ExpectCertificateOrCertificateRequest → [ExpectCertificate]
 *     → ExpectCertificateVerify → ExpectFinished
 *     ⇒ [ChangeCipherSpec] [Certificate] [CertificateVerify] Finished → Traffic13
 */
import type { ResolvedClientConfig } from '../../config.js';
import { InvalidPublicKey, type KeyShare, type PublicKey } from '../../crypto/provider.js';
import type { Tls13Suite } from '../../crypto/suites.js';
import { LocalAlert } from '../../errors.js';
import { EarlySecret, type HandshakeSecret } from '../../keys/key-schedule-tls13.js';
import { readCertificateAuthorities } from '../../messages/certificate-request.js';
import { readCertificateRequestTls13, readCertificateTls13, writeCertificateTls13, type CertificateRequestTls13 } from '../../messages/certificate-tls13.js';
import { readCertificateVerify, writeCertificateVerify } from '../../messages/certificate-verify.js';
import { readEncryptedExtensions } from '../../messages/encrypted-extensions.js';
import { readCertificateStatus } from '../../messages/certificate-status.js';
import { AlertDescription, ExtensionType, HandshakeType, ProtocolVersion, SignatureScheme, nameOf } from '../../messages/enums.js';
import { findExtension, type Extension } from '../../messages/extensions/index.js';
import { readAlpn, readEmpty, readU16ListExtension } from '../../messages/extensions/simple.js';
import { readCookie, readKeyShareRetry, readKeyShareServer, readPreSharedKeyServer } from '../../messages/extensions/tls13.js';
import type { ServerHello } from '../../messages/server-hello.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { Traffic13 } from '../traffic13.js';
import type { ClientSession } from '../../session/session.js';
import type { Transcript } from '../transcript.js';
import { constantTimeEqual } from '../tls12-common.js';
import { certificateVerifyContent, checkFinished13, chooseTls13Scheme, keylog13, protectionFor, TLS13_SIGNATURE_SCHEMES } from '../tls13-common.js';
import type { ClientOffer } from './hello.js';
import { acceptExternalPsk, acceptPeerChain, restorePeerIdentity, checkPeerSignature } from '../peer-auth.js';
import { EXTERNAL_PSK_HASH } from '../psk.js';
import { finishedVerifyData } from '../../keys/key-schedule-tls13.js';

/** What a TLS 1.3 client handshake carries from state to state. */
interface Client13 {
  readonly config: ResolvedClientConfig;
  readonly offer: ClientOffer;
  readonly transcript: Transcript;
  readonly suite: Tls13Suite;
  readonly secrets: HandshakeSecret;
  readonly clientHandshakeSecret: Uint8Array;
  readonly serverHandshakeSecret: Uint8Array;
  /** The server accepted our PSK (a session's or an external one): no certificate messages follow (RFC 8446 §2.2). */
  readonly pskAccepted: boolean;
}

/** Extensions a TLS 1.3 ServerHello / HelloRetryRequest may carry (RFC 8446 §4.2 table). */
const IN_SERVER_HELLO = new Set<number>([ExtensionType.supported_versions, ExtensionType.key_share, ExtensionType.pre_shared_key]);
const IN_RETRY = new Set<number>([ExtensionType.supported_versions, ExtensionType.key_share, ExtensionType.cookie]);
const IN_ENCRYPTED_EXTENSIONS = new Set<number>([
  ExtensionType.server_name,
  ExtensionType.max_fragment_length,
  ExtensionType.supported_groups,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.early_data,
]);

/** RFC 8446 §4.2: what a server's CertificateEntry may carry. */
const IN_CERTIFICATE_ENTRY = new Set<number>([ExtensionType.status_request, ExtensionType.signed_certificate_timestamp]);

/**
 * RFC 8446 §4.2: an extension we did not offer is unsupported_extension; one we offered but
 * that may not appear in this message is illegal_parameter.
 */
function checkExtensions(extensions: readonly Extension[], offered: readonly Extension[], allowed: ReadonlySet<number>, where: string): void {
  for (const e of extensions) {
    const name = nameOf(ExtensionType, e.type, 'ExtensionType');
    if (!findExtension(offered, e.type)) throw new LocalAlert(AlertDescription.unsupported_extension, `unsolicited ${name} in ${where}`);
    if (!allowed.has(e.type)) throw new LocalAlert(AlertDescription.illegal_parameter, `${name} is not allowed in ${where}`);
  }
}

/** The checks a TLS 1.3 ServerHello and HelloRetryRequest share (RFC 8446 §4.1.3–4). */
function checkCommon(sh: ServerHello, offer: ClientOffer, where: string): Tls13Suite {
  if (!constantTimeEqual(sh.legacySessionId, offer.hello.legacySessionId)) {
    throw new LocalAlert(AlertDescription.illegal_parameter, `${where}: legacy_session_id_echo does not match`);
  }
  const suite = offer.suites13.find((s) => s.id === sh.cipherSuite);
  if (!suite) throw new LocalAlert(AlertDescription.illegal_parameter, `${where}: cipher suite 0x${sh.cipherSuite.toString(16)} was not offered for TLS 1.3`);
  if (sh.legacyCompressionMethod !== 0) throw new LocalAlert(AlertDescription.illegal_parameter, `${where}: compression method ${sh.legacyCompressionMethod}`);
  return suite;
}

/**
 * A HelloRetryRequest: the server wants a share for another group (RFC 8446 §4.1.4). We answer
 * with a second ClientHello, whose transcript starts with message_hash(ClientHello1).
 */
export function handleHelloRetryRequest(
  config: ResolvedClientConfig,
  offer: ClientOffer,
  transcript: Transcript,
  sh: ServerHello,
  message: HandshakeMessage,
  io: HandshakeIo,
  resend: (offer: ClientOffer, shares: readonly KeyShare[], cookie: Uint8Array | undefined) => ClientOffer,
): { offer: ClientOffer; suite: Tls13Suite; sentCcs: boolean } {
  const suite = checkCommon(sh, offer, 'HelloRetryRequest');
  // RFC 8446 §4.1.4: a cookie may come unasked (only the server invents it).
  const offeredOrCookie = [...offer.hello.extensions, { type: ExtensionType.cookie, data: new Uint8Array(0) }];
  checkExtensions(sh.extensions, offeredOrCookie, IN_RETRY, 'HelloRetryRequest');
  const ks = findExtension(sh.extensions, ExtensionType.key_share);
  const cookieData = findExtension(sh.extensions, ExtensionType.cookie);
  const group = ks === undefined ? undefined : readKeyShareRetry(ks);
  // RFC 8446 §4.1.4: the selected group must be one we listed, and not one we already sent a share for.
  if (group !== undefined && (!offer.groups.includes(group) || offer.keyShares.some((s) => s.group === group))) {
    throw new LocalAlert(AlertDescription.illegal_parameter, `HelloRetryRequest asks for ${nameOf({}, group, 'NamedGroup')}, which is not a new group we offered`);
  }
  // …and it must change something in the ClientHello.
  if (group === undefined && cookieData === undefined) {
    throw new LocalAlert(AlertDescription.illegal_parameter, 'HelloRetryRequest would not change the ClientHello');
  }
  const cookie = cookieData === undefined ? undefined : readCookie(cookieData);
  transcript.setHash(suite.hash);
  transcript.replaceWithMessageHash();
  transcript.add(message.raw);
  io.negotiated.helloRetry = true;
  io.negotiated.version = 'TLSv1.3';
  // Middlebox compatibility (RFC 8446 §D.4): a ChangeCipherSpec before our second flight.
  const sentCcs = offer.hello.legacySessionId.length > 0;
  if (sentCcs) io.sendChangeCipherSpec();
  // RFC 8446 §4.1.2: one share for the group asked for; after a cookie alone, the same (still unused) shares.
  const shares = group === undefined ? offer.keyShares : [io.provider.keyExchange.generate(group as never)];
  return { offer: resend(offer, shares, cookie), suite, sentCcs };
}

/** A ServerHello that selected TLS 1.3: derive the handshake secrets and install the server's keys. */
export function acceptServerHello13(
  config: ResolvedClientConfig,
  offer: ClientOffer,
  transcript: Transcript,
  sh: ServerHello,
  message: HandshakeMessage,
  io: HandshakeIo,
  retry: { suite: Tls13Suite; sentCcs: boolean } | undefined,
): State {
  const suite = checkCommon(sh, offer, 'ServerHello');
  // RFC 8446 §4.1.4: after a HelloRetryRequest the suite must not change.
  if (retry && retry.suite.id !== suite.id) throw new LocalAlert(AlertDescription.illegal_parameter, 'ServerHello changed the cipher suite chosen in HelloRetryRequest');
  checkExtensions(sh.extensions, offer.hello.extensions, IN_SERVER_HELLO, 'ServerHello');
  const ksData = findExtension(sh.extensions, ExtensionType.key_share);
  // RFC 8446 §9.2: without pre_shared_key, key_share is mandatory.
  if (ksData === undefined) throw new LocalAlert(AlertDescription.missing_extension, 'ServerHello has no key_share');
  const entry = readKeyShareServer(ksData);
  const share = offer.keyShares.find((s) => s.group === entry.group);
  if (!share) throw new LocalAlert(AlertDescription.illegal_parameter, `ServerHello key_share is for a group we sent no share for`);
  let shared: Uint8Array;
  try {
    shared = share.deriveSecret(entry.keyExchange);
  } catch (e) {
    if (e instanceof InvalidPublicKey) throw new LocalAlert(AlertDescription.illegal_parameter, `invalid server key share: ${e.message}`);
    throw e;
  }
  // RFC 8446 §4.2.11: the server picked our PSK (we offer one, so index 0), for a suite with its hash.
  const pskData = findExtension(sh.extensions, ExtensionType.pre_shared_key);
  let resumed: ClientSession | undefined;
  let pskSecret: Uint8Array | undefined;
  if (pskData !== undefined) {
    const index = readPreSharedKeyServer(pskData);
    const session = offer.session?.version === ProtocolVersion.TLSv1_3 ? offer.session : undefined;
    if (index !== 0 || (!session && !offer.external)) throw new LocalAlert(AlertDescription.illegal_parameter, `server selected PSK ${index}, which we did not offer`);
    if (session) {
      if (session.suite !== suite.id) throw new LocalAlert(AlertDescription.illegal_parameter, 'server resumed with a different cipher suite');
      resumed = session;
      pskSecret = session.secret;
    } else {
      // §4.2.11: the suite must use the PSK's hash.
      if (suite.hash !== EXTERNAL_PSK_HASH) throw new LocalAlert(AlertDescription.illegal_parameter, `server accepted our PSK with ${suite.name}, whose hash is not the PSK's`);
      pskSecret = offer.external!.key;
    }
  }
  if (!retry) transcript.setHash(suite.hash);
  transcript.add(message.raw);

  const { hash } = io.provider;
  const secrets = new EarlySecret(hash, suite.hash, pskSecret).handshakeSecret(shared);
  const th = transcript.hash();
  const clientHandshakeSecret = secrets.clientHandshakeTrafficSecret(th);
  const serverHandshakeSecret = secrets.serverHandshakeTrafficSecret(th);
  io.setReadProtection(protectionFor(io.provider, suite, serverHandshakeSecret));
  // As Go and BoringSSL: the compatibility CCS goes out now (RFC 8446 §D.4 allows right after
  // ServerHello) and our handshake keys are installed at once, so that an alert we send about the
  // server's flight is encrypted, as the server expects.
  const sentCcs = retry?.sentCcs ?? false;
  if (!sentCcs && offer.hello.legacySessionId.length > 0) io.sendChangeCipherSpec();
  io.setWriteProtection(protectionFor(io.provider, suite, clientHandshakeSecret));
  io.emit(keylog13('CLIENT_HANDSHAKE_TRAFFIC_SECRET', offer.hello.random, clientHandshakeSecret));
  io.emit(keylog13('SERVER_HANDSHAKE_TRAFFIC_SECRET', offer.hello.random, serverHandshakeSecret));

  const n = io.negotiated;
  n.version = 'TLSv1.3';
  n.suite13 = suite;
  n.group = entry.group;
  n.serverRandom = new Uint8Array(sh.random); // a copy: sh.random views the whole ServerHello
  if (resumed) restorePeerIdentity(io, resumed);
  else if (pskSecret) acceptExternalPsk(io, offer.external!.identity, 'client');
  const hs: Client13 = { config, offer, transcript, suite, secrets, clientHandshakeSecret, serverHandshakeSecret, pskAccepted: pskSecret !== undefined };
  return new ExpectEncryptedExtensions(hs);
}

class ExpectEncryptedExtensions implements State {
  readonly name = 'client.tls13.ExpectEncryptedExtensions';
  constructor(private readonly hs: Client13) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.encrypted_extensions);
    const extensions = readEncryptedExtensions(message.body);
    checkExtensions(extensions, this.hs.offer.hello.extensions, IN_ENCRYPTED_EXTENSIONS, 'EncryptedExtensions');
    const sni = findExtension(extensions, ExtensionType.server_name);
    if (sni !== undefined) readEmpty(sni, 'server_name in EncryptedExtensions');
    const groups = findExtension(extensions, ExtensionType.supported_groups);
    if (groups !== undefined) readU16ListExtension(groups, 'supported_groups');
    // RFC 8446 §4.2.10: we never send early_data, so the server cannot accept it.
    if (findExtension(extensions, ExtensionType.early_data)) throw new LocalAlert(AlertDescription.unsupported_extension, 'early_data accepted but never offered');
    const alpn = findExtension(extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpn !== undefined) {
      const chosen = readAlpn(alpn);
      // RFC 7301 §3.1: exactly one protocol, one that we offered.
      if (chosen.length !== 1 || !this.hs.offer.alpn.includes(chosen[0]!)) {
        throw new LocalAlert(AlertDescription.illegal_parameter, `server selected ALPN ${JSON.stringify(chosen)}, which we did not offer`);
      }
      io.negotiated.alpn = chosen[0];
    }
    this.hs.transcript.add(message.raw);
    // With a PSK the server is already authenticated: Finished comes next.
    if (this.hs.pskAccepted) return new ExpectFinished(this.hs, undefined);
    return new ExpectCertificateOrCertificateRequest(this.hs);
  }
}

class ExpectCertificateOrCertificateRequest implements State {
  readonly name = 'client.tls13.ExpectCertificateOrCertificateRequest';
  constructor(private readonly hs: Client13) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate, HandshakeType.certificate_request);
    if (message.type === HandshakeType.certificate) return new ExpectCertificate(this.hs, undefined).handle(input, io);
    const request = readCertificateRequestTls13(message.body);
    // RFC 8446 §4.3.2: signature_algorithms MUST be present.
    const sigs = findExtension(request.extensions, ExtensionType.signature_algorithms);
    if (sigs === undefined) throw new LocalAlert(AlertDescription.missing_extension, 'CertificateRequest without signature_algorithms');
    const signatureSchemes = readU16ListExtension(sigs, 'signature_algorithms');
    // In the handshake the context is empty (it is only for post-handshake authentication).
    if (request.context.length !== 0) throw new LocalAlert(AlertDescription.illegal_parameter, 'CertificateRequest context must be empty during the handshake');
    // RFC 8446 §4.2.4: the CAs whose certificates the server accepts (informational: our choice of identity does not use it).
    const cas = findExtension(request.extensions, ExtensionType.certificate_authorities);
    const certificateAuthorities = cas === undefined ? [] : readCertificateAuthorities(cas);
    this.hs.transcript.add(message.raw);
    io.negotiated.certificateRequested = true;
    io.negotiated.certificateRequest = { signatureSchemes, certificateAuthorities };
    return new ExpectCertificate(this.hs, request);
  }
}

class ExpectCertificate implements State {
  readonly name = 'client.tls13.ExpectCertificate';
  constructor(
    private readonly hs: Client13,
    private readonly request: CertificateRequestTls13 | undefined,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate);
    const cert = readCertificateTls13(message.body);
    if (cert.context.length !== 0) throw new LocalAlert(AlertDescription.illegal_parameter, 'server Certificate has a request context');
    const chain = cert.entries.map((e) => e.certData);
    // RFC 8446 §4.4.2.4: an empty server Certificate is decode_error.
    if (chain.length === 0) throw new LocalAlert(AlertDescription.decode_error, 'server sent an empty Certificate');
    // RFC 8446 §4.4.2: entry extensions must answer ones we offered, and belong in a Certificate.
    for (const entry of cert.entries) checkExtensions(entry.extensions, this.hs.offer.hello.extensions, IN_CERTIFICATE_ENTRY, 'CertificateEntry');
    // RFC 8446 §4.4.2.1: a stapled OCSP response for the leaf (recorded, not judged, as node:tls).
    const status = findExtension(cert.entries[0]!.extensions, ExtensionType.status_request);
    if (status !== undefined) io.negotiated.ocspResponse = readCertificateStatus(status);
    const { config } = this.hs;
    const result = config.verifier.verifyServer(chain, { host: config.checkHost, now: config.now(), keyUsage: 'sign' });
    const leafKey = acceptPeerChain(io, config.rejectUnauthorized, chain, result);
    this.hs.transcript.add(message.raw);
    return new ExpectCertificateVerify(this.hs, this.request, leafKey);
  }
}

class ExpectCertificateVerify implements State {
  readonly name = 'client.tls13.ExpectCertificateVerify';
  constructor(
    private readonly hs: Client13,
    private readonly request: CertificateRequestTls13 | undefined,
    private readonly serverKey: PublicKey,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate_verify);
    const cv = readCertificateVerify(message.body);
    // RFC 8446 §4.4.3: a scheme we offered and one valid in TLS 1.3 (no PKCS#1 v1.5, no SHA-1).
    if (!this.hs.offer.signatureSchemes.includes(cv.scheme) || !TLS13_SIGNATURE_SCHEMES.includes(cv.scheme)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `CertificateVerify uses ${nameOf(SignatureScheme, cv.scheme, 'SignatureScheme')}`);
    }
    const content = certificateVerifyContent('server', this.hs.transcript.hash());
    checkPeerSignature(this.serverKey, cv.scheme, content, cv.signature, true, 'server CertificateVerify');
    io.negotiated.peerSignatureScheme = cv.scheme;
    this.hs.transcript.add(message.raw);
    return new ExpectFinished(this.hs, this.request);
  }
}

class ExpectFinished implements State {
  readonly name = 'client.tls13.ExpectFinished';
  constructor(
    private readonly hs: Client13,
    private readonly request: CertificateRequestTls13 | undefined,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.finished);
    const { transcript, suite, config, offer } = this.hs;
    checkFinished13(io.provider, suite, this.hs.serverHandshakeSecret, transcript.hash(), message);
    transcript.add(message.raw);
    io.negotiated.peerFinished = message.body;

    // Application secrets are derived over the transcript through the server Finished (RFC 8446 §7.1).
    const master = this.hs.secrets.masterSecret();
    const th = transcript.hash();
    const clientSecret = master.clientApplicationTrafficSecret(th);
    const serverSecret = master.serverApplicationTrafficSecret(th);
    io.negotiated.exporterSecret = master.exporterMasterSecret(th);
    io.setReadProtection(protectionFor(io.provider, suite, serverSecret));

    // Our second flight, under the client handshake traffic keys (installed at ServerHello).
    if (this.request) {
      const sigs = readU16ListExtension(findExtension(this.request.extensions, ExtensionType.signature_algorithms)!, 'signature_algorithms');
      const choice = config.identities
        .map((identity) => ({ identity, scheme: chooseTls13Scheme(identity.key, sigs, config.signatureSchemes) }))
        .find((c) => c.scheme !== undefined);
      io.negotiated.ourCertificates = choice?.identity.chain ?? [];
      transcript.add(io.sendHandshake(HandshakeType.certificate, writeCertificateTls13(this.request.context, io.negotiated.ourCertificates)).raw);
      if (choice) {
        const signature = choice.identity.key.sign(choice.scheme!, certificateVerifyContent('client', transcript.hash()));
        transcript.add(io.sendHandshake(HandshakeType.certificate_verify, writeCertificateVerify({ scheme: choice.scheme!, signature })).raw);
        io.negotiated.sentCertificate = true;
        io.negotiated.ourSignatureScheme = choice.scheme;
      }
    }
    const verifyData = finishedVerifyData(io.provider.hash, suite.hash, this.hs.clientHandshakeSecret, transcript.hash());
    transcript.add(io.sendHandshake(HandshakeType.finished, verifyData).raw);
    io.negotiated.ourFinished = verifyData;
    const resumptionSecret = master.resumptionMasterSecret(transcript.hash());
    io.setWriteProtection(protectionFor(io.provider, suite, clientSecret));
    const random = offer.hello.random;
    io.emit(keylog13('CLIENT_TRAFFIC_SECRET_0', random, clientSecret));
    io.emit(keylog13('SERVER_TRAFFIC_SECRET_0', random, serverSecret));
    io.emit(keylog13('EXPORTER_SECRET', random, io.negotiated.exporterSecret));
    io.emit({ type: 'handshake-complete' });
    // Only the secrets and the clock outlive the handshake; sessions take the rest from io.negotiated.
    return new Traffic13('client', suite, serverSecret, clientSecret, { secret: resumptionSecret, now: config.now });
  }
}
