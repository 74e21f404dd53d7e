import { DecodeError } from '../codec/reader.js';
import { Tag, readDer } from './der-reader.js';

/**
 * keyUsage (RFC 5280 §4.2.1.3): decoding the named-bit BIT STRING, and the TLS rule that the
 * leaf's key usage must fit how the handshake uses its key (RFC 5246 §7.4.2, RFC 8422 §5.3).
 */

/** KeyUsage bit names in bit order (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsageBit = (typeof KEY_USAGE_BITS)[number];

/** The asserted bits of a keyUsage extension. */
export type KeyUsage = ReadonlySet<KeyUsageBit>;

/**
 * How the handshake uses the leaf's key: 'sign' (ECDHE/DHE ServerKeyExchange, CertificateVerify,
 * TLS 1.3) needs digitalSignature; 'encipher' (RSA key transport) needs keyEncipherment.
 */
export type KeyUse = 'sign' | 'encipher';

/** keyUsage extension contents (a BIT STRING) → the asserted bits; DecodeError if not DER. */
export function parseKeyUsage(value: Uint8Array): KeyUsage {
  const bits = readDer(value, Tag.BIT_STRING, 'keyUsage').value;
  if (bits.length === 0) throw new DecodeError('keyUsage: BIT STRING without its unused-bits octet');
  const unused = bits[0]!;
  if (unused > 7 || (bits.length === 1 && unused !== 0)) throw new DecodeError(`keyUsage: ${unused} unused bits is invalid`);
  // X.690 §11.2.1: the unused bits are zero in DER.
  if (bits.length > 1 && (bits[bits.length - 1]! & ((1 << unused) - 1)) !== 0) throw new DecodeError('keyUsage: unused bits are not zero');
  const out = new Set<KeyUsageBit>();
  KEY_USAGE_BITS.forEach((name, i) => {
    const octet = bits[1 + (i >> 3)];
    if (octet !== undefined && (octet & (0x80 >> (i & 7))) !== 0) out.add(name);
  });
  return out;
}

/** The bits that let a TLS peer use its key in some way (OpenSSL's KU_TLS for -purpose sslserver/sslclient). */
const ANY_TLS_USE: readonly KeyUsageBit[] = ['digitalSignature', 'keyEncipherment', 'keyAgreement'];

/**
 * undefined when a leaf with this keyUsage (undefined: the extension is absent, so any use is
 * allowed) may be used for `use`; otherwise what it lacks. `use` undefined means "some TLS use",
 * for callers that do not know the key exchange (tlsglass verify, openssl verify's rule).
 *
 * RFC 5280 §4.2.1.3: digitalSignature "when the subject public key is used for verifying digital
 * signatures … other than … certificates", keyEncipherment "when the subject public key is used for
 * enciphering private or secret keys" (the RSA premaster secret, RFC 5246 §7.4.7.1).
 */
export function keyUsageMismatch(keyUsage: KeyUsage | undefined, use: KeyUse | undefined): string | undefined {
  if (!keyUsage) return undefined;
  const has = [...keyUsage].join(', ') || 'no bits';
  if (use === 'sign') {
    return keyUsage.has('digitalSignature') ? undefined : `its keyUsage (${has}) lacks digitalSignature, needed to sign the handshake`;
  }
  if (use === 'encipher') {
    return keyUsage.has('keyEncipherment') ? undefined : `its keyUsage (${has}) lacks keyEncipherment, needed for RSA key transport`;
  }
  return ANY_TLS_USE.some((b) => keyUsage.has(b)) ? undefined : `its keyUsage (${has}) allows no TLS use (digitalSignature, keyEncipherment or keyAgreement)`;
}
