/** The default CryptoProvider: everything on node:crypto (OpenSSL), synchronous (performance.md §4.1). */
import { withMlKem } from '../kem-groups.js';
import type { MlKemSuite } from '../ml-kem.js';
import { nobleMlKem } from '../ml-kem-noble.js';
import type { CryptoProvider, KeyExchangeProvider } from '../provider.js';
import { nodeAead } from './aead.js';
import { nodeHash } from './hash.js';
import { nodeKeyExchange } from './key-exchange.js';
import { nativeMlKem } from './ml-kem.js';
import { nodeRandom } from './random.js';
import { nodeRsaKeyTransport } from './rsa-key-transport.js';
import { nodeSignatures } from './signatures.js';

/** ML-KEM for this runtime, chosen once: node:crypto's where it has it (Node 24+), else @noble/post-quantum. */
export const nodeMlKem: MlKemSuite = nativeMlKem() ?? nobleMlKem;

/** X25519, P-256, P-384, FFDHE and the ML-KEM groups (hybrid and pure). */
export const nodeKeyExchangeWithMlKem: KeyExchangeProvider = withMlKem(nodeKeyExchange, nodeMlKem);

export const nodeCryptoProvider: CryptoProvider = Object.freeze({
  random: nodeRandom,
  hash: nodeHash,
  aead: nodeAead,
  keyExchange: nodeKeyExchangeWithMlKem,
  signatures: nodeSignatures,
  rsaKeyTransport: nodeRsaKeyTransport,
});

export { nodeAead, nodeHash, nodeKeyExchange, nodeRandom, nodeRsaKeyTransport, nodeSignatures };
