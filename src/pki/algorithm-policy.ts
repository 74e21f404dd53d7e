import type { CertificateError } from '../errors.js';
import { DerReader, Tag, contextConstructed, decodeOid, readDer } from './der-reader.js';
import { bytesEqual, type AlgorithmIdentifier } from './certificate.js';
import type { ParsedCertificate } from './parsed-certificate.js';
import { fail } from './verify-error.js';
import { mlDsaByOid, parseMlDsaSpki } from './ml-dsa.js';

/**
 * Which certificate signature algorithms and public keys the verifier accepts (CERT-7):
 * RSA-PKCS1 and RSA-PSS over SHA-2, ECDSA, EdDSA, ML-DSA; RSA 2048–8192 bits; P-256/P-384/P-521.
 */

const SIGNATURE_ALGORITHMS = new Map<string, string>([
  ['1.2.840.113549.1.1.11', 'sha256WithRSAEncryption'],
  ['1.2.840.113549.1.1.12', 'sha384WithRSAEncryption'],
  ['1.2.840.113549.1.1.13', 'sha512WithRSAEncryption'],
  ['1.2.840.10045.4.3.2', 'ecdsa-with-SHA256'],
  ['1.2.840.10045.4.3.3', 'ecdsa-with-SHA384'],
  ['1.2.840.10045.4.3.4', 'ecdsa-with-SHA512'],
  ['1.3.101.112', 'Ed25519'],
  ['1.3.101.113', 'Ed448'],
]);

const WEAK_SIGNATURE_ALGORITHMS = new Map<string, string>([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.3', 'md4WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
  ['1.3.14.3.2.29', 'sha1WithRSASignature'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1'],
]);

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const PSS_HASHES = new Map([
  ['2.16.840.1.101.3.4.2.1', 'SHA-256'],
  ['2.16.840.1.101.3.4.2.2', 'SHA-384'],
  ['2.16.840.1.101.3.4.2.3', 'SHA-512'],
]);

/** MD5 and SHA-1 certificate signatures are refused (RFC 9155 deprecates them in TLS; CA/B Forum bans them). */
export function checkSignatureAlgorithm(c: ParsedCertificate): CertificateError | undefined {
  const problem = signatureAlgorithmProblem(c.fields.signatureAlgorithm, c.fields.tbsSignatureAlgorithm);
  return problem && fail(problem.code, problem.text, c, problem.reason);
}

/**
 * Why a signed object (certificate, CRL) whose outer signatureAlgorithm is `outer` and whose
 * signed part names `inner` is not acceptable, in OpenSSL's code and text; undefined when it is.
 */
export function signatureAlgorithmProblem(outer: AlgorithmIdentifier, inner: AlgorithmIdentifier): { code: string; text: string; reason: string } | undefined {
  const { oid, parameters } = outer;
  const failure = (reason: string) => ({ code: 'CERT_SIGNATURE_FAILURE', text: 'certificate signature failure', reason });
  const weakDigest = (reason: string) => ({ code: 'CA_MD_TOO_WEAK', text: 'CA signature digest algorithm too weak', reason });
  // RFC 5280 §4.1.1.2 / §5.1.1.2: signatureAlgorithm MUST equal the signed part's signature field.
  if (!bytesEqual(outer.raw, inner.raw)) return failure('signatureAlgorithm differs from the signed signature field');
  if (SIGNATURE_ALGORITHMS.has(oid)) return undefined;
  const ml = mlDsaByOid(oid);
  if (ml) {
    // RFC 9881 §2: "The parameters field MUST be absent".
    return parameters === undefined ? undefined : failure(`its ${ml.label} signatureAlgorithm has parameters, which RFC 9881 forbids`);
  }
  const weak = WEAK_SIGNATURE_ALGORITHMS.get(oid);
  if (weak) return weakDigest(`it is signed with ${weak}; MD5 and SHA-1 signatures are refused`);
  if (oid === RSASSA_PSS) {
    const hash = pssHash(parameters);
    if (hash && PSS_HASHES.has(hash)) return undefined;
    return weakDigest(`it is signed with RSASSA-PSS over ${hash === '1.3.14.3.2.26' || hash === undefined ? 'SHA-1' : hash}`);
  }
  return failure(`unsupported signature algorithm ${oid}`);
}

const PSS_HASH_NAMES = new Map([...PSS_HASHES, ['1.3.14.3.2.26', 'SHA-1']]);

/** A certificate's signature algorithm as OpenSSL names it ("sha256WithRSAEncryption", "rsassaPss (SHA-256)", "ML-DSA-65"); the dotted OID when unknown. */
export function signatureAlgorithmName(alg: AlgorithmIdentifier): string {
  const known = SIGNATURE_ALGORITHMS.get(alg.oid) ?? WEAK_SIGNATURE_ALGORITHMS.get(alg.oid) ?? mlDsaByOid(alg.oid)?.label;
  if (known) return known;
  if (alg.oid !== RSASSA_PSS) return alg.oid;
  const hash = pssHash(alg.parameters);
  return `rsassaPss (${hash === undefined ? 'SHA-1' : (PSS_HASH_NAMES.get(hash) ?? hash)})`;
}

/** RSASSA-PSS-params hashAlgorithm ([0], DEFAULT sha1, RFC 4055 §3.1); undefined means SHA-1. */
export function pssHash(parameters: Uint8Array | undefined): string | undefined {
  if (!parameters) return undefined;
  try {
    const seq = new DerReader(readDer(parameters, Tag.SEQUENCE, 'RSASSA-PSS-params').value);
    const h = seq.optional(contextConstructed(0), 'hashAlgorithm');
    if (!h) return undefined;
    const alg = new DerReader(readDer(h.value, Tag.SEQUENCE, 'hashAlgorithm').value);
    return decodeOid(alg.read(Tag.OBJECT_IDENTIFIER, 'hashAlgorithm.algorithm').value);
  } catch {
    return 'malformed parameters';
  }
}

/** RSA 2048–8192 bits; EC on P-256/P-384/P-521; Ed25519/Ed448; ML-DSA-44/65/87. No DSA, no small curves. */
export function checkKey(c: ParsedCertificate, isLeaf: boolean): CertificateError | undefined {
  // Keys are described from our DER (key-info.ts); ML-DSA's is checked too: no parameters, the right length.
  try {
    if (parseMlDsaSpki(c.fields.subjectPublicKeyInfo)) return undefined;
  } catch (e) {
    return fail('ERR_TLSGLASS_UNSUPPORTED_KEY', 'unsupported certificate key', c, e instanceof Error ? e.message : String(e));
  }
  const details = c.key;
  const type = details.type;
  if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details?.modulusLength ?? 0;
    if (bits < 2048) {
      return isLeaf
        ? fail('EE_KEY_TOO_SMALL', 'EE certificate key too weak', c, `its RSA key has ${bits} bits; at least 2048 are required`)
        : fail('CA_KEY_TOO_SMALL', 'CA certificate key too weak', c, `its RSA key has ${bits} bits; at least 2048 are required`);
    }
    if (bits > 8192) {
      return fail('ERR_TLSGLASS_KEY_TOO_LARGE', 'certificate key too large', c, `its RSA key has ${bits} bits; at most 8192 are accepted`);
    }
    return undefined;
  }
  if (type === 'ec') {
    if (['prime256v1', 'secp384r1', 'secp521r1'].includes(details?.namedCurve ?? '')) return undefined;
    return fail('ERR_TLSGLASS_UNSUPPORTED_KEY', 'unsupported certificate key', c, `its EC key is on ${details?.namedCurve ?? 'an unnamed curve'}`);
  }
  if (type === 'ed25519' || type === 'ed448') return undefined;
  return fail('ERR_TLSGLASS_UNSUPPORTED_KEY', 'unsupported certificate key', c, `its ${type ?? 'unknown'} key is not accepted`);
}
