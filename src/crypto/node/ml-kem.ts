/**
 * ML-KEM on node:crypto (OpenSSL 3.5, from Node 24): generateKeyPairSync('ml-kem-768'),
 * crypto.encapsulate/decapsulate, and keys in and out in their raw FIPS 203 form through the
 * 'raw-public' KeyObject format. nativeMlKem() is undefined where the runtime lacks any of it
 * (Node 20 and 22); the provider then uses @noble/post-quantum, chosen once (index.ts).
 */
import * as nodeCrypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { MlKem, MlKemParameterSet, MlKemSuite } from '../ml-kem.js';

/** The parts of node:crypto used here that @types/node 20 does not declare. */
interface KemApi {
  encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: KeyObject, ciphertext: Uint8Array): Buffer;
  generateKeyPairSync(type: string, options: { publicKeyEncoding: { format: 'raw-public' } }): { publicKey: Buffer; privateKey: KeyObject };
  createPublicKey(options: { key: Uint8Array; format: 'raw-public'; asymmetricKeyType: string }): KeyObject;
}

const api = nodeCrypto as unknown as Partial<KemApi> & Pick<KemApi, 'generateKeyPairSync' | 'createPublicKey'>;

const RAW_PUBLIC = { publicKeyEncoding: { format: 'raw-public' } } as const;

function nativeKem(parameterSet: MlKemParameterSet, api: KemApi): MlKem {
  const type = parameterSet.toLowerCase(); // 'ml-kem-768'
  return {
    parameterSet,
    implementation: 'native',
    keygen() {
      // The public key comes out of the generator already encoded, as X25519Share's does: no
      // export of a freshly generated KeyObject (key-exchange.ts explains Node 20's deadlock), and
      // 20% faster on Node 24.
      const { publicKey, privateKey } = api.generateKeyPairSync(type, RAW_PUBLIC);
      let key: KeyObject | undefined = privateKey;
      return {
        encapsulationKey: bytes(publicKey),
        decapsulate(ciphertext: Uint8Array): Uint8Array {
          if (!key) throw new Error('ephemeral ML-KEM key already used');
          const secret = bytes(api.decapsulate(key, ciphertext));
          key = undefined;
          return secret;
        },
      };
    },
    encapsulate(encapsulationKey) {
      const key = api.createPublicKey({ key: encapsulationKey, format: 'raw-public', asymmetricKeyType: type });
      const { sharedKey, ciphertext } = api.encapsulate(key);
      return { ciphertext: bytes(ciphertext), sharedSecret: bytes(sharedKey) };
    },
  };
}

/** node:crypto's ML-KEM if this runtime has all of it (checked with one round trip per parameter set), else undefined. */
export function nativeMlKem(): MlKemSuite | undefined {
  if (typeof api.encapsulate !== 'function' || typeof api.decapsulate !== 'function') return undefined;
  const full = api as KemApi;
  try {
    const suite = { 'ML-KEM-768': nativeKem('ML-KEM-768', full), 'ML-KEM-1024': nativeKem('ML-KEM-1024', full) };
    for (const kem of Object.values(suite)) {
      const pair = kem.keygen();
      const { ciphertext, sharedSecret } = kem.encapsulate(pair.encapsulationKey);
      const back = pair.decapsulate(ciphertext);
      if (back.length !== 32 || !back.every((b, i) => b === sharedSecret[i])) return undefined;
    }
    return Object.freeze(suite);
  } catch {
    return undefined; // e.g. a Node 24 before 'raw-public' keys
  }
}

/** A Buffer's bytes as a plain Uint8Array (a copy when the Buffer is a view into a pool). */
function bytes(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.buffer.byteLength === b.length ? new Uint8Array(b.buffer, 0, b.length) : new Uint8Array(b);
}
