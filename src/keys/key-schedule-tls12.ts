/**
 * The TLS 1.2 key schedule: the PRF (RFC 5246 §5), the master secret (§8.1) or extended master
 * secret (RFC 7627 §4), the AEAD key block (§6.3), Finished verify_data (§7.4.9) and keying
 * material exporters (RFC 5705 §4). Built only on HashProvider.hmac; no MAC keys, because every
 * suite we implement is AEAD (RFC 5288, RFC 7905).
 */
import type { AeadProvider, HashAlgorithm, HashProvider } from '../crypto/provider.js';
import type { Tls12Suite } from '../crypto/suites.js';

const MASTER_SECRET_LENGTH = 48;
const VERIFY_DATA_LENGTH = 12;

/**
 * PRF(secret, label, seed) = P_<hash>(secret, label ‖ seed), truncated to `length` (RFC 5246 §5):
 * A(0) = label ‖ seed, A(i) = HMAC(secret, A(i−1)), output = HMAC(secret, A(1) ‖ label ‖ seed) ‖ …
 */
export function prf(
  hash: HashProvider,
  alg: HashAlgorithm,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`PRF length ${length}`);
  const labelBytes = ascii(label);
  const out = new Uint8Array(length);
  let a = hash.hmac(alg, secret, labelBytes, seed); // A(1)
  for (let at = 0; at < length; ) {
    const block = hash.hmac(alg, secret, a, labelBytes, seed);
    const n = Math.min(block.length, length - at);
    out.set(n === block.length ? block : block.subarray(0, n), at);
    at += n;
    if (at < length) a = hash.hmac(alg, secret, a);
  }
  return out;
}

/** master_secret = PRF(pre_master_secret, "master secret", ClientHello.random ‖ ServerHello.random)[0..47] (RFC 5246 §8.1). */
export function masterSecret(
  hash: HashProvider,
  alg: HashAlgorithm,
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return prf(hash, alg, premaster, 'master secret', concat(clientRandom, serverRandom), MASTER_SECRET_LENGTH);
}

/**
 * master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]
 * (RFC 7627 §4); session_hash is the transcript hash up to and including ClientKeyExchange.
 */
export function extendedMasterSecret(
  hash: HashProvider,
  alg: HashAlgorithm,
  premaster: Uint8Array,
  sessionHash: Uint8Array,
): Uint8Array {
  return prf(hash, alg, premaster, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
}

/** The write keys and IVs of both directions (RFC 5246 §6.3; the AEAD suites have no MAC keys). */
export interface KeyBlock {
  clientWriteKey: Uint8Array;
  serverWriteKey: Uint8Array;
  clientWriteIv: Uint8Array;
  serverWriteIv: Uint8Array;
}

/**
 * key_block = PRF(master_secret, "key expansion", server_random ‖ client_random), cut into
 * client_write_key, server_write_key, client_write_IV, server_write_IV (RFC 5246 §6.3). The IVs
 * are the implicit parts: 4-byte GCM salt (RFC 5288 §3) or 12-byte ChaCha20 IV (RFC 7905 §2).
 */
export function keyBlock(
  hash: HashProvider,
  aead: AeadProvider,
  suite: Tls12Suite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): KeyBlock {
  const keyLength = aead.keyLength(suite.aead);
  const ivLength = suite.fixedIvLength;
  const block = prf(hash, suite.hash, master, 'key expansion', concat(serverRandom, clientRandom), 2 * (keyLength + ivLength));
  let at = 0;
  const take = (n: number): Uint8Array => block.slice(at, (at += n));
  const result: KeyBlock = {
    clientWriteKey: take(keyLength),
    serverWriteKey: take(keyLength),
    clientWriteIv: take(ivLength),
    serverWriteIv: take(ivLength),
  };
  block.fill(0);
  return result;
}

/** verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
export function verifyData(
  hash: HashProvider,
  alg: HashAlgorithm,
  master: Uint8Array,
  label: 'client finished' | 'server finished',
  handshakeHash: Uint8Array,
): Uint8Array {
  return prf(hash, alg, master, label, handshakeHash, VERIFY_DATA_LENGTH);
}

/** Labels RFC 5705 §4 (and RFC 7627 §4 for the last) reserve for TLS itself. */
const RESERVED_EXPORTER_LABELS: ReadonlySet<string> = new Set([
  'client finished',
  'server finished',
  'master secret',
  'key expansion',
  'extended master secret',
]);

/**
 * RFC 5705 §4: PRF(master_secret, label, client_random ‖ server_random [‖ context_length(2) ‖ context]).
 * `context` undefined and an empty context are different inputs, as the RFC requires.
 */
export function exportKeyingMaterial(
  hash: HashProvider,
  alg: HashAlgorithm,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  // RFC 5705 §4: labels used by TLS itself MUST NOT be used with the exporter.
  if (RESERVED_EXPORTER_LABELS.has(label)) throw new Error(`exporter label "${label}" is reserved (RFC 5705 §4)`);
  let seed: Uint8Array;
  if (context === undefined) {
    seed = concat(clientRandom, serverRandom);
  } else {
    // RFC 5705 §4: the context is at most 2^16 − 1 bytes, length-prefixed.
    if (context.length > 0xffff) throw new RangeError(`exporter context of ${context.length} bytes (max 65535)`);
    seed = new Uint8Array(clientRandom.length + serverRandom.length + 2 + context.length);
    seed.set(clientRandom, 0);
    seed.set(serverRandom, clientRandom.length);
    const at = clientRandom.length + serverRandom.length;
    seed[at] = context.length >>> 8;
    seed[at + 1] = context.length & 0xff;
    seed.set(context, at + 2);
  }
  return prf(hash, alg, master, label, seed, length);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Labels are ASCII in every RFC that defines one; anything else is a caller bug. */
function ascii(label: string): Uint8Array {
  const out = new Uint8Array(label.length);
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c > 0x7e || c < 0x20) throw new Error(`PRF label must be printable ASCII: ${JSON.stringify(label)}`);
    out[i] = c;
  }
  return out;
}
