/**
 * A TLS 1.3 handshake taken as far as the server's EncryptedExtensions (RFC 8446 §4.3.1), which is
 * where a TLS 1.3 server answers most extensions (early_data, record_size_limit, heartbeat) and
 * which is encrypted: the probe offers x25519 and P-256 key shares (and, to resume, one PSK with
 * its binder, RFC 8446 §4.2.11), derives the server's handshake traffic keys from the ServerHello
 * with tlsglass's key schedule (src/keys) and opens the records with its record protection. The
 * handshake goes no further: the certificate is not checked and no Finished is sent.
 */
import type { CryptoProvider, KeyShare } from '../crypto/provider.js';
import { TLS13_SUITES, tls13SuiteById } from '../crypto/suites.js';
import { bindClientHello } from '../handshake/psk.js';
import { isHelloRetryRequest, protectionFor } from '../handshake/tls13-common.js';
import { Transcript } from '../handshake/transcript.js';
import { EarlySecret } from '../keys/key-schedule-tls13.js';
import { readAlert } from '../messages/alert.js';
import { writeClientHello } from '../messages/client-hello.js';
import { readEncryptedExtensions } from '../messages/encrypted-extensions.js';
import { AlertDescription, ContentType, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme, nameOf } from '../messages/enums.js';
import { findExtension, type Extension } from '../messages/extensions/index.js';
import { writeServerName, writeU16ListExtension } from '../messages/extensions/simple.js';
import { readKeyShareServer, readSupportedVersionsServer, writeKeyShareClient, writePreSharedKeyClient, writeSupportedVersionsClient } from '../messages/extensions/tls13.js';
import { frameHandshake } from '../messages/handshake.js';
import { readServerHello } from '../messages/server-hello.js';
import { Deframer } from '../record/deframer.js';
import { HandshakeJoiner } from '../record/handshake-joiner.js';
import type { RecordProtection } from '../record/protection.js';
import { Writer } from '../codec/writer.js';
import type { ByteChannel } from './channel.js';

/** A ticket to resume with (RFC 8446 §4.6.1), as a session keeps it. */
export interface PeekPsk {
  readonly ticket: Uint8Array;
  /** The resumption PSK. */
  readonly secret: Uint8Array;
  /** The suite of the session: its hash goes with the PSK. */
  readonly suite: number;
  readonly obfuscatedAge: number;
}

export type PeekAnswer =
  | { readonly kind: 'extensions'; readonly extensions: readonly Extension[]; readonly pskAccepted: boolean; readonly suite: number }
  /** Anything else the server did (alert, HelloRetryRequest, TLS 1.2, close), in words. */
  | { readonly kind: 'other'; readonly answer: string };

const SCHEMES = [
  SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.ecdsa_secp384r1_sha384, SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512, SignatureScheme.ed25519, SignatureScheme.rsa_pss_pss_sha256, SignatureScheme.rsa_pkcs1_sha256, SignatureScheme.rsa_pkcs1_sha384,
];

/** Sends a TLS 1.3 ClientHello with `extensions` (and `psk`) and reads up to the server's EncryptedExtensions. */
export async function peekEncryptedExtensions(
  channel: ByteChannel,
  provider: CryptoProvider,
  serverName: string | undefined,
  extensions: readonly Extension[],
  psk?: PeekPsk,
): Promise<PeekAnswer> {
  const shares: KeyShare[] = [provider.keyExchange.generate(NamedGroup.x25519), provider.keyExchange.generate(NamedGroup.secp256r1)];
  const pskSuite = psk ? tls13SuiteById(psk.suite) : undefined;
  const ext: Extension[] = [];
  if (serverName) ext.push({ type: ExtensionType.server_name, data: writeServerName(serverName) });
  ext.push(
    { type: ExtensionType.supported_groups, data: writeU16ListExtension([NamedGroup.x25519, NamedGroup.secp256r1]) },
    { type: ExtensionType.signature_algorithms, data: writeU16ListExtension(SCHEMES) },
    { type: ExtensionType.supported_versions, data: writeSupportedVersionsClient([ProtocolVersion.TLSv1_3]) },
    { type: ExtensionType.key_share, data: writeKeyShareClient(shares.map((s) => ({ group: s.group, keyExchange: s.publicKey }))) },
    ...extensions,
  );
  if (psk && pskSuite) {
    // RFC 8446 §4.2.9 psk_dhe_ke, and pre_shared_key last (§4.2.11), its binder filled in below.
    ext.push({ type: ExtensionType.psk_key_exchange_modes, data: Uint8Array.of(1, 1) });
    ext.push({ type: ExtensionType.pre_shared_key, data: writePreSharedKeyClient({ identity: psk.ticket, obfuscatedAge: psk.obfuscatedAge }, provider.hash.outputLength(pskSuite.hash)) });
  }
  const body = writeClientHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: provider.random.bytes(32),
    legacySessionId: provider.random.bytes(32),
    cipherSuites: pskSuite ? [pskSuite.id] : TLS13_SUITES.map((s) => s.id),
    legacyCompressionMethods: Uint8Array.of(0),
    extensions: ext,
  });
  if (psk && pskSuite) bindClientHello(provider, pskSuite.hash, psk.secret, new Uint8Array(0), body);
  const hello = frameHandshake(HandshakeType.client_hello, body).raw;
  channel.write(new Writer(hello.length + 5).u8(ContentType.handshake).u16(ProtocolVersion.TLSv1).vec16(hello).finish());

  const deframer = new Deframer();
  const plain = new HandshakeJoiner();
  const hidden = new HandshakeJoiner();
  let keys: { protection: RecordProtection; pskAccepted: boolean; suite: number } | undefined;
  for (;;) {
    const bytes = await channel.read();
    if (bytes === null) return { kind: 'other', answer: keys ? 'closed after its ServerHello' : 'closed without an answer' };
    try {
      deframer.push(bytes);
      for (let record = deframer.next(); record; record = deframer.next()) {
        if (record.type === ContentType.change_cipher_spec) continue; // RFC 8446 §D.4 middlebox compatibility
        if (record.type === ContentType.alert) return { kind: 'other', answer: `alert ${nameOf(AlertDescription, readAlert(record.fragment.slice()).description, 'alert')}` };
        if (!keys) {
          if (record.type !== ContentType.handshake) return { kind: 'other', answer: `${nameOf(ContentType, record.type, 'ContentType')} record before the ServerHello` };
          const sh = plain.push(record.fragment)[0];
          if (!sh) continue;
          if (sh.type !== HandshakeType.server_hello) return { kind: 'other', answer: `handshake message ${sh.type} before the ServerHello` };
          const hello13 = readServerHello(sh.body);
          const sv = findExtension(hello13.extensions, ExtensionType.supported_versions);
          if (!sv || readSupportedVersionsServer(sv) !== ProtocolVersion.TLSv1_3) return { kind: 'other', answer: 'a ServerHello for an older version' };
          if (isHelloRetryRequest(hello13.random)) return { kind: 'other', answer: 'HelloRetryRequest' };
          const suite = tls13SuiteById(hello13.cipherSuite);
          const ks = findExtension(hello13.extensions, ExtensionType.key_share);
          const entry = ks ? readKeyShareServer(ks) : undefined;
          const mine = shares.find((s) => s.group === entry?.group);
          if (!suite || !entry || !mine) return { kind: 'other', answer: 'a ServerHello without a usable suite or key share' };
          const pskAccepted = findExtension(hello13.extensions, ExtensionType.pre_shared_key) !== undefined;
          const transcript = new Transcript(provider.hash);
          transcript.add(hello);
          transcript.setHash(suite.hash);
          transcript.add(sh.raw);
          const early = new EarlySecret(provider.hash, suite.hash, pskAccepted && psk ? psk.secret : undefined);
          const secret = early.handshakeSecret(mine.deriveSecret(entry.keyExchange)).serverHandshakeTrafficSecret(transcript.hash());
          keys = { protection: protectionFor(provider, suite, secret), pskAccepted, suite: suite.id };
          continue;
        }
        const { type, plaintext } = keys.protection.open(record.type, record.fragment);
        if (type !== ContentType.handshake) return { kind: 'other', answer: `${nameOf(ContentType, type, 'ContentType')} record before EncryptedExtensions` };
        const ee = hidden.push(plaintext)[0];
        if (!ee) continue;
        if (ee.type !== HandshakeType.encrypted_extensions) return { kind: 'other', answer: `handshake message ${ee.type} instead of EncryptedExtensions` };
        return { kind: 'extensions', extensions: readEncryptedExtensions(ee.body), pskAccepted: keys.pskAccepted, suite: keys.suite };
      }
    } catch (err) {
      return { kind: 'other', answer: `not a TLS 1.3 answer we could read (${err instanceof Error ? err.message : String(err)})` };
    }
  }
}
