/**
 * The client's first flight and the ServerHello that answers it (RFC 5246 §7.4.1.2–3).
 * After ServerHello the TLS 1.2 states in tls12.ts take over.
 */
import type { ResolvedClientConfig } from '../../config.js';
import { LocalAlert } from '../../errors.js';
import { findExtension, type Extension } from '../../messages/extensions/index.js';
import {
  readAlpn,
  readEcPointFormats,
  readEmpty,
  readRenegotiationInfo,
  writeAlpn,
  writeEcPointFormats,
  writeRenegotiationInfo,
  writeServerName,
  writeU16ListExtension,
} from '../../messages/extensions/simple.js';
import { writeClientHello, type ClientHello } from '../../messages/client-hello.js';
import { writeStatusRequest } from '../../messages/certificate-status.js';
import { AlertDescription, ECPointFormat, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, nameOf } from '../../messages/enums.js';
import { readSupportedVersionsServer, writeCookie, writeKeyShareClient, writeSupportedVersionsClient } from '../../messages/extensions/tls13.js';
import type { CryptoProvider, HashAlgorithm, KeyShare } from '../../crypto/provider.js';
import { decodeClientSession, isFresh, usable, type ClientSession } from '../../session/session.js';
import { askExternalPsk, bindClientHello, EXTERNAL_PSK_HASH, type ExternalPsk } from '../psk.js';
import { writePreSharedKeyClient, type PskIdentity } from '../../messages/extensions/tls13.js';
import { tls13SuiteById, type Tls13Suite } from '../../crypto/suites.js';
import { constantTimeEqual } from '../tls12-common.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, isHelloRetryRequest } from '../tls13-common.js';
import { acceptServerHello13, handleHelloRetryRequest } from './tls13.js';
import { readServerHello } from '../../messages/server-hello.js';
import { isPskSuite, tls12SuiteById } from '../../crypto/suites.js';
import { isKemGroup } from '../../crypto/kem-groups.js';
import { EC_GROUPS, isFfdhe } from '../negotiation.js';
import { expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { Transcript } from '../transcript.js';
import { ClientTls12, ExpectCertificate, ExpectPskServerKeyExchange, resumeTls12 } from './tls12.js';
import { isTls12Scheme } from '../negotiation.js';

/** What the client offered; later states check the server's choices against it. */
export interface ClientOffer {
  readonly hello: ClientHello;
  readonly groups: readonly number[];
  readonly signatureSchemes: readonly number[];
  readonly alpn: readonly string[];
  readonly versions: readonly number[];
  readonly suites13: readonly Tls13Suite[];
  /** Our TLS 1.3 key shares (shareGroups(): X25519MLKEM768 and x25519 by default). */
  readonly keyShares: readonly KeyShare[];
  /** The session offered for resumption, if any (TLS 1.2: by ID or ticket; TLS 1.3: as a PSK). */
  readonly session: ClientSession | undefined;
  /** TLS 1.3: the external PSK offered (node:tls pskCallback) when no session is. */
  readonly external: ExternalPsk | undefined;
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

interface HelloInputs {
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly keyShares: readonly KeyShare[];
  readonly cookie: Uint8Array | undefined;
  readonly session: ClientSession | undefined;
  readonly external: ExternalPsk | undefined;
  /** Milliseconds since the epoch, for the ticket's obfuscated age. */
  readonly now: number;
}

/** The ClientHello for our configuration (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2). */
function makeOffer(config: ResolvedClientConfig, inputs: HelloInputs): ClientOffer {
  const offer13 = config.versions.includes(ProtocolVersion.TLSv1_3);
  const offer12 = config.versions.includes(ProtocolVersion.TLSv1_2);
  // PSK suites only with a pskCallback to answer them (as OpenSSL, which drops them without one).
  const suites = offer12 ? config.suites.filter((s) => !isPskSuite(s) || config.pskCallback !== undefined) : [];
  // EC groups are always listed: even a DHE-only client may sign with an ECDSA certificate,
  // whose curve the server checks against supported_groups (RFC 8422 §5.1). RFC 7919 groups are
  // listed for TLS 1.2 DHE suites, and for TLS 1.3 when configured for it (RFC 8446 §4.2.7: one
  // list serves both versions, so a TLS 1.3 server may pick any group listed here). The ML-KEM
  // groups are TLS 1.3 only (draft-ietf-tls-ecdhe-mlkem §3), listed when we offer TLS 1.3.
  const wantsFfdhe = suites.some((s) => s.kx === 'DHE');
  const groups = config.groups.filter((g) => EC_GROUPS.includes(g) || (offer13 && isKemGroup(g) && config.groups13.includes(g)) || (isFfdhe(g) && (wantsFfdhe || (offer13 && config.groups13.includes(g)))));

  const extensions: Extension[] = [];
  // RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in server_name.
  if (config.serverName && !IP_LITERAL.test(config.serverName)) {
    extensions.push({ type: ExtensionType.server_name, data: writeServerName(config.serverName.replace(/\.$/, '')) });
  }
  if (groups.length > 0) extensions.push({ type: ExtensionType.supported_groups, data: writeU16ListExtension(groups) });
  if (suites.some((s) => s.kx === 'ECDHE' || s.kx === 'ECDHE_PSK')) {
    extensions.push({ type: ExtensionType.ec_point_formats, data: writeEcPointFormats([ECPointFormat.uncompressed]) });
  }
  // ML-DSA schemes only when TLS 1.3 is offered (draft-ietf-tls-mldsa §3).
  const signatureSchemes = offer13 ? config.signatureSchemes : config.signatureSchemes.filter(isTls12Scheme);
  extensions.push({ type: ExtensionType.signature_algorithms, data: writeU16ListExtension(signatureSchemes) });
  if (config.alpn.length > 0) {
    extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: writeAlpn(config.alpn) });
  }
  // RFC 6066 §8: ask for a stapled OCSP response (node:tls requestOCSP).
  if (config.requestOCSP) extensions.push({ type: ExtensionType.status_request, data: writeStatusRequest() });
  const session = inputs.session;
  if (offer12) {
    // RFC 7627: always offered. RFC 5746 §3.4: an empty renegotiation_info on the initial handshake.
    extensions.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
    extensions.push({ type: ExtensionType.renegotiation_info, data: writeRenegotiationInfo(new Uint8Array(0)) });
    // RFC 5077 §3.2: an empty extension asks for a ticket; a TLS 1.2 session's ticket offers to resume.
    const ticket = session?.version === ProtocolVersion.TLSv1_2 ? session.ticket : new Uint8Array(0);
    if (config.sessionTickets) extensions.push({ type: ExtensionType.session_ticket, data: ticket });
  }
  if (offer13) {
    extensions.push({ type: ExtensionType.supported_versions, data: writeSupportedVersionsClient(config.versions) });
    extensions.push({
      type: ExtensionType.key_share,
      data: writeKeyShareClient(inputs.keyShares.map((k) => ({ group: k.group, keyExchange: k.publicKey }))),
    });
    if (inputs.cookie) extensions.push({ type: ExtensionType.cookie, data: writeCookie(inputs.cookie) });
    const psk = offeredPsk(session, inputs.external, inputs.now);
    if (psk) {
      // RFC 8446 §4.2.9–11: psk_dhe_ke only, and pre_shared_key last, its binder filled in after encoding.
      extensions.push({ type: ExtensionType.psk_key_exchange_modes, data: Uint8Array.of(1, PSK_DHE_KE) });
      extensions.push({ type: ExtensionType.pre_shared_key, data: writePreSharedKeyClient(psk.identity, psk.hash === 'sha384' ? 48 : 32) });
    }
  }

  const suites13 = offer13 ? config.suites13 : [];
  const hello: ClientHello = {
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: inputs.random,
    legacySessionId: inputs.sessionId,
    cipherSuites: [...suites13.map((s) => s.id), ...suites.map((s) => s.id)],
    legacyCompressionMethods: Uint8Array.of(0),
    extensions,
  };
  return {
    hello,
    groups,
    signatureSchemes,
    alpn: config.alpn,
    versions: config.versions,
    suites13,
    keyShares: inputs.keyShares,
    session,
    external: offer13 && session?.version !== ProtocolVersion.TLSv1_3 ? inputs.external : undefined,
  };
}

/**
 * The TLS 1.3 PSK to offer: a session's ticket (its age obfuscated, RFC 8446 §4.2.11.1), else an
 * external PSK, whose obfuscated_ticket_age is 0 (§4.2.11).
 */
function offeredPsk(session: ClientSession | undefined, external: ExternalPsk | undefined, now: number): { identity: PskIdentity; key: Uint8Array; hash: HashAlgorithm; resumption: boolean } | undefined {
  if (session?.version === ProtocolVersion.TLSv1_3) {
    const age = Math.max(0, now - session.created);
    return { identity: { identity: session.ticket, obfuscatedAge: (age + session.ageAdd) % 2 ** 32 }, key: session.secret, hash: tls13SuiteById(session.suite)!.hash, resumption: true };
  }
  if (external) return { identity: { identity: external.identity, obfuscatedAge: 0 }, key: external.key, hash: EXTERNAL_PSK_HASH, resumption: false };
  return undefined;
}

/** psk_dhe_ke (RFC 8446 §4.2.9): resumption always with a fresh (EC)DHE exchange. */
const PSK_DHE_KE = 1;

/** The session to offer, if it fits this connection (same SNI, an enabled version and suite, still fresh). */
function usableSession(config: ResolvedClientConfig, now: number): ClientSession | undefined {
  const s = config.session;
  if (!s || !usable(s) || !isFresh(s, now) || s.serverName !== (config.serverName ?? '')) return undefined;
  if (s.version === ProtocolVersion.TLSv1_3) return config.versions.includes(s.version) && config.suites13.some((x) => x.id === s.suite) ? s : undefined;
  if (s.version === ProtocolVersion.TLSv1_2) return config.versions.includes(s.version) && config.suites.some((x) => x.id === s.suite) ? s : undefined;
  return undefined;
}

/** Encodes a ClientHello, with its PSK binder when it offers a TLS 1.3 session or an external PSK. */
export function encodeClientHello(offer: ClientOffer, provider: CryptoProvider, transcriptPrefix: Uint8Array): Uint8Array {
  const body = writeClientHello(offer.hello);
  const psk = offer.versions.includes(ProtocolVersion.TLSv1_3) ? offeredPsk(offer.session, offer.external, 0) : undefined;
  if (psk) bindClientHello(provider, psk.hash, psk.key, transcriptPrefix, body, psk.resumption);
  return body;
}

/**
 * The groups we send key shares for (RFC 8446 §4.2.8): our first TLS 1.3 group, and when that is
 * an ML-KEM group also our first ECDHE group, so that a server without ML-KEM needs no
 * HelloRetryRequest (Chromium's and OpenSSL 3.5's X25519MLKEM768 + x25519). A server that wants
 * another group asks by HelloRetryRequest.
 */
export function shareGroups(groups13: readonly number[]): number[] {
  const first = groups13[0];
  if (first === undefined) return [];
  const classical = isKemGroup(first) ? groups13.find((g) => EC_GROUPS.includes(g)) : undefined;
  return classical === undefined ? [first] : [first, classical];
}

export function buildClientHello(config: ResolvedClientConfig, io: HandshakeIo): { offer: ClientOffer; transcript: Transcript } {
  const offer13 = config.versions.includes(ProtocolVersion.TLSv1_3);
  const random = io.provider.random.bytes(32);
  // RFC 8446 §D.4: a non-empty legacy_session_id puts the server in middlebox-compatibility mode.
  const sessionId = offer13 ? io.provider.random.bytes(32) : new Uint8Array(0);
  const keyShares = offer13 ? shareGroups(config.groups13).map((g) => io.provider.keyExchange.generate(g as NamedGroup)) : [];
  const session = usableSession(config, config.now().getTime());
  // node:tls asks for a TLS 1.3 external PSK with a null hint (there is none in TLS 1.3).
  const external = offer13 && session?.version !== ProtocolVersion.TLSv1_3 && config.pskCallback ? askExternalPsk(config, null) : undefined;
  // A TLS 1.2 session is named by its ID, unless a ticket carries it (RFC 5077 §3.4: then any fresh ID).
  const resumeId = session?.version === ProtocolVersion.TLSv1_2 && session.ticket.length === 0 ? session.sessionId : undefined;
  const offer = makeOffer(config, {
    random,
    sessionId: resumeId ?? (session?.version === ProtocolVersion.TLSv1_2 ? io.provider.random.bytes(32) : sessionId),
    keyShares,
    cookie: undefined,
    session,
    external,
    now: config.now().getTime(),
  });
  const transcript = new Transcript(io.provider.hash);
  transcript.add(io.sendHandshake(HandshakeType.client_hello, encodeClientHello(offer, io.provider, new Uint8Array(0))).raw);
  io.negotiated.clientRandom = random;
  io.negotiated.serverName = config.serverName;
  return { offer, transcript };
}

/** Extensions a TLS 1.2 ServerHello may carry, given that we offered them. */
const ANSWERABLE = new Set<number>([
  ExtensionType.server_name,
  ExtensionType.ec_point_formats,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.extended_master_secret,
  ExtensionType.renegotiation_info,
  ExtensionType.session_ticket,
  ExtensionType.status_request,
]);

export class ExpectServerHello implements State {
  readonly name: string;

  constructor(
    private readonly config: ResolvedClientConfig,
    private readonly offer: ClientOffer,
    private readonly transcript: Transcript,
    /** Set after a HelloRetryRequest: a second one is unexpected_message (RFC 8446 §4.1.4). */
    private readonly retry?: { suite: Tls13Suite; sentCcs: boolean },
  ) {
    this.name = retry ? 'client.tls13.ExpectServerHelloAfterRetry' : 'client.ExpectServerHello';
  }

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.server_hello);
    const sh = readServerHello(message.body);
    const { offer } = this;

    // RFC 8446 §4.2.1: supported_versions in a ServerHello is authoritative.
    const sv = findExtension(sh.extensions, ExtensionType.supported_versions);
    if (sv !== undefined) {
      const version = readSupportedVersionsServer(sv);
      if (version !== ProtocolVersion.TLSv1_3 || !offer.versions.includes(version) || sh.legacyVersion !== ProtocolVersion.TLSv1_2) {
        throw new LocalAlert(AlertDescription.illegal_parameter, `server selected version 0x${version.toString(16)}, which we did not offer`);
      }
      if (isHelloRetryRequest(sh.random)) {
        if (this.retry) throw new LocalAlert(AlertDescription.unexpected_message, 'a second HelloRetryRequest');
        const retried = handleHelloRetryRequest(this.config, offer, this.transcript, sh, message, io, (previous, shares, cookie) => {
          // Keep the PSK only if the suite the server picked can use it (same hash, RFC 8446 §4.1.4).
          const psk = previous.session?.version === ProtocolVersion.TLSv1_3 && tls13SuiteById(previous.session.suite)?.id === sh.cipherSuite ? previous.session : undefined;
          const external = tls13SuiteById(sh.cipherSuite)?.hash === EXTERNAL_PSK_HASH ? previous.external : undefined;
          const next = makeOffer(this.config, { random: previous.hello.random, sessionId: previous.hello.legacySessionId, keyShares: shares, cookie, session: psk, external, now: this.config.now().getTime() });
          this.transcript.add(io.sendHandshake(HandshakeType.client_hello, encodeClientHello(next, io.provider, this.transcript.bytes())).raw);
          return next;
        });
        return new ExpectServerHello(this.config, retried.offer, this.transcript, { suite: retried.suite, sentCcs: retried.sentCcs });
      }
      return acceptServerHello13(this.config, offer, this.transcript, sh, message, io, this.retry);
    }
    if (this.retry) throw new LocalAlert(AlertDescription.illegal_parameter, 'TLS 1.2 ServerHello after a HelloRetryRequest');

    // RFC 5246 §7.4.1.3 / RFC 8996: below TLS 1.3 we speak only TLS 1.2.
    if (sh.legacyVersion !== ProtocolVersion.TLSv1_2 || !offer.versions.includes(ProtocolVersion.TLSv1_2)) {
      throw new LocalAlert(AlertDescription.protocol_version, `server chose version 0x${sh.legacyVersion.toString(16)}, which we did not offer`);
    }
    // RFC 8446 §4.1.3: a TLS 1.3 client that gets TLS 1.2 checks the downgrade sentinels.
    if (offer.versions.includes(ProtocolVersion.TLSv1_3)) {
      const tail = sh.random.subarray(24);
      if (constantTimeEqual(tail, DOWNGRADE_TLS12) || constantTimeEqual(tail, DOWNGRADE_TLS11)) {
        throw new LocalAlert(AlertDescription.illegal_parameter, 'ServerHello.random carries the TLS 1.3 downgrade sentinel: a downgrade attack');
      }
    }
    // The suite must be one we offered (RFC 5246 §7.4.1.3).
    const suite = tls12SuiteById(sh.cipherSuite);
    if (!suite || !offer.hello.cipherSuites.includes(sh.cipherSuite)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which we did not offer`);
    }
    // We offered only the null compression method.
    if (sh.legacyCompressionMethod !== 0) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `server chose compression method ${sh.legacyCompressionMethod}`);
    }
    // RFC 5246 §7.4.1.4: a server MUST NOT send an extension the client did not offer.
    for (const e of sh.extensions) {
      if (!ANSWERABLE.has(e.type) || !findExtension(offer.hello.extensions, e.type)) {
        throw new LocalAlert(AlertDescription.unsupported_extension, `unsolicited ${nameOf(ExtensionType, e.type, 'ExtensionType')} in ServerHello`);
      }
    }
    const ri = findExtension(sh.extensions, ExtensionType.renegotiation_info);
    // RFC 5746 §3.4: on the initial handshake renegotiated_connection must be empty.
    if (ri !== undefined && readRenegotiationInfo(ri).length !== 0) {
      throw new LocalAlert(AlertDescription.handshake_failure, 'non-empty renegotiation_info on the initial handshake');
    }
    const sni = findExtension(sh.extensions, ExtensionType.server_name);
    if (sni !== undefined) readEmpty(sni, 'server_name in ServerHello');
    const pf = findExtension(sh.extensions, ExtensionType.ec_point_formats);
    // RFC 8422 §5.2: the server's list must contain uncompressed.
    if (pf !== undefined && !readEcPointFormats(pf).includes(ECPointFormat.uncompressed)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, 'server does not support uncompressed points');
    }
    const ems = findExtension(sh.extensions, ExtensionType.extended_master_secret);
    if (ems !== undefined) readEmpty(ems, 'extended_master_secret');
    if (ems === undefined && this.config.requireExtendedMasterSecret) {
      throw new LocalAlert(AlertDescription.handshake_failure, 'server did not negotiate extended_master_secret (RFC 7627), which is required');
    }
    const alpnData = findExtension(sh.extensions, ExtensionType.application_layer_protocol_negotiation);
    if (alpnData !== undefined) {
      // RFC 7301 §3.1: exactly one protocol, one that we offered.
      const chosen = readAlpn(alpnData);
      if (chosen.length !== 1 || !offer.alpn.includes(chosen[0]!)) {
        throw new LocalAlert(AlertDescription.illegal_parameter, `server selected ALPN ${JSON.stringify(chosen)}, which we did not offer`);
      }
      io.negotiated.alpn = chosen[0];
    }

    // RFC 5077 §3.2: an empty session_ticket means a NewSessionTicket will come before the server's CCS.
    const ticketAck = findExtension(sh.extensions, ExtensionType.session_ticket);
    if (ticketAck !== undefined) readEmpty(ticketAck, 'session_ticket in ServerHello');
    // RFC 6066 §8: an empty status_request announces a CertificateStatus after the Certificate.
    const statusAck = findExtension(sh.extensions, ExtensionType.status_request);
    if (statusAck !== undefined) readEmpty(statusAck, 'status_request in ServerHello');

    this.transcript.setHash(suite.hash);
    this.transcript.add(message.raw);
    const n = io.negotiated;
    n.version = 'TLSv1.2';
    n.suite = suite;
    n.serverRandom = new Uint8Array(sh.random); // a copy: sh.random views the whole ServerHello
    n.extendedMasterSecret = ems !== undefined;
    const hs = new ClientTls12(this.config, offer, this.transcript, suite, { client: offer.hello.random, server: sh.random }, n.extendedMasterSecret, sh.legacySessionId, ticketAck !== undefined, statusAck !== undefined);
    // RFC 5246 §7.4.1.3: the server echoing the session ID we offered means an abbreviated handshake.
    const session = offer.session;
    if (session?.version === ProtocolVersion.TLSv1_2 && sh.legacySessionId.length > 0 && constantTimeEqual(sh.legacySessionId, offer.hello.legacySessionId)) {
      return resumeTls12(hs, session, io);
    }
    return isPskSuite(suite) ? new ExpectPskServerKeyExchange(hs) : new ExpectCertificate(hs);
  }
}
