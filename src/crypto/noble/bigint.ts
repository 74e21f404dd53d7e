/**
 * The few BigInt operations RSA and FFDHE need: big-endian conversions and a fixed-window modular
 * exponentiation. BigInt arithmetic is variable-time: fine for public operations (RSA verify and
 * encrypt) and acceptable for ephemeral FFDHE exponents and RSA signing (as in every pure-JS stack),
 * not for a long-term RSA decryption oracle (rsa-key-transport.ts says why and refuses it).
 */

export function toBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] as number).toString(16).padStart(2, '0');
  return hex.length === 0 ? 0n : BigInt('0x' + hex);
}

/** `n` big-endian in exactly `length` bytes; throws if it does not fit. */
export function toBytes(n: bigint, length: number): Uint8Array {
  const hex = n.toString(16);
  if (n < 0n || hex.length > length * 2) throw new RangeError(`integer does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  const padded = hex.padStart(length * 2, '0');
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function byteLength(n: bigint): number {
  return (n.toString(16).length + 1) >> 1;
}

export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** base^exponent mod m with a 4-bit fixed window (m > 1, exponent ≥ 0). */
export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  const b = ((base % m) + m) % m;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % m);
  const hex = exponent.toString(16);
  let r = 1n;
  for (let i = 0; i < hex.length; i++) {
    if (i > 0) {
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
    }
    const w = parseInt(hex[i]!, 16);
    if (w !== 0) r = (r * table[w]!) % m;
  }
  return r;
}

/** a⁻¹ mod m (gcd(a, m) = 1). */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return ((s0 % m) + m) % m;
}
