/**
 * TLS 1.3 server (RFC 8446 §2, §4), entered from ExpectClientHello when the client offers 1.3:
 *
 *   [⇒ HelloRetryRequest → ExpectSecondClientHello]
 *   ⇒ ServerHello [ChangeCipherSpec] EncryptedExtensions [CertificateRequest] Certificate CertificateVerify Finished
 *   → [ExpectCertificate → [ExpectCertificateVerify]] → ExpectFinished → Traffic13
 */
import type { Identity, ResolvedServerConfig } from '../../config.js';
import { isHybridGroup } from '../../crypto/kem-groups.js';
import { InvalidPublicKey, type KeyExchangeResponse, type PublicKey } from '../../crypto/provider.js';
import type { Tls13Suite } from '../../crypto/suites.js';
import { LocalAlert } from '../../errors.js';
import { EarlySecret, finishedVerifyData, resumptionPsk, type HandshakeSecret, type MasterSecret } from '../../keys/key-schedule-tls13.js';
import { writeNewSessionTicket } from '../../messages/post-handshake.js';
import { keptCertificates, type SessionState } from '../../session/session.js';
import { computeBinder, EXTERNAL_PSK_HASH, lookupExternalPsk } from '../psk.js';
import { acceptExternalPsk, acceptNoClientCertificate, acceptPeerChain, restorePeerIdentity, checkPeerSignature } from '../peer-auth.js';
import { readServerName } from '../../messages/extensions/simple.js';
import { readClientHello, type ClientHello } from '../../messages/client-hello.js';
import { readCertificateTls13, writeCertificateRequestTls13, writeCertificateTls13 } from '../../messages/certificate-tls13.js';
import { readCertificateVerify, writeCertificateVerify } from '../../messages/certificate-verify.js';
import { writeCertificateStatus } from '../../messages/certificate-status.js';
import { writeEncryptedExtensions } from '../../messages/encrypted-extensions.js';
import { solicited } from './solicited.js';
import { inPreferenceOrder } from '../negotiation.js';
import { AlertDescription, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme, nameOf } from '../../messages/enums.js';
import { findExtension, type Extension } from '../../messages/extensions/index.js';
import { writeAlpn, writeU16ListExtension } from '../../messages/extensions/simple.js';
import {
  readKeyShareClient,
  readPreSharedKeyClient,
  readPskModes,
  readSupportedVersionsClient,
  writeKeyShareServer,
  writeU16,
  type KeyShareEntry,
  type OfferedPsks,
} from '../../messages/extensions/tls13.js';
import type { HandshakeMessage } from '../../messages/handshake.js';
import { writeServerHello } from '../../messages/server-hello.js';
import { expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { Traffic13 } from '../traffic13.js';
import { Transcript } from '../transcript.js';
import { constantTimeEqual } from '../tls12-common.js';
import {
  certificateVerifyContent,
  checkFinished13,
  chooseTls13Scheme,
  HELLO_RETRY_REQUEST_RANDOM,
  keylog13,
  protectionFor,
  TLS13_SIGNATURE_SCHEMES,
} from '../tls13-common.js';

/** The ClientHello facts the TLS 1.3 server needs, already decoded by ExpectClientHello. */
export interface Hello13Facts {
  readonly schemes: readonly number[];
  readonly groups: readonly number[];
  readonly alpn: string | undefined;
  /** The OCSP response to staple: the client asked (status_request) and we have one. */
  readonly staple: Uint8Array | undefined;
}

interface Choice13 {
  readonly suite: Tls13Suite;
  /** The certificate and scheme we authenticate with, unless a PSK does (RFC 8446 §2.2). */
  readonly cert: { readonly identity: Identity; readonly scheme: number } | undefined;
  /** An external PSK the client offered that our pskLookup knows (its binder is checked later). */
  readonly external: ExternalCandidate | undefined;
}

/** A PSK identity of the ClientHello that our pskLookup knows. */
interface ExternalCandidate {
  readonly index: number;
  readonly identity: Uint8Array;
  readonly key: Uint8Array;
}

/** The PSK the handshake goes on with: a session (resumption) or an external key. */
interface AcceptedPsk {
  readonly secret: Uint8Array;
  readonly index: number;
  readonly session: SessionState | undefined;
  readonly external: ExternalCandidate | undefined;
}

/** RFC 8446 §4.4.2.1: the OCSP response as the leaf's status_request extension (a CertificateStatus body). */
function stapled(response: Uint8Array | undefined): Extension[] {
  return response === undefined ? [] : [{ type: ExtensionType.status_request, data: writeCertificateStatus(response) }];
}

/** How much rejected 0-RTT data we skip before giving up (BoringSSL kMaxEarlyDataSkipped). */
const MAX_EARLY_DATA_SKIPPED = 16384;

/** Does this ClientHello offer TLS 1.3 (RFC 8446 §4.2.1)? */
export function offersTls13(ch: ClientHello): boolean {
  const sv = findExtension(ch.extensions, ExtensionType.supported_versions);
  return sv !== undefined && readSupportedVersionsClient(sv).includes(ProtocolVersion.TLSv1_3);
}

export function startTls13(config: ResolvedServerConfig, ch: ClientHello, message: HandshakeMessage, facts: Hello13Facts, io: HandshakeIo): State {
  // RFC 8446 §4.1.2: in TLS 1.3 the compression list must be exactly [null].
  if (ch.legacyCompressionMethods.length !== 1 || ch.legacyCompressionMethods[0] !== 0) {
    throw new LocalAlert(AlertDescription.illegal_parameter, 'TLS 1.3 ClientHello must offer only null compression');
  }
  const offered = offeredPsks(ch);
  const ticket = offered && offeredTicket(config, ch, offered);
  // An external PSK (node:tls pskCallback) is tied to SHA-256, as OpenSSL ties it (RFC 8446 §4.2.11).
  const external = offered && !ticket ? knownExternal(config, offered) : undefined;
  const externalSuite = external && config.suites13.find((s) => s.hash === EXTERNAL_PSK_HASH && ch.cipherSuites.includes(s.id));
  const suite =
    (ticket && config.suites13.find((s) => s.id === ticket.suite && ch.cipherSuites.includes(s.id))) ??
    externalSuite ??
    inPreferenceOrder(config.suites13, ch, config).find((s) => ch.cipherSuites.includes(s.id));
  if (!suite) throw new LocalAlert(AlertDescription.handshake_failure, 'no TLS 1.3 cipher suite in common');
  let cert: Choice13['cert'];
  for (const identity of config.identities) {
    const scheme = chooseTls13Scheme(identity.key, facts.schemes, config.signatureSchemes);
    if (scheme !== undefined) {
      cert = { identity, scheme };
      break;
    }
  }
  const choice: Choice13 = { suite, cert, external: externalSuite ? external : undefined };
  // Without a certificate only a PSK can authenticate us; an unknown identity then ends here.
  if (!cert && !choice.external && !(ticket && ticket.suite === suite.id)) {
    if (config.pskLookup && offered) throw new LocalAlert(AlertDescription.handshake_failure, 'the client\'s PSK identity is unknown and the server has no certificate');
    if (config.identities.length === 0) {
      // As OpenSSL (node:tls): without a certificate no suite can be chosen, "no shared cipher".
      throw new LocalAlert(AlertDescription.handshake_failure, 'no certificate for this connection (the server has none of its own and no SNI context chose one)', 'ERR_SSL_NO_SHARED_CIPHER');
    }
    throw new LocalAlert(AlertDescription.handshake_failure, 'no certificate can sign with a signature scheme the client accepts');
  }
  // psk_ke (RFC 8446 §4.2.9): a client that allows it may send no key_share at all (§9.2).
  const pskKe = choice.external !== undefined && offered!.ke;
  const shares = pskKe && findExtension(ch.extensions, ExtensionType.key_share) === undefined ? [] : readShares(ch, facts.groups);
  // We never accept 0-RTT: the client's early data is skipped, up to BoringSSL's limit (RFC 8446 §4.2.10).
  if (findExtension(ch.extensions, ExtensionType.early_data)) io.rejectEarlyData(MAX_EARLY_DATA_SKIPPED);
  const transcript = new Transcript(io.provider.hash);
  transcript.setHash(suite.hash);
  transcript.add(message.raw);
  io.negotiated.version = 'TLSv1.3';
  io.negotiated.suite13 = suite;
  // A copy: ch.random views the ClientHello, which the connection would otherwise keep for its lifetime.
  io.negotiated.clientRandom = new Uint8Array(ch.random);

  // Our preferred group the client sent a share for; otherwise our preferred group it supports, by
  // HelloRetryRequest (RFC 8446 §4.2.8). ECDHE and RFC 7919 FFDHE groups alike (§4.2.7): a share
  // the client sent wins over a group we prefer but would need a round trip for.
  // With hybridRetry, a client that supports one of our hybrid groups gets one, by retry if need be.
  const ours = config.hybridRetry && config.groups13.some((g) => isHybridGroup(g) && facts.groups.includes(g)) ? config.groups13.filter(isHybridGroup) : config.groups13;
  const shared = ours.find((g) => shares.some((s) => s.group === g));
  const dheAllowed = !pskKe || offered!.dhe;
  if (shared !== undefined && dheAllowed) {
    const psk = acceptPsk(config, ch, message, choice, new Uint8Array(0), io, 'dhe');
    return serverFlight(config, ch, choice, shares.find((s) => s.group === shared)!, transcript, facts, io, false, psk);
  }
  const retryGroup = ours.find((g) => facts.groups.includes(g));
  // As OpenSSL: (EC)DHE whenever the client allows it and a group is in common; psk_ke only otherwise.
  if (pskKe && (!dheAllowed || retryGroup === undefined)) {
    const psk = acceptPsk(config, ch, message, choice, new Uint8Array(0), io, 'ke');
    return serverFlight(config, ch, choice, undefined, transcript, facts, io, false, psk);
  }
  if (retryGroup === undefined) {
    // At most 16 names: the client's list is the peer's to make long.
    const names = (groups: readonly number[]): string => groups.slice(0, 16).map((g) => nameOf(NamedGroup, g, 'NamedGroup')).join(', ') + (groups.length > 16 ? ', …' : '');
    throw new LocalAlert(AlertDescription.handshake_failure, `no key exchange group in common: the client supports [${names(facts.groups)}], we take [${names(ours)}]`);
  }

  // RFC 8446 §4.1.4: HelloRetryRequest; the transcript restarts from message_hash(ClientHello1).
  transcript.replaceWithMessageHash();
  const hrr = writeServerHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: HELLO_RETRY_REQUEST_RANDOM,
    legacySessionId: ch.legacySessionId,
    cipherSuite: suite.id,
    legacyCompressionMethod: 0,
    extensions: solicited(ch, [
      { type: ExtensionType.supported_versions, data: writeU16(ProtocolVersion.TLSv1_3) },
      { type: ExtensionType.key_share, data: writeU16(retryGroup) },
    ], 'HelloRetryRequest'),
  });
  transcript.add(io.sendHandshake(HandshakeType.server_hello, hrr).raw);
  io.negotiated.helloRetry = true;
  // Middlebox compatibility (RFC 8446 §D.4): our ChangeCipherSpec right after the first server message.
  if (ch.legacySessionId.length > 0) io.sendChangeCipherSpec();
  return new ExpectSecondClientHello(config, ch, choice, retryGroup, transcript, facts);
}

/** key_share client_shares: each group offered in supported_groups, none twice (RFC 8446 §4.2.8). */
function readShares(ch: ClientHello, groups: readonly number[]): KeyShareEntry[] {
  const data = findExtension(ch.extensions, ExtensionType.key_share);
  // RFC 8446 §9.2: a ClientHello offering (EC)DHE must carry both supported_groups and key_share.
  if (data === undefined) throw new LocalAlert(AlertDescription.missing_extension, 'TLS 1.3 ClientHello without key_share');
  const shares = readKeyShareClient(data);
  const seen = new Set<number>();
  for (const s of shares) {
    if (seen.has(s.group)) throw new LocalAlert(AlertDescription.illegal_parameter, 'two key shares for one group');
    if (!groups.includes(s.group)) throw new LocalAlert(AlertDescription.illegal_parameter, 'key share for a group not in supported_groups');
    if (s.keyExchange.length === 0) throw new LocalAlert(AlertDescription.illegal_parameter, 'empty key share');
    seen.add(s.group);
  }
  return shares;
}

class ExpectSecondClientHello implements State {
  readonly name = 'server.tls13.ExpectSecondClientHello';
  constructor(
    private readonly config: ResolvedServerConfig,
    private readonly first: ClientHello,
    private readonly choice: Choice13,
    private readonly group: number,
    private readonly transcript: Transcript,
    private readonly facts: Hello13Facts,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.client_hello);
    const ch = readClientHello(message.body);
    checkRetriedHello(this.first, ch);
    if (findExtension(ch.extensions, ExtensionType.early_data)) throw new LocalAlert(AlertDescription.illegal_parameter, 'early_data after HelloRetryRequest');
    const shares = readShares(ch, this.facts.groups);
    // Exactly one share, for the group we asked for (RFC 8446 §4.1.4).
    if (shares.length !== 1 || shares[0]!.group !== this.group) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `second ClientHello must carry exactly one share, for ${nameOf(NamedGroup, this.group, 'NamedGroup')}`);
    }
    const psk = acceptPsk(this.config, ch, message, this.choice, this.transcript.bytes(), io, 'dhe');
    this.transcript.add(message.raw);
    return serverFlight(this.config, ch, this.choice, shares[0]!, this.transcript, this.facts, io, true, psk);
  }
}

/**
 * Extensions a client may change in its second ClientHello (RFC 8446 §4.1.2). We send no cookie;
 * one the client adds anyway is ignored, as the RFC 8448 §5 trace needs (its server sent one).
 */
const RETRY_MAY_CHANGE: readonly number[] = [ExtensionType.key_share, ExtensionType.early_data, ExtensionType.padding, ExtensionType.pre_shared_key, ExtensionType.cookie];

/**
 * RFC 8446 §4.1.2: after a HelloRetryRequest "the client MUST send the same ClientHello without
 * modification", except for a new key_share, early_data removed, a cookie, padding and the
 * pre_shared_key's ages and binders. Everything else, extension order included, must be equal:
 * otherwise illegal_parameter.
 */
function checkRetriedHello(first: ClientHello, second: ClientHello): void {
  const kept = (h: ClientHello) => h.extensions.filter((e) => !RETRY_MAY_CHANGE.includes(e.type));
  const a = kept(first);
  const b = kept(second);
  const same =
    second.legacyVersion === first.legacyVersion &&
    constantTimeEqual(second.random, first.random) &&
    constantTimeEqual(second.legacySessionId, first.legacySessionId) &&
    second.cipherSuites.length === first.cipherSuites.length &&
    second.cipherSuites.every((s, i) => s === first.cipherSuites[i]) &&
    constantTimeEqual(second.legacyCompressionMethods, first.legacyCompressionMethods) &&
    a.length === b.length &&
    a.every((e, i) => e.type === b[i]!.type && constantTimeEqual(e.data, b[i]!.data));
  if (!same) throw new LocalAlert(AlertDescription.illegal_parameter, 'the second ClientHello changed more than a HelloRetryRequest allows (RFC 8446 §4.1.2)');
}

function serverFlight(
  config: ResolvedServerConfig,
  ch: ClientHello,
  choice: Choice13,
  /** Undefined for psk_ke: the PSK alone, no (EC)DHE. */
  clientShare: KeyShareEntry | undefined,
  transcript: Transcript,
  facts: Hello13Facts,
  io: HandshakeIo,
  afterRetry: boolean,
  psk: AcceptedPsk | undefined,
): State {
  const { suite } = choice;
  // RFC 8446 §2.2: without a PSK we must prove ourselves with a certificate.
  const cert = psk ? undefined : choice.cert;
  if (!psk && !cert) throw new LocalAlert(AlertDescription.handshake_failure, 'no PSK accepted and no certificate to authenticate with');
  if (!psk && !clientShare) throw new LocalAlert(AlertDescription.handshake_failure, 'psk_ke without an accepted PSK');
  let response: KeyExchangeResponse | undefined;
  try {
    // (EC)DH: our fresh share and the derivation; a KEM group: the encapsulation to the client's key.
    response = clientShare && io.provider.keyExchange.respond(clientShare.group as NamedGroup, clientShare.keyExchange);
  } catch (e) {
    // RFC 8446 §4.2.8.2 / RFC 7748 §6.1 / draft-ietf-tls-ecdhe-mlkem §4: an invalid share is illegal_parameter.
    if (e instanceof InvalidPublicKey) throw new LocalAlert(AlertDescription.illegal_parameter, `invalid client key share: ${e.message}`);
    throw e;
  }
  const sharedSecret = response?.sharedSecret;
  const random = io.provider.random.bytes(32);
  const serverHello = writeServerHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random,
    legacySessionId: ch.legacySessionId,
    cipherSuite: suite.id,
    legacyCompressionMethod: 0,
    extensions: solicited(ch, [
      { type: ExtensionType.supported_versions, data: writeU16(ProtocolVersion.TLSv1_3) },
      ...(clientShare && response ? [{ type: ExtensionType.key_share, data: writeKeyShareServer({ group: clientShare.group, keyExchange: response.publicKey }) }] : []),
      // RFC 8446 §4.2.11: the index of the PSK we accepted.
      ...(psk ? [{ type: ExtensionType.pre_shared_key, data: writeU16(psk.index) }] : []),
    ], 'ServerHello'),
  });
  transcript.add(io.sendHandshake(HandshakeType.server_hello, serverHello).raw);
  if (ch.legacySessionId.length > 0 && !afterRetry) io.sendChangeCipherSpec();

  const n = io.negotiated;
  n.serverRandom = random;
  n.group = clientShare?.group;
  n.alpn = facts.alpn;
  if (psk?.session) restorePeerIdentity(io, psk.session);
  if (psk?.external) acceptExternalPsk(io, psk.external.identity, 'server');
  const secrets: HandshakeSecret = new EarlySecret(io.provider.hash, suite.hash, psk?.secret).handshakeSecret(sharedSecret);
  let th = transcript.hash();
  const clientHandshakeSecret = secrets.clientHandshakeTrafficSecret(th);
  const serverHandshakeSecret = secrets.serverHandshakeTrafficSecret(th);
  io.setWriteProtection(protectionFor(io.provider, suite, serverHandshakeSecret));
  io.setReadProtection(protectionFor(io.provider, suite, clientHandshakeSecret));
  io.emit(keylog13('CLIENT_HANDSHAKE_TRAFFIC_SECRET', ch.random, clientHandshakeSecret));
  io.emit(keylog13('SERVER_HANDSHAKE_TRAFFIC_SECRET', ch.random, serverHandshakeSecret));

  const ee: Extension[] = [];
  if (facts.alpn !== undefined) ee.push({ type: ExtensionType.application_layer_protocol_negotiation, data: writeAlpn([facts.alpn]) });
  transcript.add(io.sendHandshake(HandshakeType.encrypted_extensions, writeEncryptedExtensions(solicited(ch, ee, 'EncryptedExtensions'))).raw);
  if (config.requestCert && !psk) {
    const schemes = config.signatureSchemes.filter((s) => TLS13_SIGNATURE_SCHEMES.includes(s));
    const request = writeCertificateRequestTls13({
      context: new Uint8Array(0),
      extensions: [{ type: ExtensionType.signature_algorithms, data: writeU16ListExtension(schemes) }],
    });
    transcript.add(io.sendHandshake(HandshakeType.certificate_request, request).raw);
    n.certificateRequested = true;
  }
  // With a PSK the server does not authenticate with a certificate again (RFC 8446 §2.2).
  if (cert) {
    n.ourCertificates = cert.identity.chain;
    transcript.add(io.sendHandshake(HandshakeType.certificate, writeCertificateTls13(new Uint8Array(0), cert.identity.chain, solicited(ch, stapled(facts.staple), 'CertificateEntry'))).raw);
    n.ocspResponse = facts.staple;
    const signature = cert.identity.key.sign(cert.scheme, certificateVerifyContent('server', transcript.hash()));
    transcript.add(io.sendHandshake(HandshakeType.certificate_verify, writeCertificateVerify({ scheme: cert.scheme, signature })).raw);
    n.ourSignatureScheme = cert.scheme;
  }
  const verifyData = finishedVerifyData(io.provider.hash, suite.hash, serverHandshakeSecret, transcript.hash());
  transcript.add(io.sendHandshake(HandshakeType.finished, verifyData).raw);
  n.ourFinished = verifyData;

  // Application secrets over the transcript through our Finished (RFC 8446 §7.1).
  const master = secrets.masterSecret();
  th = transcript.hash();
  const keys: AppSecrets = {
    client: master.clientApplicationTrafficSecret(th),
    server: master.serverApplicationTrafficSecret(th),
    clientHandshake: clientHandshakeSecret,
  };
  n.exporterSecret = master.exporterMasterSecret(th);
  io.setWriteProtection(protectionFor(io.provider, suite, keys.server));
  io.emit(keylog13('CLIENT_TRAFFIC_SECRET_0', ch.random, keys.client));
  io.emit(keylog13('SERVER_TRAFFIC_SECRET_0', ch.random, keys.server));
  io.emit(keylog13('EXPORTER_SECRET', ch.random, n.exporterSecret));
  const hs: Server13 = { config, suite, transcript, keys, master };
  return config.requestCert && !psk ? new ExpectCertificate(hs) : new ExpectFinished(hs);
}

interface AppSecrets {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
  readonly clientHandshake: Uint8Array;
}

interface Server13 {
  readonly config: ResolvedServerConfig;
  readonly suite: Tls13Suite;
  readonly transcript: Transcript;
  readonly keys: AppSecrets;
  readonly master: MasterSecret;
}

class ExpectCertificate implements State {
  readonly name = 'server.tls13.ExpectCertificate';
  constructor(private readonly hs: Server13) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate);
    const cert = readCertificateTls13(message.body);
    if (cert.context.length !== 0) throw new LocalAlert(AlertDescription.illegal_parameter, 'client Certificate has a request context we did not send');
    // RFC 8446 §4.4.2: a client's entry extensions must answer our CertificateRequest's, which asks
    // for none that go there (no status_request): any is unsupported_extension (§4.2).
    const extension = cert.entries.find((e) => e.extensions.length > 0)?.extensions[0];
    if (extension) throw new LocalAlert(AlertDescription.unsupported_extension, `client CertificateEntry carries ${nameOf(ExtensionType, extension.type, 'ExtensionType')}, which our CertificateRequest did not ask for`);
    const chain = cert.entries.map((e) => e.certData);
    const { config } = this.hs;
    this.hs.transcript.add(message.raw);
    if (chain.length === 0) {
      // RFC 8446 §4.4.2.4: a required certificate that is missing is certificate_required.
      acceptNoClientCertificate(io, config.rejectUnauthorized, AlertDescription.certificate_required);
      return new ExpectFinished(this.hs);
    }
    const clientKey = acceptPeerChain(io, config.rejectUnauthorized, chain, config.verifier.verifyClient(chain, { now: config.now() }));
    return new ExpectCertificateVerify(this.hs, clientKey);
  }
}

class ExpectCertificateVerify implements State {
  readonly name = 'server.tls13.ExpectCertificateVerify';
  constructor(
    private readonly hs: Server13,
    private readonly clientKey: PublicKey,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.certificate_verify);
    const cv = readCertificateVerify(message.body);
    const allowed = this.hs.config.signatureSchemes.filter((s) => TLS13_SIGNATURE_SCHEMES.includes(s));
    if (!allowed.includes(cv.scheme)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `CertificateVerify uses ${nameOf(SignatureScheme, cv.scheme, 'SignatureScheme')}, which we did not request`);
    }
    const content = certificateVerifyContent('client', this.hs.transcript.hash());
    checkPeerSignature(this.clientKey, cv.scheme, content, cv.signature, true, 'client CertificateVerify');
    io.negotiated.peerSignatureScheme = cv.scheme;
    this.hs.transcript.add(message.raw);
    return new ExpectFinished(this.hs);
  }
}

class ExpectFinished implements State {
  readonly name = 'server.tls13.ExpectFinished';
  constructor(private readonly hs: Server13) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.finished);
    const { suite, transcript, keys } = this.hs;
    checkFinished13(io.provider, suite, keys.clientHandshake, transcript.hash(), message);
    transcript.add(message.raw);
    io.negotiated.peerFinished = message.body;
    io.setReadProtection(protectionFor(io.provider, suite, keys.client));
    io.emit({ type: 'handshake-complete' });
    // RFC 8446 §4.6.1 asks to limit how long one full handshake's keying material lives on through
    // tickets issued on resumption: as OpenSSL, a resumed connection gets no new ticket, and a full
    // handshake two (one for each of two parallel connections, RFC 8446 §C.4: one use per ticket).
    if (!io.negotiated.resumed) for (const nonce of TICKET_NONCES) sendTicket(this.hs, io, nonce);
    return new Traffic13('server', suite, keys.client, keys.server);
  }
}


/** Each ticket of a connection has its own nonce, hence its own PSK (RFC 8446 §4.6.1). */
const TICKET_NONCES = [Uint8Array.of(0), Uint8Array.of(1)];

/** A NewSessionTicket carrying the sealed session (RFC 8446 §4.6.1), sent once the client's Finished is in. */
function sendTicket(hs: Server13, io: HandshakeIo, nonce: Uint8Array): void {
  const { config, suite } = hs;
  const secret = resumptionPsk(io.provider.hash, suite.hash, hs.master.resumptionMasterSecret(hs.transcript.hash()), nonce);
  const ageAdd = new DataView(io.provider.random.bytes(4).buffer).getUint32(0);
  const n = io.negotiated;
  const state: SessionState = {
    version: ProtocolVersion.TLSv1_3,
    suite: suite.id,
    secret,
    extendedMasterSecret: false,
    created: config.now().getTime(),
    lifetime: config.sessions.lifetime,
    ageAdd,
    serverName: n.serverName ?? '',
    alpn: n.alpn ?? '',
    peerCertificates: keptCertificates(n.peerCertificates),
    peerVerified: n.peerVerified,
  };
  const ticket = config.sessions.seal(state);
  if (!ticket) return;
  io.sendHandshake(HandshakeType.new_session_ticket, writeNewSessionTicket({ lifetime: config.sessions.lifetime, ageAdd, nonce, ticket }));
}

/** The client's pre_shared_key offer and the modes it allows it in. */
interface PskOffer extends OfferedPsks {
  readonly dhe: boolean;
  readonly ke: boolean;
}

/** The client's pre_shared_key offer, checked for form (RFC 8446 §4.2.9, §4.2.11), if it allows a mode we know. */
function offeredPsks(ch: ClientHello): PskOffer | undefined {
  const data = findExtension(ch.extensions, ExtensionType.pre_shared_key);
  if (data === undefined) return undefined;
  // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension.
  if (ch.extensions[ch.extensions.length - 1]!.type !== ExtensionType.pre_shared_key) {
    throw new LocalAlert(AlertDescription.illegal_parameter, 'pre_shared_key is not the last extension');
  }
  // RFC 8446 §4.2.9: a client offering a PSK must say how it may be used.
  const modes = findExtension(ch.extensions, ExtensionType.psk_key_exchange_modes);
  if (modes === undefined) throw new LocalAlert(AlertDescription.missing_extension, 'pre_shared_key without psk_key_exchange_modes');
  const offered = readPreSharedKeyClient(data);
  if (offered.identities.length !== offered.binders.length) throw new LocalAlert(AlertDescription.illegal_parameter, 'PSK identities and binders differ in number');
  const allowed = readPskModes(modes);
  const dhe = allowed.includes(1 /* psk_dhe_ke */);
  const ke = allowed.includes(0 /* psk_ke */);
  return dhe || ke ? { ...offered, dhe, ke } : undefined;
}

/**
 * The session in the client's first PSK identity, if it is ours, fresh, TLS 1.3, for this SNI
 * and an acceptable client identity; otherwise the PSK is ignored and a full handshake follows.
 */
function offeredTicket(config: ResolvedServerConfig, ch: ClientHello, offered: PskOffer): SessionState | undefined {
  // Resumption always with a fresh (EC)DHE (psk_dhe_ke): a stolen ticket key must not expose the session.
  if (!offered.dhe) return undefined;
  const state = config.sessions.open(offered.identities[0]!.identity, config.now().getTime());
  if (!state || state.version !== ProtocolVersion.TLSv1_3) return undefined;
  const sni = findExtension(ch.extensions, ExtensionType.server_name);
  if (state.serverName !== (sni === undefined ? '' : (readServerName(sni) ?? ''))) return undefined;
  if (config.requestCert && config.rejectUnauthorized && !state.peerVerified) return undefined;
  return state;
}

/** At most this many identities are looked up (each is a call of the application's pskCallback). */
const MAX_EXTERNAL_LOOKUPS = 4;

/** The first offered identity our pskLookup has a key for (as OpenSSL, in the client's order). */
function knownExternal(config: ResolvedServerConfig, offered: OfferedPsks): ExternalCandidate | undefined {
  if (!config.pskLookup) return undefined;
  const identities = offered.identities.slice(0, MAX_EXTERNAL_LOOKUPS);
  for (const [index, { identity }] of identities.entries()) {
    const key = lookupExternalPsk(config, identity);
    if (key) return { index, identity, key };
  }
  return undefined;
}

/**
 * The PSK to go on with (a session for this suite, or the external key the choice made), after
 * checking its binder in constant time (RFC 8446 §4.2.11.2: else decrypt_error).
 */
function acceptPsk(config: ResolvedServerConfig, ch: ClientHello, message: HandshakeMessage, choice: Choice13, prefix: Uint8Array, io: HandshakeIo, mode: 'dhe' | 'ke'): AcceptedPsk | undefined {
  const offered = offeredPsks(ch);
  if (!offered || !offered[mode]) return undefined;
  const { suite, external } = choice;
  const state = offeredTicket(config, ch, offered);
  let psk: AcceptedPsk | undefined;
  if (state) psk = state.suite === suite.id ? { secret: state.secret, index: 0, session: state, external: undefined } : undefined;
  // The identity looked up for the first ClientHello, still at its place (the second may drop PSKs).
  else if (external && constantTimeEqual(offered.identities[external.index]?.identity ?? new Uint8Array(0), external.identity)) {
    psk = { secret: external.key, index: external.index, session: undefined, external };
  }
  if (!psk) return undefined;
  const expected = computeBinder(io.provider, suite.hash, psk.secret, prefix, message.raw, offered.bindersLength, psk.session !== undefined);
  if (!constantTimeEqual(expected, offered.binders[psk.index]!)) throw new LocalAlert(AlertDescription.decrypt_error, 'PSK binder does not verify');
  return psk;
}
