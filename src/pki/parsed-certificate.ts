import { X509Certificate, type KeyObject } from 'node:crypto';
import { AlertDescription } from '../messages/enums.js';
import { CertificateError } from '../errors.js';
import {
  ExtensionOid,
  authorityKeyIdentifierOf,
  basicConstraintsOf,
  checkAuthorityInfoAccess,
  findExtension,
  parseCertificate,
  subjectAltNamesOf,
  type AuthorityKeyIdentifier,
  type BasicConstraints,
  type CertificateFields,
  type GeneralName,
} from './certificate.js';
import { parseKeyUsage, type KeyUsage } from './key-usage.js';
import { parseNameConstraints, type NameConstraints } from './name-constraints.js';

/**
 * A certificate parsed once: node:crypto's X509Certificate (signatures, issuance, text forms)
 * plus our strict DER fields (validity instants, algorithms, extensions). Parsing costs about
 * 100 µs, so results are cached by DER for the certificates a process sees again and again
 * (trust anchors, the same server's chain on every connection).
 */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** Identity of the exact bytes (base64 of the DER). */
  readonly id: string;
  readonly x509: X509Certificate;
  readonly fields: CertificateFields;
  /** Subject as one line, "CN=a, O=b" (node's multi-line text joined). */
  readonly subjectText: string;
  readonly issuerText: string;
  /** Node's subject text (the index key for issuer lookups). */
  readonly subjectKey: string;
  readonly issuerKey: string;
  /** The public key, created on first use. */
  readonly publicKey: KeyObject;
  /** The extensions the verifier acts on, decoded (a malformed one fails the parse). */
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: KeyUsage | undefined;
  /** subjectAltName entries; [] when absent. */
  readonly subjectAltNames: readonly GeneralName[];
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
  const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const hit = cache.get(id);
  if (hit) return hit;
  let x509: X509Certificate;
  let fields: CertificateFields;
  let decoded: DecodedExtensions;
  let subject: string;
  let issuer: string;
  try {
    x509 = new X509Certificate(Buffer.from(der));
    fields = parseCertificate(der);
    decoded = decodeExtensions(fields);
    subject = x509.subject;
    issuer = x509.issuer;
  } catch (e) {
    throw new CertificateError(
      `${what} is not a valid X.509 certificate: ${e instanceof Error ? e.message : String(e)}`,
      'ERR_TLSGLASS_BAD_CERTIFICATE',
      AlertDescription.bad_certificate,
    );
  }
  let publicKey: KeyObject | undefined;
  const parsed: ParsedCertificate = {
    der: new Uint8Array(der),
    id,
    x509,
    fields,
    subjectText: subject.split('\n').join(', '),
    issuerText: issuer.split('\n').join(', '),
    subjectKey: subject,
    issuerKey: issuer,
    get publicKey(): KeyObject {
      return (publicKey ??= x509.publicKey);
    },
    ...decoded,
  };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(id, parsed);
  return parsed;
}

type DecodedExtensions = Pick<ParsedCertificate, 'basicConstraints' | 'keyUsage' | 'subjectAltNames' | 'nameConstraints' | 'authorityKeyIdentifier'>;

/**
 * Decodes basicConstraints, keyUsage, subjectAltName, nameConstraints and authorityKeyIdentifier,
 * and checks that authorityInfoAccess is well formed; DecodeError if one is not DER.
 */
function decodeExtensions(fields: CertificateFields): DecodedExtensions {
  checkAuthorityInfoAccess(fields);
  const ku = findExtension(fields, ExtensionOid.keyUsage);
  const nc = findExtension(fields, ExtensionOid.nameConstraints);
  return {
    basicConstraints: basicConstraintsOf(fields),
    keyUsage: ku ? parseKeyUsage(ku.value) : undefined,
    subjectAltNames: subjectAltNamesOf(fields),
    nameConstraints: nc ? parseNameConstraints(nc.value, nc.critical) : undefined,
    authorityKeyIdentifier: authorityKeyIdentifierOf(fields),
  };
}
