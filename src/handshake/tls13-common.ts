/** Pieces both TLS 1.3 sides share (RFC 8446): signatures, Finished, key installation, key log. */
import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';
import type { Tls13Suite } from '../crypto/suites.js';
import { lazyKeylogEvent, type ConnectionEvent } from '../connection/events.js';
import { LocalAlert } from '../errors.js';
import { finishedVerifyData, trafficKeys } from '../keys/key-schedule-tls13.js';
import { AlertDescription, SignatureScheme } from '../messages/enums.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { Tls13Protection } from '../record/protection-tls13.js';
import { constantTimeEqual, hex } from './tls12-common.js';

/** RFC 8446 §4.1.3: the random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c'.match(/../g)!.map((h) => parseInt(h, 16)),
);

/** RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.2 (…01) or below (…00). */
export const DOWNGRADE_TLS12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);
export const DOWNGRADE_TLS11 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00);

export function isHelloRetryRequest(random: Uint8Array): boolean {
  return constantTimeEqual(random, HELLO_RETRY_REQUEST_RANDOM);
}

/** Signature schemes allowed in TLS 1.3 CertificateVerify (RFC 8446 §4.4.3: no RSASSA-PKCS1-v1_5, no SHA-1). */
export const TLS13_SIGNATURE_SCHEMES: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.mldsa44, // draft-ietf-tls-mldsa §3
  SignatureScheme.mldsa65,
  SignatureScheme.mldsa87,
];

/** A scheme this key can make in TLS 1.3 that the peer accepts; EC keys only with their own curve's scheme. */
export function chooseTls13Scheme(key: PrivateKey, peerSchemes: readonly number[], allowed: readonly number[]): number | undefined {
  const own: Record<string, number> = {
    'P-256': SignatureScheme.ecdsa_secp256r1_sha256,
    'P-384': SignatureScheme.ecdsa_secp384r1_sha384,
    'P-521': SignatureScheme.ecdsa_secp521r1_sha512,
  };
  return key.schemes.find(
    (s) =>
      TLS13_SIGNATURE_SCHEMES.includes(s) &&
      peerSchemes.includes(s) &&
      allowed.includes(s) &&
      (key.type !== 'ec' || own[key.curve ?? ''] === s),
  );
}

const SERVER_CV_CONTEXT = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
const CLIENT_CV_CONTEXT = new TextEncoder().encode('TLS 1.3, client CertificateVerify');

/** The content a TLS 1.3 CertificateVerify signs (RFC 8446 §4.4.3). */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const context = side === 'server' ? SERVER_CV_CONTEXT : CLIENT_CV_CONTEXT;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

export function protectionFor(provider: CryptoProvider, suite: Tls13Suite, secret: Uint8Array): Tls13Protection {
  const { key, iv } = trafficKeys(provider.hash, provider.aead, suite, secret);
  return new Tls13Protection(provider, suite, key, iv);
}

/** Checks a peer's Finished (RFC 8446 §4.4.4): wrong length decode_error, wrong value decrypt_error, in constant time. */
export function checkFinished13(provider: CryptoProvider, suite: Tls13Suite, baseKey: Uint8Array, transcriptHash: Uint8Array, message: HandshakeMessage): void {
  const expected = finishedVerifyData(provider.hash, suite.hash, baseKey, transcriptHash);
  if (message.body.length !== expected.length) {
    throw new LocalAlert(AlertDescription.decode_error, `Finished of ${message.body.length} bytes, expected ${expected.length}`);
  }
  if (!constantTimeEqual(message.body, expected)) {
    throw new LocalAlert(AlertDescription.decrypt_error, 'Finished verify_data does not match the transcript');
  }
}

/** One TLS 1.3 NSS key-log event (`<label> <client random> <secret>`), formatted when read. */
export function keylog13(label: string, clientRandom: Uint8Array, secret: Uint8Array): ConnectionEvent {
  const random = clientRandom.slice();
  const copy = secret.slice();
  return lazyKeylogEvent(() => `${label} ${hex(random)} ${hex(copy)}`);
}
