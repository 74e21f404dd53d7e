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
import { AlertDescription, ECPointFormat, ExtensionType, HandshakeType, ProtocolVersion, nameOf } from '../../messages/enums.js';
import { readServerHello } from '../../messages/server-hello.js';
import { tls12SuiteById } from '../../crypto/suites.js';
import { EC_GROUPS, isFfdhe } from '../negotiation.js';
import { expectHandshake, type HandshakeIo, type Incoming, type State } from '../state.js';
import { Transcript } from '../transcript.js';
import { ClientTls12, ExpectCertificate } from './tls12.js';

/** What the client offered; later states check the server's choices against it. */
export interface ClientOffer {
  readonly hello: ClientHello;
  readonly groups: readonly number[];
  readonly signatureSchemes: readonly number[];
  readonly alpn: readonly string[];
}

const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

export function buildClientHello(config: ResolvedClientConfig, io: HandshakeIo): { offer: ClientOffer; transcript: Transcript } {
  const suites = config.suites;
  const wantsEc = suites.some((s) => s.kx === 'ECDHE');
  const wantsFfdhe = suites.some((s) => s.kx === 'DHE');
  const groups = config.groups.filter((g) => (wantsEc && EC_GROUPS.includes(g)) || (wantsFfdhe && isFfdhe(g)));

  const extensions: Extension[] = [];
  // RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in server_name.
  if (config.serverName && !IP_LITERAL.test(config.serverName)) {
    extensions.push({ type: ExtensionType.server_name, data: writeServerName(config.serverName.replace(/\.$/, '')) });
  }
  if (groups.length > 0) extensions.push({ type: ExtensionType.supported_groups, data: writeU16ListExtension(groups) });
  if (wantsEc) extensions.push({ type: ExtensionType.ec_point_formats, data: writeEcPointFormats([ECPointFormat.uncompressed]) });
  extensions.push({ type: ExtensionType.signature_algorithms, data: writeU16ListExtension(config.signatureSchemes) });
  if (config.alpn.length > 0) {
    extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: writeAlpn(config.alpn) });
  }
  // RFC 7627: always offered. RFC 5746 §3.4: an empty renegotiation_info on the initial handshake.
  extensions.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
  extensions.push({ type: ExtensionType.renegotiation_info, data: writeRenegotiationInfo(new Uint8Array(0)) });

  const hello: ClientHello = {
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: io.provider.random.bytes(32),
    legacySessionId: new Uint8Array(0),
    cipherSuites: suites.map((s) => s.id),
    legacyCompressionMethods: Uint8Array.of(0),
    extensions,
  };
  const transcript = new Transcript(io.provider.hash);
  const sent = io.sendHandshake(HandshakeType.client_hello, writeClientHello(hello));
  transcript.add(sent.raw);
  io.negotiated.clientRandom = hello.random;
  io.negotiated.serverName = config.serverName;
  return { offer: { hello, groups, signatureSchemes: config.signatureSchemes, alpn: config.alpn }, transcript };
}

/** Extensions a TLS 1.2 ServerHello may carry, given that we offered them. */
const ANSWERABLE = new Set<number>([
  ExtensionType.server_name,
  ExtensionType.ec_point_formats,
  ExtensionType.application_layer_protocol_negotiation,
  ExtensionType.extended_master_secret,
  ExtensionType.renegotiation_info,
]);

export class ExpectServerHello implements State {
  readonly name = 'client.ExpectServerHello';

  constructor(
    private readonly config: ResolvedClientConfig,
    private readonly offer: ClientOffer,
    private readonly transcript: Transcript,
  ) {}

  handle(input: Incoming, io: HandshakeIo): State {
    const message = expectHandshake(input, this.name, HandshakeType.server_hello);
    const sh = readServerHello(message.body);

    // RFC 5246 §7.4.1.3 / RFC 8996: we speak only TLS 1.2 here.
    if (sh.legacyVersion !== ProtocolVersion.TLSv1_2) {
      throw new LocalAlert(AlertDescription.protocol_version, `server chose version 0x${sh.legacyVersion.toString(16)}; only TLS 1.2 is offered`);
    }
    // The suite must be one we offered (RFC 5246 §7.4.1.3).
    const suite = tls12SuiteById(sh.cipherSuite);
    if (!suite || !this.offer.hello.cipherSuites.includes(sh.cipherSuite)) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which we did not offer`);
    }
    // We offered only the null compression method.
    if (sh.legacyCompressionMethod !== 0) {
      throw new LocalAlert(AlertDescription.illegal_parameter, `server chose compression method ${sh.legacyCompressionMethod}`);
    }
    // RFC 5246 §7.4.1.4: a server MUST NOT send an extension the client did not offer.
    for (const e of sh.extensions) {
      if (!ANSWERABLE.has(e.type) || !findExtension(this.offer.hello.extensions, e.type)) {
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
      if (chosen.length !== 1 || !this.offer.alpn.includes(chosen[0]!)) {
        throw new LocalAlert(AlertDescription.illegal_parameter, `server selected ALPN ${JSON.stringify(chosen)}, which we did not offer`);
      }
      io.negotiated.alpn = chosen[0];
    }

    this.transcript.setHash(suite.hash);
    this.transcript.add(message.raw);
    const n = io.negotiated;
    n.version = 'TLSv1.2';
    n.suite = suite;
    n.serverRandom = sh.random;
    n.extendedMasterSecret = ems !== undefined;
    const hs = new ClientTls12(this.config, this.offer, this.transcript, suite, { client: this.offer.hello.random, server: sh.random }, n.extendedMasterSecret);
    return new ExpectCertificate(hs);
  }
}
