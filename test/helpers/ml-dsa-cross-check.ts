/**
 * Run by Node 24 (test/unit/ml-dsa.test.ts): for each ML-DSA parameter set, one key loaded by
 * node:crypto and by @noble/post-quantum from the same PKCS#8 seed; prints JSON of the checks.
 */
import { mlDsa, nativeMlDsa, nobleMlDsa } from '../../src/crypto/node/ml-dsa.js';
import { ML_DSA, parseMlDsaPkcs8 } from '../../src/pki/ml-dsa.js';

const checks: Record<string, boolean> = {};
const data = new TextEncoder().encode('cross-check');
for (const params of ML_DSA) {
  const info = parseMlDsaPkcs8(nativeMlDsa.generate(params).pkcs8)!;
  const seedOnly = { ...info, expanded: undefined };
  const native = nativeMlDsa.signer(seedOnly);
  const noble = nobleMlDsa.signer(seedOnly);
  const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  checks[`${params.name} samePublicKey`] = same(native.publicKey, noble.publicKey);
  const nativeSig = native.sign(data);
  const nobleSig = noble.sign(data);
  checks[`${params.name} nobleVerifiesNative`] = nobleMlDsa.verifier(params, noble.publicKey)(data, nativeSig);
  checks[`${params.name} nativeVerifiesNoble`] = nativeMlDsa.verifier(params, native.publicKey)(data, nobleSig);
  const bad = new Uint8Array(nobleSig);
  bad[7]! ^= 1;
  checks[`${params.name} tamperedRefusedByBoth`] = !nobleMlDsa.verifier(params, noble.publicKey)(data, bad) && !nativeMlDsa.verifier(params, native.publicKey)(data, bad);
}
process.stdout.write(JSON.stringify({ backend: mlDsa.name, checks }));
