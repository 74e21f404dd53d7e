/**
 * Whether a certificate was signed by another's key (through the CryptoProvider) and issued by it
 * (OpenSSL's X509_check_issued), from our own DER: no node:crypto here.
 */
import type { SignatureProvider } from '../crypto/provider.js';
import { SignatureScheme } from '../messages/enums.js';
import { signatureAlgorithmProblem } from './algorithm-policy.js';
import { authorityCertIssuerSerialOf, bytesEqual, findExtension, subjectKeyIdentifierOf, type AlgorithmIdentifier } from './certificate.js';
import { DerReader, Tag, contextConstructed, decodeOid, decodeSmallUnsigned, readDer } from './der-reader.js';
import { mlDsaByOid } from './ml-dsa.js';
import { nameKey } from './name.js';
import type { ParsedCertificate } from './parsed-certificate.js';

/**
 * True when `child`'s signature verifies with `issuer`'s public key; never throws. A certificate
 * whose signature algorithm the policy refuses (MD5, SHA-1, unknown: algorithm-policy.ts) is not
 * checked and counts as signed: the path checks then refuse it with that reason, as OpenSSL
 * reports CA_MD_TOO_WEAK before it checks any signature.
 */
export function signedBy(child: ParsedCertificate, issuer: ParsedCertificate, signatures: SignatureProvider): boolean {
  const f = child.fields;
  if (signatureAlgorithmProblem(f.signatureAlgorithm, f.tbsSignatureAlgorithm)) return true;
  return verifySignature(f.signatureAlgorithm, f.tbsCertificate, f.signatureValue, issuer.fields.subjectPublicKeyInfo, signatures);
}

/** X.509 signature algorithms as the TLS signature scheme that computes the same signature (ECDSA: any curve, as in TLS 1.2). */
const SCHEMES = new Map<string, SignatureScheme>([
  ['1.2.840.113549.1.1.11', SignatureScheme.rsa_pkcs1_sha256],
  ['1.2.840.113549.1.1.12', SignatureScheme.rsa_pkcs1_sha384],
  ['1.2.840.113549.1.1.13', SignatureScheme.rsa_pkcs1_sha512],
  ['1.2.840.10045.4.3.2', SignatureScheme.ecdsa_secp256r1_sha256],
  ['1.2.840.10045.4.3.3', SignatureScheme.ecdsa_secp384r1_sha384],
  ['1.2.840.10045.4.3.4', SignatureScheme.ecdsa_secp521r1_sha512],
  ['1.3.101.112', SignatureScheme.ed25519],
  ['1.3.101.113', SignatureScheme.ed448],
]);

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
/** RSASSA-PSS with an rsaEncryption key, by hash OID (RFC 4055 §2.1; RFC 8446 §4.2.3 rsa_pss_rsae_*). */
const PSS_SCHEMES = new Map<string, SignatureScheme>([
  ['2.16.840.1.101.3.4.2.1', SignatureScheme.rsa_pss_rsae_sha256],
  ['2.16.840.1.101.3.4.2.2', SignatureScheme.rsa_pss_rsae_sha384],
  ['2.16.840.1.101.3.4.2.3', SignatureScheme.rsa_pss_rsae_sha512],
]);

/**
 * A signature over `signed` by the key in `issuerSpki` with `algorithm` (a certificate's or a
 * CRL's), through the provider; false for anything it cannot check. Never throws.
 */
export function verifySignature(algorithm: AlgorithmIdentifier, signed: Uint8Array, signature: Uint8Array, issuerSpki: Uint8Array, signatures: SignatureProvider): boolean {
  try {
    const ml = mlDsaByOid(algorithm.oid);
    // RFC 9881 §3: pure ML-DSA over the DER, empty context (as the TLS 1.3 schemes).
    if (ml) return signatures.publicKeyFromSpki(issuerSpki).verify(ml.scheme, signed, signature, { tls13: true });
    const pss = algorithm.oid === RSASSA_PSS ? pssParameters(algorithm.parameters) : undefined;
    const scheme = pss ? pss.scheme : SCHEMES.get(algorithm.oid);
    if (scheme === undefined) return false;
    const key = signatures.publicKeyFromSpki(issuerSpki);
    return key.verify(scheme, signed, signature, pss ? { saltLength: pss.saltLength } : undefined);
  } catch {
    return false;
  }
}

/**
 * RSASSA-PSS-params (RFC 4055 §3.1) the provider can check: a SHA-2 hash, MGF1 with the same
 * hash, any salt length, trailerField 1. undefined otherwise (SHA-1 defaults included).
 */
function pssParameters(parameters: Uint8Array | undefined): { scheme: SignatureScheme; saltLength: number } | undefined {
  if (!parameters) return undefined;
  const seq = new DerReader(readDer(parameters, Tag.SEQUENCE, 'RSASSA-PSS-params').value);
  const hashTlv = seq.optional(contextConstructed(0), 'hashAlgorithm');
  const mgfTlv = seq.optional(contextConstructed(1), 'maskGenAlgorithm');
  const saltTlv = seq.optional(contextConstructed(2), 'saltLength');
  const trailerTlv = seq.optional(contextConstructed(3), 'trailerField');
  seq.end('RSASSA-PSS-params');
  if (!hashTlv || !mgfTlv) return undefined; // SHA-1 / MGF1-SHA-1 defaults
  const hash = algorithmOid(hashTlv.value);
  const mgf = new DerReader(readDer(mgfTlv.value, Tag.SEQUENCE, 'maskGenAlgorithm').value);
  if (decodeOid(mgf.read(Tag.OBJECT_IDENTIFIER, 'maskGenAlgorithm.algorithm').value) !== MGF1) return undefined;
  if (algorithmOid(mgf.read(Tag.SEQUENCE, 'MGF1 hash').raw) !== hash) return undefined;
  if (trailerTlv && decodeSmallUnsigned(readDer(trailerTlv.value, Tag.INTEGER, 'trailerField').value) !== 1) return undefined;
  const scheme = PSS_SCHEMES.get(hash);
  if (scheme === undefined) return undefined;
  const saltLength = saltTlv ? decodeSmallUnsigned(readDer(saltTlv.value, Tag.INTEGER, 'saltLength').value) : 20;
  return { scheme, saltLength };
}

function algorithmOid(algorithmIdentifier: Uint8Array): string {
  const a = new DerReader(readDer(algorithmIdentifier, Tag.SEQUENCE, 'AlgorithmIdentifier').value);
  return decodeOid(a.read(Tag.OBJECT_IDENTIFIER, 'algorithm').value);
}

/**
 * OpenSSL's X509_check_issued: the issuer's subject matches the child's issuer name (RFC 5280
 * §7.1, as X509_NAME_cmp), the child's authorityKeyIdentifier agrees with the issuer (key
 * identifier, serial number, issuer name: X509_check_akid), the issuer's key type fits the child's
 * signature algorithm, and the issuer's keyUsage, when present, allows certificate signing.
 * Never throws.
 */
export function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    if (child.issuerKey !== issuer.subjectKey) return false;
    const akid = child.authorityKeyIdentifier;
    if (akid) {
      const skid = subjectKeyIdentifierOf(issuer.fields);
      if (akid.keyIdentifier && skid && !bytesEqual(akid.keyIdentifier, skid)) return false;
      if (akid.authorityCertIssuer || akid.authorityCertSerialNumber) {
        const { serialNumber, issuerName } = authorityCertIssuerSerialOf(child.fields);
        if (serialNumber && !bytesEqual(serialNumber, issuer.fields.serialNumber)) return false;
        if (issuerName && nameKey(issuerName) !== issuer.issuerKey) return false;
      }
    }
    if (!keyFitsAlgorithm(issuer.key.type, child.fields.signatureAlgorithm.oid)) return false;
    // ossl_x509_signing_allowed: a proxy certificate (RFC 3820) needs digitalSignature instead.
    const proxy = findExtension(child.fields, '1.3.6.1.5.5.7.1.14') !== undefined;
    return !issuer.keyUsage || issuer.keyUsage.has(proxy ? 'digitalSignature' : 'keyCertSign');
  } catch {
    return false;
  }
}

/** Signature algorithm OIDs by the key type that makes them (OBJ_find_sigid_algs), SHA-1 and MD5 included. */
const ALGORITHM_KEY_TYPES = new Map<string, string>([
  ...['2', '3', '4', '5', '11', '12', '13', '14', '15', '16'].map((n): [string, string] => [`1.2.840.113549.1.1.${n}`, 'rsa']),
  ['1.3.14.3.2.29', 'rsa'],
  ...['4.1', '4.3.1', '4.3.2', '4.3.3', '4.3.4'].map((n): [string, string] => [`1.2.840.10045.${n}`, 'ec']),
  ['1.2.840.10040.4.3', 'dsa'],
  ['2.16.840.1.101.3.4.3.1', 'dsa'],
  ['2.16.840.1.101.3.4.3.2', 'dsa'],
  ['1.3.101.112', 'ed25519'],
  ['1.3.101.113', 'ed448'],
]);

/** check_sig_alg_match: RSASSA-PSS fits rsaEncryption and RSASSA-PSS keys; every other algorithm its own key type. */
function keyFitsAlgorithm(keyType: string | undefined, oid: string): boolean {
  if (keyType === undefined) return false;
  if (oid === RSASSA_PSS) return keyType === 'rsa' || keyType === 'rsa-pss';
  return (mlDsaByOid(oid)?.name ?? ALGORITHM_KEY_TYPES.get(oid)) === keyType;
}
