/**
 * A portable, synchronous CryptoProvider: no node:* module and no Buffer, for runtimes without
 * node:crypto (browsers, Workers) or with a partial one. Hashes, HMAC, AEADs, ECDH, ECDSA and
 * Ed25519 come from @noble/hashes, @noble/ciphers and @noble/curves; ML-KEM and ML-DSA from
 * @noble/post-quantum; RSA and FFDHE are BigInt of our own (rsa.ts, key-exchange.ts); randomness from
 * `globalThis.crypto.getRandomValues`. As a server it refuses the TLS 1.2 RSA key exchange
 * (rsa-key-transport.ts says why).
 */
import { withMlKem } from '../kem-groups.js';
import { nobleMlKem } from '../ml-kem-noble.js';
import type { CryptoProvider, KeyExchangeProvider } from '../provider.js';
import { nobleAead } from './aead.js';
import { nobleHash } from './hash.js';
import { nobleKeyExchange } from './key-exchange.js';
import { nobleRandom } from './random.js';
import { nobleRsaKeyTransport } from './rsa-key-transport.js';
import { nobleSignatures } from './signatures.js';

/** X25519, P-256, P-384, FFDHE and the ML-KEM groups (hybrid and pure). */
export const nobleKeyExchangeWithMlKem: KeyExchangeProvider = withMlKem(nobleKeyExchange, nobleMlKem);

export const nobleCryptoProvider: CryptoProvider = Object.freeze({
  random: nobleRandom,
  hash: nobleHash,
  aead: nobleAead,
  keyExchange: nobleKeyExchangeWithMlKem,
  signatures: nobleSignatures,
  rsaKeyTransport: nobleRsaKeyTransport,
});

export { nobleAead, nobleHash, nobleKeyExchange, nobleRandom, nobleRsaKeyTransport, nobleSignatures };
