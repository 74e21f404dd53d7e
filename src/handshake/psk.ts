/**
 * PSK binders (RFC 8446 §4.2.11.2): an HMAC over the transcript up to and including the
 * ClientHello truncated just before the binders list, keyed from the PSK. The client computes
 * it to prove it holds the PSK; the server recomputes it and compares in constant time.
 */
import type { ResolvedClientConfig, ResolvedServerConfig } from '../config.js';
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
  resumption = true,
): Uint8Array {
  const truncated = clientHelloRaw.subarray(0, clientHelloRaw.length - bindersLength);
  const input = new Uint8Array(transcriptPrefix.length + truncated.length);
  input.set(transcriptPrefix);
  input.set(truncated, transcriptPrefix.length);
  const binderKey = new EarlySecret(provider.hash, alg, psk).binderKey(resumption);
  return pskBinder(provider.hash, alg, binderKey, provider.hash.digest(alg, input));
}

/**
 * Fills the (single) zero binder at the end of an encoded ClientHello body. `resumption`: a ticket's
 * PSK ("res binder"); otherwise an external one ("ext binder", RFC 8446 §7.1).
 */
export function bindClientHello(provider: CryptoProvider, alg: HashAlgorithm, psk: Uint8Array, transcriptPrefix: Uint8Array, body: Uint8Array, resumption = true): void {
  const hashLength = provider.hash.outputLength(alg);
  const raw = frameHandshake(HandshakeType.client_hello, body).raw;
  const binder = computeBinder(provider, alg, psk, transcriptPrefix, raw, 2 + 1 + hashLength, resumption);
  body.set(binder, body.length - hashLength);
}

/** An external PSK (node:tls pskCallback): OpenSSL ties one to SHA-256 (TLS_AES_128_GCM_SHA256), and so do we. */
export interface ExternalPsk {
  readonly identity: Uint8Array;
  readonly key: Uint8Array;
}

/** The hash every external PSK is used with (OpenSSL's choice for a PSK from psk callbacks or -psk). */
export const EXTERNAL_PSK_HASH: HashAlgorithm = 'sha256';

/**
 * node:tls's client pskCallback for TLS 1.3 (hint null) or TLS 1.2 (the server's hint): the key
 * and identity, or undefined for none. A malformed answer is the caller's bug: a TypeError.
 */
export function askExternalPsk(config: ResolvedClientConfig, hint: string | null): ExternalPsk | undefined {
  const answer = config.pskCallback?.(hint);
  if (answer === null || answer === undefined) return undefined;
  if (typeof answer !== 'object' || !(answer.psk instanceof Uint8Array) || typeof answer.identity !== 'string') {
    throw new TypeError('pskCallback must return null or { psk: Buffer, identity: string }');
  }
  const identity = new TextEncoder().encode(answer.identity);
  if (identity.length === 0 || identity.length > MAX_PSK_IDENTITY) throw new TypeError(`pskCallback returned an identity of ${identity.length} bytes: 1 to ${MAX_PSK_IDENTITY} (OpenSSL's limit)`);
  return { identity, key: checkedKey(answer.psk) };
}

/** The server's key for a client's PSK identity (node:tls pskCallback), or undefined when it is unknown. */
export function lookupExternalPsk(config: ResolvedServerConfig, identity: Uint8Array): Uint8Array | undefined {
  if (!config.pskLookup || identity.length > MAX_PSK_IDENTITY) return undefined;
  const key = config.pskLookup(new TextDecoder().decode(identity));
  if (key === null || key === undefined) return undefined;
  if (!(key instanceof Uint8Array)) throw new TypeError('pskCallback must return a Buffer or null');
  return checkedKey(key);
}

/** OpenSSL 3's PSK_MAX_IDENTITY_LEN and PSK_MAX_PSK_LEN: what node:tls can pass either way. */
const MAX_PSK_IDENTITY = 256;
const MAX_PSK_KEY = 512;

function checkedKey(key: Uint8Array): Uint8Array {
  if (key.length === 0 || key.length > MAX_PSK_KEY) throw new TypeError(`pskCallback returned a key of ${key.length} bytes: 1 to ${MAX_PSK_KEY} (OpenSSL's limit)`);
  return key;
}
