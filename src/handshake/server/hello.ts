/**
 * The server's first state: read the ClientHello, choose everything (RFC 5246 §7.4.1.2–4,
 * RFC 8422 §5.1, RFC 7919 §4, RFC 7301 §3.2, RFC 7627 §5.1, RFC 5746 §3.6), and send the
 * flight ServerHello, Certificate, [ServerKeyExchange], [CertificateRequest], ServerHelloDone.
 */
import type { AlpnCallback, Identity, ResolvedServerConfig } from '../../config.js';
import { isPskSuite, TLS12_SUITES, type Tls12Suite } from '../../crypto/suites.js';
import { LocalAlert } from '../../errors.js';
import { readClientHello, type ClientHello } from '../../messages/client-hello.js';
import { writeCertificateRequestTls12 } from '../../messages/certificate-request.js';
import { writeCertificateTls12 } from '../../messages/certificate.js';
import { readStatusRequest, writeCertificateStatus } from '../../messages/certificate-status.js';
import {
  AlertDescription,
  CipherSuite,
  ClientCertificateType,
  ECPointFormat,
  ExtensionType,
  HandshakeType,
  NamedGroup,
  ProtocolVersion,
} from '../../messages/enums.js';
import { findExtension, type Extension } from '../../messages/extensions/index.js';
import {
  readAlpn,
  readEcPointFormats,
  readEmpty,
  readRenegotiationInfo,
  readServerName,
  readU16ListExtension,
  writeAlpn,
  writeEcPointFormats,
  writeRenegotiationInfo,
} from '../../messages/extensions/simple.js';
import { writeServerHello } from '../../messages/server-hello.js';
import { writePskServerKeyExchange, writeServerKeyExchange, writeServerParams } from '../../messages/server-key-exchange.js';
import { PskServer, unknownPskIdentity } from '../tls12-key-exchange/psk.js';
import { acceptExternalPsk } from '../peer-auth.js';
import { lookupExternalPsk } from '../psk.js';
import { chooseAlpn, chooseDheGroup, chooseGroup, chooseSignatureScheme, inPreferenceOrder, isTls12Scheme, keyTypeFor } from '../negotiation.js';
import { expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { signedParams } from '../tls12-common.js';
import { DheServer } from '../tls12-key-exchange/dhe.js';
import { EcdheServer } from '../tls12-key-exchange/ecdhe.js';
import type { ServerKeyAgreement } from '../tls12-key-exchange/key-exchange.js';
import { RsaServer } from '../tls12-key-exchange/rsa.js';
import { Transcript } from '../transcript.js';
import { DOWNGRADE_TLS12 } from '../tls13-common.js';
import { readSupportedVersionsClient } from '../../messages/extensions/tls13.js';
import { offersRenegotiationInfo, solicited } from './solicited.js';
import { startTls13 } from './tls13.js';
import { findSession12, resumeTls12 } from './tls12-resume.js';
import { ExpectClientCertificate, ExpectClientKeyExchange, ServerTls12 } from './tls12.js';

/** The server's choice for one connection. */
interface Choice {
  readonly suite: Tls12Suite;
  /** Our certificate; none for a PSK suite (RFC 4279 §2). */
  readonly identity: Identity | undefined;
  /** Signature scheme for ServerKeyExchange (not used by RSA key transport). */
  readonly scheme: number | undefined;
  /** ECDHE or DHE group. */
  readonly group: number | undefined;
}

/** What the ClientHello's extensions tell us, decoded once. */
interface HelloFacts {
  readonly groups: readonly number[];
  readonly sentGroups: boolean;
  /**
   * ec_point_formats as sent, undecoded: TLS 1.3 fixes the point encodings (RFC 8446 §4.2.8.2) and
   * ignores the extension, even a malformed one; TLS 1.2 decodes and checks it (checkPointFormats).
   */
  readonly pointFormats: Uint8Array | undefined;
  readonly schemes: readonly number[];
  readonly alpn: readonly string[] | undefined;
  readonly ems: boolean;
  /** The client asked for a stapled OCSP response (RFC 6066 §8). */
  readonly statusRequest: boolean;
}

export class ExpectClientHello implements State {
  readonly name = 'server.ExpectClientHello';
  constructor(private readonly config: ResolvedServerConfig) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.client_hello);
    const ch = readClientHello(message.body);
    const { config } = this;

    const version = chooseVersion(ch, config.versions);
    // RFC 5246 §7.4.1.2: the list MUST include the null compression method.
    if (!ch.legacyCompressionMethods.includes(0)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, 'ClientHello does not offer null compression');
    }
    // RFC 7507: a fallback retry below our best version means someone interfered.
    if (ch.cipherSuites.includes(CipherSuite.TLS_FALLBACK_SCSV) && version < config.versions[0]!) {
      throw new LocalAlert(AlertDescription.inappropriate_fallback, 'TLS_FALLBACK_SCSV from a client that could do better');
    }
    const facts = readHelloFacts(ch);
    io.negotiated.serverName = readServerNameExt(ch.extensions);
    io.negotiated.sharedSignatureSchemes = facts.schemes.filter((s) => config.signatureSchemes.includes(s));

    // RFC 7301 §3.2: no overlap between the client's protocols and ours is fatal.
    let alpn: string | undefined;
    if (facts.alpn && config.alpnCallback) {
      alpn = askAlpnCallback(config.alpnCallback, io.negotiated.serverName, facts.alpn);
    } else if (facts.alpn && config.alpn.length > 0) {
      alpn = chooseAlpn(config.alpn, facts.alpn);
      if (alpn === undefined) {
        throw new LocalAlert(AlertDescription.no_application_protocol, `no common ALPN protocol: client offered ${JSON.stringify(facts.alpn)}, we support ${JSON.stringify(config.alpn)}`);
      }
    }
    // RFC 6066 §8: staple only for a client that asked, and only when we have a response.
    const staple = facts.statusRequest ? config.ocspResponse : undefined;
    if (version === ProtocolVersion.TLSv1_3) {
      return startTls13(config, ch, message, { schemes: facts.schemes, groups: facts.groups, alpn, staple }, io);
    }

    checkRenegotiationInfo(ch);
    checkPointFormats(facts);
    if (!facts.ems && config.requireExtendedMasterSecret) {
      throw new LocalAlert(AlertDescription.handshake_failure, 'client did not offer extended_master_secret (RFC 7627), which is required');
    }
    const ticketExt = findExtension(ch.extensions, ExtensionType.session_ticket);
    const base = (): Extension[] => {
      const e: Extension[] = [];
      // RFC 5746 §3.6: answer the extension or the SCSV with an empty renegotiation_info; a client
      // that sent neither gets none (RFC 5246 §7.4.1.4: nothing the client did not offer).
      if (offersRenegotiationInfo(ch)) e.push({ type: ExtensionType.renegotiation_info, data: writeRenegotiationInfo(new Uint8Array(0)) });
      if (facts.ems) e.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
      if (alpn !== undefined) e.push({ type: ExtensionType.application_layer_protocol_negotiation, data: writeAlpn([alpn]) });
      return e;
    };
    const session = findSession12(config, ch, ticketExt, facts.ems, io.negotiated.serverName);
    if (session) {
      io.negotiated.alpn = alpn;
      return resumeTls12(config, ch, message, session, base(), io);
    }

    const choice = chooseSuite(ch, facts, config);
    if (!choice) {
      // RFC 7919 §4: DHE was possible but for the client's FFDHE groups, none of which we take,
      // and nothing else fits: "MUST end the connection with … insufficient_security".
      const dheBlocked = config.suites.some((s) => s.kx === 'DHE' && ch.cipherSuites.includes(s.id)) && chooseDheGroup(config.groups, facts.groups) === undefined;
      // OpenSSL's (and node:tls's) code for a ClientHello that leaves no suite: ERR_SSL_NO_SHARED_CIPHER.
      throw new LocalAlert(dheBlocked ? AlertDescription.insufficient_security : AlertDescription.handshake_failure, describeNoSuite(ch, facts, config), 'ERR_SSL_NO_SHARED_CIPHER');
    }

    const transcript = new Transcript(io.provider.hash);
    transcript.setHash(choice.suite.hash);
    transcript.add(message.raw);
    const random = io.provider.random.bytes(32);
    // RFC 8446 §4.1.3: a TLS 1.3 server that negotiates TLS 1.2 says so in its random.
    if (config.versions.includes(ProtocolVersion.TLSv1_3)) random.set(DOWNGRADE_TLS12, 24);
    const n = io.negotiated;
    n.version = 'TLSv1.2';
    n.suite = choice.suite;
    n.group = choice.group;
    n.alpn = alpn;
    n.clientRandom = new Uint8Array(ch.random); // a copy: ch.random views the whole ClientHello
    n.serverRandom = random;
    n.extendedMasterSecret = facts.ems;

    // ServerHello (RFC 5246 §7.4.1.3), echoing only extensions the client offered.
    const extensions = base();
    if (choice.suite.kx === 'ECDHE' && facts.pointFormats !== undefined) {
      extensions.push({ type: ExtensionType.ec_point_formats, data: writeEcPointFormats([ECPointFormat.uncompressed]) });
    }
    // RFC 5077 §3.2: a client that sent session_ticket gets a ticket (announced by an empty extension).
    const issueTicket = ticketExt !== undefined && config.sessions.issuesTickets;
    if (issueTicket) extensions.push({ type: ExtensionType.session_ticket, data: new Uint8Array(0) });
    // RFC 6066 §8: an empty status_request announces the CertificateStatus after Certificate.
    if (staple) extensions.push({ type: ExtensionType.status_request, data: new Uint8Array(0) });
    // A fresh session ID names the session in our cache for resumption by ID.
    const sessionId = io.provider.random.bytes(32);
    const serverHello = writeServerHello({
      legacyVersion: ProtocolVersion.TLSv1_2,
      random,
      legacySessionId: sessionId,
      cipherSuite: choice.suite.id,
      legacyCompressionMethod: 0,
      extensions: solicited(ch, extensions, 'ServerHello'),
    });
    transcript.add(io.sendHandshake(HandshakeType.server_hello, serverHello).raw);
    if (choice.identity) {
      n.ourCertificates = choice.identity.chain;
      transcript.add(io.sendHandshake(HandshakeType.certificate, writeCertificateTls12(choice.identity.chain)).raw);
      if (staple) {
        transcript.add(io.sendHandshake(HandshakeType.certificate_status, writeCertificateStatus(staple)).raw);
        n.ocspResponse = staple;
      }
    }

    // ServerKeyExchange for DHE and ECDHE, signed over both randoms and the params (RFC 5246 §7.4.3).
    const randoms = { client: ch.random, server: random };
    let agreement: ServerKeyAgreement;
    if (!choice.identity) {
      agreement = pskFlight(config, choice, transcript, io);
    } else if (choice.suite.kx === 'RSA') {
      agreement = new RsaServer(ch.legacyVersion);
    } else {
      agreement = choice.suite.kx === 'ECDHE' ? new EcdheServer(io.provider, choice.group!) : new DheServer(io.provider, choice.group!);
      const paramsRaw = writeServerParams(agreement.params!);
      const signature = choice.identity.key.sign(choice.scheme!, signedParams(randoms, paramsRaw));
      transcript.add(io.sendHandshake(HandshakeType.server_key_exchange, writeServerKeyExchange(paramsRaw, choice.scheme!, signature)).raw);
      n.ourSignatureScheme = choice.scheme;
    }

    // CertificateRequest (RFC 5246 §7.4.4) for mutual TLS; not with a PSK (RFC 4279 §2 has no place for it).
    const requestCert = config.requestCert && choice.identity !== undefined;
    if (requestCert) {
      const request = writeCertificateRequestTls12({
        certificateTypes: Uint8Array.of(ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign),
        signatureSchemes: config.signatureSchemes.filter(isTls12Scheme),
        certificateAuthorities: [],
      });
      transcript.add(io.sendHandshake(HandshakeType.certificate_request, request).raw);
      n.certificateRequested = true;
    }
    transcript.add(io.sendHandshake(HandshakeType.server_hello_done, new Uint8Array(0)).raw);

    const hs = new ServerTls12(config, transcript, choice.suite, randoms, facts.ems, choice.identity, agreement, sessionId, issueTicket);
    return requestCert ? new ExpectClientCertificate(hs) : new ExpectClientKeyExchange(hs, undefined);
  }
}

/**
 * A PSK suite's ServerKeyExchange: the identity hint, and for ECDHE_PSK our unsigned ECDHE params
 * (RFC 5489 §2); plain PSK without a hint sends none (RFC 4279 §2). The client's identity is
 * looked up when its ClientKeyExchange comes.
 */
function pskFlight(config: ResolvedServerConfig, choice: Choice, transcript: Transcript, io: HandshakeIo): ServerKeyAgreement {
  const lookup = (identity: Uint8Array): Uint8Array => {
    const key = lookupExternalPsk(config, identity);
    if (!key) throw unknownPskIdentity();
    acceptExternalPsk(io, identity, 'server');
    return key;
  };
  const agreement = new PskServer(io.provider, choice.suite.kx === 'ECDHE_PSK' ? choice.group : undefined, lookup);
  const hint = new TextEncoder().encode(config.pskIdentityHint ?? '');
  if (agreement.ecdhe || hint.length > 0) {
    transcript.add(io.sendHandshake(HandshakeType.server_key_exchange, writePskServerKeyExchange(hint, agreement.ecdhe?.params)).raw);
  }
  return agreement;
}

/**
 * RFC 8446 §4.2.1: with supported_versions, only that list counts; without it, legacy_version
 * is the client's highest. We take our highest version the client supports; TLS ≤ 1.1 is
 * refused with protocol_version (RFC 8996).
 */
function chooseVersion(ch: ClientHello, ours: readonly number[]): number {
  // RFC 8446 §D.5: a ClientHello with legacy_version 0x0300 (SSL 3.0) or less is refused with
  // protocol_version, whatever supported_versions says.
  if (ch.legacyVersion <= ProtocolVersion.SSLv3) {
    throw new LocalAlert(AlertDescription.protocol_version, `ClientHello legacy_version 0x${ch.legacyVersion.toString(16).padStart(4, '0')} (SSL 3.0 or older)`);
  }
  const sv = findExtension(ch.extensions, ExtensionType.supported_versions);
  const theirs = sv !== undefined ? readSupportedVersionsClient(sv) : ch.legacyVersion >= ProtocolVersion.TLSv1_2 ? [ProtocolVersion.TLSv1_2] : [];
  const version = ours.find((v) => theirs.includes(v));
  if (version === undefined) {
    throw new LocalAlert(AlertDescription.protocol_version, `no common protocol version: the client offers ${describeVersions(theirs.length ? theirs : [ch.legacyVersion])}, we support ${describeVersions(ours)}`);
  }
  return version;
}

function describeVersions(versions: readonly number[]): string {
  const names: Record<number, string> = { 0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' };
  return versions.map((v) => names[v] ?? `0x${v.toString(16)}`).join(', ');
}

const CURVE_GROUPS: Record<string, number> = { 'P-256': NamedGroup.secp256r1, 'P-384': NamedGroup.secp384r1, 'P-521': NamedGroup.secp521r1 };

/** RFC 5746 §3.6: on an initial handshake renegotiated_connection must be empty, else handshake_failure. */
function checkRenegotiationInfo(ch: ClientHello): void {
  const ri = findExtension(ch.extensions, ExtensionType.renegotiation_info);
  if (ri !== undefined && readRenegotiationInfo(ri).length !== 0) {
    throw new LocalAlert(AlertDescription.handshake_failure, 'non-empty renegotiation_info in an initial ClientHello');
  }
}

const RFC8422_CURVES: readonly number[] = [NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1, NamedGroup.x25519, NamedGroup.x448];

/**
 * RFC 8422 §5.1.2 (TLS 1.2 only): a client that lists EC curves in supported_groups and sends
 * ec_point_formats must include uncompressed, else illegal_parameter.
 */
function checkPointFormats(facts: HelloFacts): void {
  if (facts.pointFormats === undefined || readEcPointFormats(facts.pointFormats).includes(ECPointFormat.uncompressed)) return;
  if (facts.groups.some((g) => RFC8422_CURVES.includes(g)) || !facts.sentGroups) {
    throw new LocalAlert(AlertDescription.illegal_parameter, 'client does not support uncompressed EC points');
  }
}

function readServerNameExt(extensions: readonly Extension[]): string | undefined {
  const data = findExtension(extensions, ExtensionType.server_name);
  return data === undefined ? undefined : readServerName(data);
}

function readHelloFacts(ch: ClientHello): HelloFacts {
  const ext = (t: number): Uint8Array | undefined => findExtension(ch.extensions, t);
  const groupsData = ext(ExtensionType.supported_groups);
  const groups = groupsData ? readU16ListExtension(groupsData, 'supported_groups') : [];
  const pointFormats = ext(ExtensionType.ec_point_formats);
  const sigData = ext(ExtensionType.signature_algorithms);
  const alpnData = ext(ExtensionType.application_layer_protocol_negotiation);
  const emsData = ext(ExtensionType.extended_master_secret);
  if (emsData !== undefined) readEmpty(emsData, 'extended_master_secret');
  const statusData = ext(ExtensionType.status_request);
  return {
    groups,
    sentGroups: groupsData !== undefined,
    pointFormats,
    // RFC 5246 §7.4.1.4.1: without the extension the client implies SHA-1, which we refuse (RFC 9155).
    schemes: sigData ? readU16ListExtension(sigData, 'signature_algorithms') : [],
    alpn: alpnData ? readAlpn(alpnData) : undefined,
    ems: emsData !== undefined,
    statusRequest: statusData !== undefined && readStatusRequest(statusData),
  };
}

/**
 * node:tls's ALPNCallback (RFC 7301 §3.2): its answer must be one of the client's protocols;
 * none is no_application_protocol.
 */
function askAlpnCallback(callback: AlpnCallback, servername: string | undefined, protocols: readonly string[]): string {
  const chosen = callback({ servername, protocols: [...protocols] });
  if (chosen === undefined) {
    throw new LocalAlert(AlertDescription.no_application_protocol, `the ALPNCallback chose none of the client's protocols ${JSON.stringify(protocols)}`);
  }
  if (!protocols.includes(chosen)) {
    throw new LocalAlert(AlertDescription.internal_error, `the ALPNCallback returned ${JSON.stringify(chosen)}, which is not one of the client's protocols ${JSON.stringify(protocols)}`, 'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT');
  }
  return chosen;
}

/** Our first suite that the client offered and that we can complete, in our order or (honorCipherOrder: false) the client's. */
function chooseSuite(ch: ClientHello, facts: HelloFacts, config: ResolvedServerConfig): Choice | undefined {
  for (const suite of inPreferenceOrder(config.suites, ch, config)) {
    if (!ch.cipherSuites.includes(suite.id)) continue;
    if (isPskSuite(suite) && !config.pskLookup) continue;
    let group: number | undefined;
    if (suite.kx === 'ECDHE' || suite.kx === 'ECDHE_PSK') {
      // RFC 8422 §4: without supported_groups the client is assumed to take secp256r1.
      group = facts.sentGroups ? chooseGroup(config.groups, facts.groups, 'ec') : NamedGroup.secp256r1;
      if (group === undefined) continue;
    } else if (suite.kx === 'DHE') {
      group = chooseDheGroup(config.groups, facts.groups);
      if (group === undefined) continue;
    }
    if (isPskSuite(suite)) return { suite, identity: undefined, scheme: undefined, group };
    for (const identity of config.identities) {
      if (identity.key.type !== keyTypeFor(suite)) continue;
      // RFC 8422 §5.1: an ECDSA certificate's curve must be one the client listed.
      if (identity.key.type === 'ec' && facts.sentGroups && !facts.groups.includes(CURVE_GROUPS[identity.key.curve ?? ''] ?? -1)) continue;
      if (suite.kx === 'RSA') return { suite, identity, scheme: undefined, group };
      const scheme = chooseSignatureScheme(identity.key, facts.schemes, config.signatureSchemes);
      if (scheme !== undefined) return { suite, identity, scheme, group };
    }
  }
  return undefined;
}

/**
 * Why no suite fits, for the failure message: no suite in common at all, or (the usual surprise)
 * suites in common that cannot be completed: no certificate of the suite's key type, no signature
 * scheme both sides take (a client without signature_algorithms implies SHA-1, RFC 5246
 * §7.4.1.4.1, which we refuse), or no key exchange group in common.
 */
function describeNoSuite(ch: ClientHello, facts: HelloFacts, config: ResolvedServerConfig): string {
  const known = new Map(TLS12_SUITES.map((s) => [s.id as number, s.openssl]));
  const offered = ch.cipherSuites
    .filter((id) => id !== CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
    .map((id) => known.get(id) ?? `0x${id.toString(16).padStart(4, '0')}`);
  const common = config.suites.filter((s) => ch.cipherSuites.includes(s.id));
  if (common.length === 0) {
    return `no cipher suite in common: the client offered [${offered.join(', ')}], we support [${config.suites.map((s) => s.openssl).join(', ')}]`;
  }
  const reasons = new Set<string>();
  for (const suite of common) {
    if (isPskSuite(suite)) {
      reasons.add(config.pskLookup ? `no elliptic curve in common for ${suite.openssl}` : `${suite.openssl} needs a pskCallback`);
      continue;
    }
    const keyType = keyTypeFor(suite);
    const identities = config.identities.filter((i) => i.key.type === keyType);
    if (identities.length === 0) reasons.add(`${suite.openssl} needs an ${keyType === 'ec' ? 'ECDSA' : 'RSA'} certificate and we have none`);
    else if (suite.kx === 'ECDHE' && facts.sentGroups && chooseGroup(config.groups, facts.groups, 'ec') === undefined) reasons.add(`no elliptic curve in common for ${suite.openssl}`);
    else if (suite.kx === 'DHE' && chooseDheGroup(config.groups, facts.groups) === undefined) reasons.add(`no FFDHE group in common for ${suite.openssl}`);
    else if (suite.kx !== 'RSA' && facts.schemes.length === 0) reasons.add('the client sent no signature_algorithms, which means SHA-1 signatures only, and we refuse SHA-1 (RFC 9155)');
    else if (suite.kx !== 'RSA') reasons.add(`no signature algorithm in common for our ${keyType === 'ec' ? 'ECDSA' : 'RSA'} certificate`);
  }
  const mlDsa = config.identities.find((i) => i.key.type.startsWith('ml-dsa'));
  if (mlDsa) reasons.add(`our ${mlDsa.key.type.toUpperCase()} certificate is for TLS 1.3 only (draft-ietf-tls-mldsa §3), and the client offered TLS 1.2`);
  return `the cipher suites we share with the client cannot be used: ${[...reasons].join('; ')}`;
}
