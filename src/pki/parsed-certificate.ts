import { AlertDescription } from '../messages/enums.js';
import { CertificateError } from '../errors.js';
import {
  ExtensionOid,
  authorityKeyIdentifierOf,
  basicConstraintsOf,
  checkAuthorityInfoAccess,
  extKeyUsageOf,
  findExtension,
  parseCertificate,
  subjectAltNamesOf,
  type AuthorityKeyIdentifier,
  type BasicConstraints,
  type CertificateFields,
  type GeneralName,
} from './certificate.js';
import { describeKey, type KeyDescription } from './key-info.js';
import { parseKeyUsage, type KeyUsage } from './key-usage.js';
import { nameKey, nameText } from './name.js';
import { subjectAltNameText } from './san-text.js';
import { parseNameConstraints, type NameConstraints } from './name-constraints.js';

/**
 * A certificate parsed once from its DER by our strict reader (no node:crypto): names as text and
 * as match keys, validity instants, algorithms, the key's description and the extensions the
 * verifier acts on. Results are cached by DER for the certificates a process sees again and again
 * (trust anchors, the same server's chain on every connection).
 */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** Identity of the exact bytes (the DER packed into a string). */
  readonly id: string;
  readonly fields: CertificateFields;
  /** Subject as one line, "CN=a, O=b": node's X509Certificate.subject lines joined by ", " (name.ts). */
  readonly subjectText: string;
  readonly issuerText: string;
  /** The subject's RFC 5280 §7.1 match key (name.ts nameKey): the index key for issuer lookups. */
  readonly subjectKey: string;
  readonly issuerKey: string;
  /** What the subjectPublicKeyInfo holds (type, RSA size, EC curve); type undefined when unreadable. */
  readonly key: KeyDescription;
  /** The extensions the verifier acts on, decoded (a malformed one fails the parse). */
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: KeyUsage | undefined;
  /** extendedKeyUsage KeyPurposeIds (dotted OIDs, as node's X509Certificate.keyUsage); undefined when absent. */
  readonly extKeyUsage: readonly string[] | undefined;
  /** subjectAltName entries; [] when absent. */
  readonly subjectAltNames: readonly GeneralName[];
  /** subjectAltName as node's X509Certificate.subjectAltName prints it ("DNS:a, IP Address:1.2.3.4"); '' when absent. */
  readonly subjectAltNameText: string;
  readonly nameConstraints: NameConstraints | undefined;
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
}

const CACHE_LIMIT = 512;
const cache = new Map<string, ParsedCertificate>();

/**
 * Parses `der`; a certificate that X509Certificate or our DER reader rejects throws a
 * CertificateError ERR_TLSGLASS_BAD_CERTIFICATE → bad_certificate (RFC 5246 §7.2.2: "corrupt").
 * `what` names the certificate in the message ("peer certificate 0", "trust anchor 3").
 */
export function parseCertificateCached(der: Uint8Array, what: string): ParsedCertificate {
  const id = binaryString(der);
  const hit = cache.get(id);
  if (hit) return hit;
  let parsed: ParsedCertificate;
  try {
    const fields = parseCertificate(der);
    const subject = nameText(fields.subject);
    const issuer = nameText(fields.issuer);
    let sanText: string | undefined;
    parsed = {
      der: new Uint8Array(der),
      id,
      fields,
      subjectText: subject.split('\n').join(', '),
      issuerText: issuer.split('\n').join(', '),
      subjectKey: nameKey(fields.subject),
      issuerKey: nameKey(fields.issuer),
      key: keyOf(fields.subjectPublicKeyInfo),
      ...decodeExtensions(fields),
      get subjectAltNameText(): string {
        return (sanText ??= subjectAltNameText(this.subjectAltNames));
      },
    };
  } catch (e) {
    throw new CertificateError(
      `${what} is not a valid X.509 certificate: ${e instanceof Error ? e.message : String(e)}`,
      'ERR_TLSGLASS_BAD_CERTIFICATE',
      AlertDescription.bad_certificate,
    );
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(id, parsed);
  return parsed;
}

function keyOf(spki: Uint8Array): KeyDescription {
  try {
    return describeKey(spki);
  } catch {
    return { type: undefined };
  }
}

/**
 * The bytes as a string, two to a UTF-16 code unit and the length's parity last: an exact Map key
 * made without node:buffer (about 4 µs for a 1 kB certificate; fromCharCode does not check
 * surrogates, so no two byte strings give the same key).
 */
function binaryString(b: Uint8Array): string {
  const n = b.length >> 1;
  const units = new Uint16Array(n + 1);
  for (let i = 0; i < n; i++) units[i] = b[2 * i]! | (b[2 * i + 1]! << 8);
  units[n] = b.length & 1 ? 0x100 | b[b.length - 1]! : 0;
  let s = '';
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode.apply(null, units.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

type DecodedExtensions = Pick<ParsedCertificate, 'basicConstraints' | 'keyUsage' | 'extKeyUsage' | 'subjectAltNames' | 'nameConstraints' | 'authorityKeyIdentifier'>;

/**
 * Decodes basicConstraints, keyUsage, extKeyUsage, subjectAltName, nameConstraints and authorityKeyIdentifier,
 * and checks that authorityInfoAccess is well formed; DecodeError if one is not DER.
 */
function decodeExtensions(fields: CertificateFields): DecodedExtensions {
  checkAuthorityInfoAccess(fields);
  const ku = findExtension(fields, ExtensionOid.keyUsage);
  const nc = findExtension(fields, ExtensionOid.nameConstraints);
  return {
    basicConstraints: basicConstraintsOf(fields),
    keyUsage: ku ? parseKeyUsage(ku.value) : undefined,
    extKeyUsage: extKeyUsageOf(fields),
    subjectAltNames: subjectAltNamesOf(fields),
    nameConstraints: nc ? parseNameConstraints(nc.value, nc.critical) : undefined,
    authorityKeyIdentifier: authorityKeyIdentifierOf(fields),
  };
}
