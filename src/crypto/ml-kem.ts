/**
 * ML-KEM (FIPS 203) as the key exchange sees it: one interface over whichever implementation the
 * provider chose (node:crypto's native one from Node 24, else @noble/post-quantum), the sizes of
 * each parameter set, and the encapsulation-key check of FIPS 203 §7.2 that runs before either
 * implementation sees a peer's key. No node:* imports: the core may use all of it.
 */
import { InvalidPublicKey } from './provider.js';

export type MlKemParameterSet = 'ML-KEM-768' | 'ML-KEM-1024';

/** FIPS 203 Table 3: k = 3 / 4; ek = 384k + 32 bytes, ciphertext = 32(du·k + dv) bytes. */
export const ML_KEM_SIZES: Readonly<Record<MlKemParameterSet, { readonly k: number; readonly encapsulationKey: number; readonly ciphertext: number }>> = {
  'ML-KEM-768': { k: 3, encapsulationKey: 1184, ciphertext: 1088 },
  'ML-KEM-1024': { k: 4, encapsulationKey: 1568, ciphertext: 1568 },
};

/** Our half of an ML-KEM exchange: the encapsulation key we send, the decapsulation key we keep. */
export interface MlKemKeyPair {
  readonly encapsulationKey: Uint8Array;
  /** The 32-byte shared secret for a ciphertext of the right length (implicit rejection: never fails for a wrong one). */
  decapsulate(ciphertext: Uint8Array): Uint8Array;
}

/** One ML-KEM parameter set from one implementation. */
export interface MlKem {
  readonly parameterSet: MlKemParameterSet;
  /** 'native' (node:crypto) or 'noble' (@noble/post-quantum): shown by benchmarks and tests. */
  readonly implementation: string;
  keygen(): MlKemKeyPair;
  /** Encapsulates to a key that passed checkEncapsulationKey(). */
  encapsulate(encapsulationKey: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array };
}

/** Both parameter sets TLS uses, from one implementation. */
export interface MlKemSuite {
  readonly 'ML-KEM-768': MlKem;
  readonly 'ML-KEM-1024': MlKem;
}

const Q = 3329;

/**
 * FIPS 203 §7.2 input checks on a peer's encapsulation key: the length (type check), and the
 * modulus check, ByteEncode12(ByteDecode12(ek)) = ek, which holds exactly when every 12-bit
 * coefficient of t̂ is below q = 3329. Throws InvalidPublicKey (illegal_parameter in TLS).
 */
export function checkEncapsulationKey(set: MlKemParameterSet, ek: Uint8Array): void {
  const { k, encapsulationKey } = ML_KEM_SIZES[set];
  if (ek.length !== encapsulationKey) throw new InvalidPublicKey(`${set} encapsulation key must be ${encapsulationKey} bytes, got ${ek.length}`);
  // 384k bytes of t̂: every 3 bytes hold two 12-bit coefficients, little-endian. Public data: early exit is fine.
  for (let i = 0; i < 384 * k; i += 3) {
    const b0 = ek[i] as number;
    const b1 = ek[i + 1] as number;
    const b2 = ek[i + 2] as number;
    if ((b0 | ((b1 & 0x0f) << 8)) >= Q || ((b1 >> 4) | (b2 << 4)) >= Q) {
      throw new InvalidPublicKey(`${set} encapsulation key fails the modulus check (FIPS 203 §7.2): a coefficient is not below q = 3329`);
    }
  }
}
