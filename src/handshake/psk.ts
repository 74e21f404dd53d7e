/**
 * PSK binders (RFC 8446 §4.2.11.2): an HMAC over the transcript up to and including the
 * ClientHello truncated just before the binders list, keyed from the PSK. The client computes
 * it to prove it holds the PSK; the server recomputes it and compares in constant time.
 */
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { EarlySecret, pskBinder } from '../keys/key-schedule-tls13.js';
import { frameHandshake } from '../messages/handshake.js';
import { HandshakeType } from '../messages/enums.js';

/** The binder for a ClientHello whose framed bytes are `clientHelloRaw` (binders included, at the end). */
export function computeBinder(
  provider: CryptoProvider,
  alg: HashAlgorithm,
  psk: Uint8Array,
  transcriptPrefix: Uint8Array,
  clientHelloRaw: Uint8Array,
  bindersLength: number,
): Uint8Array {
  const truncated = clientHelloRaw.subarray(0, clientHelloRaw.length - bindersLength);
  const input = new Uint8Array(transcriptPrefix.length + truncated.length);
  input.set(transcriptPrefix);
  input.set(truncated, transcriptPrefix.length);
  const binderKey = new EarlySecret(provider.hash, alg, psk).binderKey(true);
  return pskBinder(provider.hash, alg, binderKey, provider.hash.digest(alg, input));
}

/** Fills the (single) zero binder at the end of an encoded ClientHello body. */
export function bindClientHello(provider: CryptoProvider, alg: HashAlgorithm, psk: Uint8Array, transcriptPrefix: Uint8Array, body: Uint8Array): void {
  const hashLength = provider.hash.outputLength(alg);
  const raw = frameHandshake(HandshakeType.client_hello, body).raw;
  const binder = computeBinder(provider, alg, psk, transcriptPrefix, raw, 2 + 1 + hashLength);
  body.set(binder, body.length - hashLength);
}
