/**
 * A deterministic CryptoProvider for byte-exact replays: randomness comes from a seeded
 * SHA-256 counter stream and X25519 key shares are derived from it, so the same seed gives the
 * same handshake bytes. Everything else is node:crypto. Tests only.
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { InvalidPublicKey, type CryptoProvider, type KeyShare, respondWithNewShare } from '../../src/crypto/provider.js';
import { NamedGroup } from '../../src/messages/enums.js';

export function scriptedProvider(seed: string): CryptoProvider {
  let counter = 0;
  const bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
  return {
    ...nodeCryptoProvider,
    random: { bytes },
    keyExchange: {
      groups: [NamedGroup.x25519],
      respond(group, peer) {
        return respondWithNewShare(this, group, peer);
      },
      generate(group): KeyShare {
        if (group !== NamedGroup.x25519) throw new Error('scripted provider: x25519 only');
        const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), bytes(32)]);
        const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
        const publicKey = new Uint8Array(Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url'));
        return {
          group,
          publicKey,
          deriveSecret(peer: Uint8Array): Uint8Array {
            if (peer.length !== 32) throw new InvalidPublicKey('X25519 share must be 32 bytes');
            const peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') }, format: 'jwk' });
            return new Uint8Array(diffieHellman({ privateKey, publicKey: peerKey }));
          },
        };
      },
    },
  };
}
