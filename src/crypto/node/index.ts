/** The default CryptoProvider: everything on node:crypto (OpenSSL), synchronous (performance.md §4.1). */
import type { CryptoProvider } from '../provider.js';
import { nodeAead } from './aead.js';
import { nodeHash } from './hash.js';
import { nodeKeyExchange } from './key-exchange.js';
import { nodeRandom } from './random.js';
import { nodeRsaKeyTransport } from './rsa-key-transport.js';
import { nodeSignatures } from './signatures.js';

export const nodeCryptoProvider: CryptoProvider = Object.freeze({
  random: nodeRandom,
  hash: nodeHash,
  aead: nodeAead,
  keyExchange: nodeKeyExchange,
  signatures: nodeSignatures,
  rsaKeyTransport: nodeRsaKeyTransport,
});

export { nodeAead, nodeHash, nodeKeyExchange, nodeRandom, nodeRsaKeyTransport, nodeSignatures };
