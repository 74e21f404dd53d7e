/**
 * ML-KEM from @noble/post-quantum (audited, pure JavaScript): for runtimes whose crypto has no
 * ML-KEM (Node 20 and 22 bundle OpenSSL 3.0). Its `ml_kem768_x25519` is X-Wing, not the TLS
 * group: the TLS hybrids are plain ML-KEM and (EC)DH side by side (src/crypto/kem-groups.ts).
 */
import { ml_kem1024, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { MlKem, MlKemParameterSet, MlKemSuite } from './ml-kem.js';

type NobleKem = typeof ml_kem768;

function nobleKem(parameterSet: MlKemParameterSet, kem: NobleKem): MlKem {
  return {
    parameterSet,
    implementation: 'noble',
    keygen() {
      let { publicKey, secretKey } = kem.keygen() as { publicKey: Uint8Array; secretKey: Uint8Array | undefined };
      return {
        encapsulationKey: publicKey,
        decapsulate(ciphertext: Uint8Array): Uint8Array {
          if (!secretKey) throw new Error('ephemeral ML-KEM key already used');
          const secret = kem.decapsulate(ciphertext, secretKey);
          secretKey.fill(0);
          secretKey = undefined;
          return secret;
        },
      };
    },
    encapsulate(encapsulationKey) {
      const { cipherText, sharedSecret } = kem.encapsulate(encapsulationKey);
      return { ciphertext: cipherText, sharedSecret };
    },
  };
}

export const nobleMlKem: MlKemSuite = Object.freeze({
  'ML-KEM-768': nobleKem('ML-KEM-768', ml_kem768),
  'ML-KEM-1024': nobleKem('ML-KEM-1024', ml_kem1024),
});
