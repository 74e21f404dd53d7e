/**
 * The scanner's one question: a raw ClientHello, built with the codec (src/messages), sent on a
 * fresh connection, and the server's answer read up to where it stops being plaintext: its
 * ServerHello or HelloRetryRequest (and, for TLS 1.2 and older, the rest of its first flight:
 * Certificate, ServerKeyExchange, up to ServerHelloDone), or the alert it refuses with. The
 * handshake is never finished: a probe only needs what the server chose.
 */
import { Writer } from '../codec/writer.js';
import { readAlert } from '../messages/alert.js';
import { writeClientHello } from '../messages/client-hello.js';
import { AlertLevel, ContentType, ExtensionType, HandshakeType, ProtocolVersion, SignatureScheme } from '../messages/enums.js';
import { findExtension, type Extension } from '../messages/extensions/index.js';
import { writeAlpn, writeEcPointFormats, writeRenegotiationInfo, writeServerName, writeU16ListExtension } from '../messages/extensions/simple.js';
import { readSupportedVersionsServer, writeKeyShareClient, writeSupportedVersionsClient, type KeyShareEntry } from '../messages/extensions/tls13.js';
import { frameHandshake, type HandshakeMessage } from '../messages/handshake.js';
import { readServerHello, type ServerHello } from '../messages/server-hello.js';
import { Deframer } from '../record/deframer.js';
import { HandshakeJoiner } from '../record/handshake-joiner.js';
import { isHelloRetryRequest } from '../handshake/tls13-common.js';
import type { ByteChannel } from './channel.js';

/** What one probe offers. */
export interface ProbeHello {
  /** ClientHello.legacy_version: the highest version offered when `tls13` is not set. */
  readonly version: number;
  /** Offer TLS 1.3 through supported_versions (legacy_version stays TLS 1.2, RFC 8446 §4.1.2). */
  readonly tls13?: boolean;
  readonly suites: readonly number[];
  /** supported_groups, in preference order. */
  readonly groups: readonly number[];
  /** TLS 1.3 key_share entries (default none, which makes a server that likes a group ask for it by HelloRetryRequest). */
  readonly keyShares?: readonly KeyShareEntry[];
  /** SNI host name (omitted for IP literals). */
  readonly serverName?: string | undefined;
  /** Append TLS_FALLBACK_SCSV (RFC 7507): "this is a retry at a lower version". */
  readonly fallbackScsv?: boolean;
  readonly alpn?: readonly string[];
  /** signature_algorithms to offer (default: every scheme, SHA-1 included). */
  readonly signatureSchemes?: readonly number[];
  /** Ask for Certificate Transparency SCTs (RFC 6962 §3.3.1: an empty signed_certificate_timestamp extension). */
  readonly signedCertificateTimestamp?: boolean;
}

/** What the server answered. */
export type ProbeAnswer =
  | {
      readonly kind: 'hello';
      readonly hello: ServerHello;
      /** The version chosen: supported_versions' when present, else server_version. */
      readonly version: number;
      /** A HelloRetryRequest (RFC 8446 §4.1.4) rather than a ServerHello. */
      readonly retry: boolean;
      /** TLS 1.2 and older: the plaintext flight after the ServerHello (Certificate, ServerKeyExchange, …). */
      readonly flight: readonly HandshakeMessage[];
    }
  | { readonly kind: 'alert'; readonly description: number }
  | { readonly kind: 'closed' }
  | { readonly kind: 'error'; readonly reason: string }
  /** No answer at all: the connection failed or the probe's deadline passed (`error` is what was thrown). */
  | { readonly kind: 'failed'; readonly error: unknown };

/** Every signature scheme a server might want, SHA-1 included (a scan must not be refused for ours). */
const ALL_SCHEMES = Object.values(SignatureScheme).filter((s) => s < 0x0900);

function extensionsFor(p: ProbeHello): Extension[] {
  const ext: Extension[] = [];
  if (p.serverName) ext.push({ type: ExtensionType.server_name, data: writeServerName(p.serverName) });
  if (p.groups.length > 0) ext.push({ type: ExtensionType.supported_groups, data: writeU16ListExtension(p.groups) });
  ext.push({ type: ExtensionType.ec_point_formats, data: writeEcPointFormats([0]) });
  ext.push({ type: ExtensionType.signature_algorithms, data: writeU16ListExtension(p.signatureSchemes ?? ALL_SCHEMES) });
  if (p.signedCertificateTimestamp) ext.push({ type: ExtensionType.signed_certificate_timestamp, data: new Uint8Array(0) });
  // status_request (RFC 6066 §8): ocsp, no responder IDs, no request extensions.
  ext.push({ type: ExtensionType.status_request, data: Uint8Array.of(1, 0, 0, 0, 0) });
  if (p.alpn) ext.push({ type: ExtensionType.application_layer_protocol_negotiation, data: writeAlpn(p.alpn) });
  ext.push({ type: ExtensionType.encrypt_then_mac, data: new Uint8Array(0) });
  ext.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
  ext.push({ type: ExtensionType.session_ticket, data: new Uint8Array(0) });
  if (p.tls13) {
    ext.push({ type: ExtensionType.supported_versions, data: writeSupportedVersionsClient([ProtocolVersion.TLSv1_3]) });
    ext.push({ type: ExtensionType.psk_key_exchange_modes, data: Uint8Array.of(1, 1) });
    ext.push({ type: ExtensionType.key_share, data: writeKeyShareClient(p.keyShares ?? []) });
  }
  ext.push({ type: ExtensionType.renegotiation_info, data: writeRenegotiationInfo(new Uint8Array(0)) });
  return ext;
}

/** The ClientHello record for a probe. */
export function probeHelloRecord(p: ProbeHello, random: (n: number) => Uint8Array): Uint8Array {
  const hello = {
    legacyVersion: p.tls13 ? ProtocolVersion.TLSv1_2 : p.version,
    random: random(32),
    legacySessionId: p.tls13 ? random(32) : new Uint8Array(0),
    cipherSuites: p.fallbackScsv ? [...p.suites, 0x5600] : p.suites,
    legacyCompressionMethods: Uint8Array.of(0),
    extensions: extensionsFor(p),
  };
  let body = writeClientHello(hello);
  // RFC 7685 §4: some servers hang on a ClientHello of 256 to 511 bytes; pad it to 512, as OpenSSL and BoringSSL do.
  const length = body.length + 4;
  if (length > 0xff && length < 0x200) {
    const padding = { type: ExtensionType.padding, data: new Uint8Array(Math.max(1, 0x200 - length - 4)) };
    body = writeClientHello({ ...hello, extensions: [...hello.extensions, padding] });
  }
  const message = frameHandshake(HandshakeType.client_hello, body).raw;
  // The record version of a first ClientHello: TLS 1.0's, as every client sends (SSL 3.0's for an SSL 3.0 hello).
  const recordVersion = p.version === ProtocolVersion.SSLv3 && !p.tls13 ? ProtocolVersion.SSLv3 : ProtocolVersion.TLSv1;
  return new Writer(message.length + 5).u8(ContentType.handshake).u16(recordVersion).vec16(message).finish();
}

/** Sends the probe's hello on `channel` and reads the answer. */
export async function ask(channel: ByteChannel, p: ProbeHello, random: (n: number) => Uint8Array): Promise<ProbeAnswer> {
  channel.write(probeHelloRecord(p, random));
  return readAnswer(channel);
}

/** Reads the server's answer: its hello (and plaintext flight), an alert, or a close. */
export async function readAnswer(channel: ByteChannel): Promise<ProbeAnswer> {
  const deframer = new Deframer();
  const joiner = new HandshakeJoiner();
  let hello: { hello: ServerHello; version: number; retry: boolean } | undefined;
  const flight: HandshakeMessage[] = [];
  for (;;) {
    const bytes = await channel.read();
    if (bytes === null) return hello ? { kind: 'hello', ...hello, flight } : { kind: 'closed' };
    try {
      deframer.push(bytes);
      for (let record = deframer.next(); record; record = deframer.next()) {
        if (record.type === ContentType.alert) {
          const alert = readAlert(record.fragment.slice());
          if (hello) return { kind: 'hello', ...hello, flight };
          if (alert.level === AlertLevel.warning && alert.description !== 0) continue;
          return { kind: 'alert', description: alert.description };
        }
        if (record.type !== ContentType.handshake) {
          if (hello) return { kind: 'hello', ...hello, flight };
          return { kind: 'error', reason: `a record of content type ${record.type} before the ServerHello` };
        }
        for (const m of joiner.push(record.fragment)) {
          if (!hello) {
            if (m.type !== HandshakeType.server_hello) return { kind: 'error', reason: `handshake message type ${m.type} before the ServerHello` };
            const sh = readServerHello(m.body);
            const sv = findExtension(sh.extensions, ExtensionType.supported_versions);
            const version = sv ? readSupportedVersionsServer(sv) : sh.legacyVersion;
            hello = { hello: sh, version, retry: isHelloRetryRequest(sh.random) };
            // TLS 1.3: everything after the ServerHello is encrypted; a retry request waits for our next hello.
            if (version >= ProtocolVersion.TLSv1_3 || hello.retry) return { kind: 'hello', ...hello, flight };
            continue;
          }
          flight.push(m);
          if (m.type === HandshakeType.server_hello_done || m.type === HandshakeType.finished) return { kind: 'hello', ...hello, flight };
        }
      }
    } catch (err) {
      if (hello) return { kind: 'hello', ...hello, flight };
      return { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
    }
  }
}
