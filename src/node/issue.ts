import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { Tag, DerReader, readDer } from '../pki/der-reader.js';
import * as der from '../pki/der-writer.js';
import { ExtensionOid, parseCertificate, subjectKeyIdentifierOf } from '../pki/certificate.js';
import { parseIpAddress } from '../pki/host-match.js';
import { encodePem } from '../pki/pem.js';
import { encodeMlDsaSpki, mlDsaByName, parseMlDsaPkcs8, type MlDsaName, type MlDsaParams } from '../pki/ml-dsa.js';
import { mlDsa } from '../crypto/node/ml-dsa.js';

/**
 * Minting X.509 v3 certificates (RFC 5280 §4.1) for `tlsglass certs`, the demo and the tests.
 * The DER is written here; node:crypto only generates keys and signs the TBSCertificate (ML-DSA:
 * node:crypto where the runtime has it, else @noble/post-quantum, as the crypto provider).
 */

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

export type ExtKeyUsageName = 'serverAuth' | 'clientAuth' | 'anyExtendedKeyUsage';

/** The extensions mint() writes itself, which `extensionOverrides` can change. */
export type MintedExtension = 'basicConstraints' | 'keyUsage' | 'extKeyUsage' | 'subjectAltName' | 'subjectKeyIdentifier' | 'authorityKeyIdentifier';

export type SignatureHash = 'sha256' | 'sha384' | 'sha512' | 'sha1';

/** A certificate and its private key. */
export interface IssuedCertificate {
  readonly certDer: Uint8Array;
  readonly certPem: string;
  /**
   * The private key. An ML-DSA key on a runtime whose node:crypto has no ML-DSA (Node 20/22) has
   * no KeyObject: reading this throws there; keyPem has the key.
   */
  readonly key: KeyObject;
  /** The private key as PKCS#8 PEM. */
  readonly keyPem: string;
}

export interface CommonCertificateOptions {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  /** Default 'ec'. ML-DSA keys (FIPS 204) are for TLS 1.3 only. */
  readonly keyType?: 'rsa' | 'ec' | MlDsaName;
  /** EC curve; default 'P-256'. */
  readonly curve?: 'P-256' | 'P-384';
  /** RSA modulus bits; default 2048 (smaller values only to mint weak-key test certificates). */
  readonly rsaBits?: number;
  /** Use this private key instead of generating one (keyType/curve/rsaBits are then ignored). */
  readonly privateKey?: KeyObject;
  /** Big-endian serial number; default 16 random bytes, positive (RFC 5280 §4.1.2.2). */
  readonly serialNumber?: Uint8Array;
  /** Default: now − 1 hour. Past dates are allowed (expired-certificate tests). */
  readonly notBefore?: Date;
  /** Default: notBefore + 1 year (plus the hour). */
  readonly notAfter?: Date;
  /**
   * Signature hash; default sha384 when the issuer's key is P-384, else sha256.
   * 'sha1' exists only to mint certificates that verifiers must refuse.
   */
  readonly hash?: SignatureHash;
  /** Override basicConstraints; null omits the extension. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number } | null;
  /** Override keyUsage; null omits the extension. */
  readonly keyUsage?: readonly KeyUsageName[] | null;
  /** Override extKeyUsage; null omits the extension. */
  readonly extKeyUsage?: readonly ExtKeyUsageName[] | null;
  /**
   * Test-only departures from the RFC 5280 profile for extensions we write: null leaves one out,
   * `critical` flips its criticality, `value` replaces its DER (strict-profile negative tests).
   */
  readonly extensionOverrides?: { readonly [E in MintedExtension]?: null | { readonly critical?: boolean; readonly value?: Uint8Array } };
  /** Serial number content octets written as they are (negative, zero, too long), bypassing `serialNumber`'s normalisation. */
  readonly rawSerialNumber?: Uint8Array;
  /** Extensions appended verbatim (e.g. an unknown critical one, for negative tests). */
  readonly extraExtensions?: readonly { readonly oid: string; readonly critical: boolean; readonly value: Uint8Array }[];
}

export interface CertificateAuthorityOptions extends CommonCertificateOptions {
  /** The issuing CA for an intermediate; omitted for a self-signed root. */
  readonly issuer?: IssuedCertificate;
  /** basicConstraints pathLenConstraint. */
  readonly pathLength?: number;
  /**
   * A critical nameConstraints extension (RFC 5280 §4.2.1.10). Entries are "DNS:example.com",
   * "DNS:.example.com" (subdomains only), "IP:10.0.0.0/8" / "IP:2001:db8::/32", or
   * "DN:O=Example Org" / "DN:O=Example Org,OU=Web" (a directoryName; O, OU and CN, in that order of RDNs).
   */
  readonly nameConstraints?: { readonly permitted?: readonly string[]; readonly excluded?: readonly string[] };
}

export interface CertificateOptions extends CommonCertificateOptions {
  /** The issuing CA; omitted for a self-signed end-entity certificate. */
  readonly issuer?: IssuedCertificate;
  readonly dnsNames?: readonly string[];
  /** IPv4 or IPv6 literals. */
  readonly ipAddresses?: readonly string[];
}

/** A CA certificate: a self-signed root, or an intermediate when `issuer` is given. */
export function createCertificateAuthority(options: CertificateAuthorityOptions): IssuedCertificate {
  const nc = options.nameConstraints;
  const extraExtensions = nc
    ? [{ oid: ExtensionOid.nameConstraints, critical: true, value: encodeNameConstraints(nc.permitted, nc.excluded) }, ...(options.extraExtensions ?? [])]
    : options.extraExtensions;
  return mint({ ...options, ...(extraExtensions ? { extraExtensions } : {}) }, options.issuer, {
    basicConstraints: { ca: true, ...(options.pathLength !== undefined ? { pathLength: options.pathLength } : {}) },
    keyUsage: ['keyCertSign', 'cRLSign'],
    extKeyUsage: null,
    altNames: [],
  });
}

/** An end-entity certificate; extKeyUsage defaults to serverAuth. */
export function issueCertificate(options: CertificateOptions): IssuedCertificate {
  const altNames: Uint8Array[] = [];
  for (const name of options.dnsNames ?? []) altNames.push(der.implicitPrimitive(2, ascii(name, 'dNSName')));
  for (const ip of options.ipAddresses ?? []) {
    const octets = parseIpAddress(ip);
    if (!octets) throw new RangeError(`issueCertificate: "${ip}" is not an IP address`);
    altNames.push(der.implicitPrimitive(7, octets));
  }
  return mint(options, options.issuer, {
    basicConstraints: { ca: false },
    keyUsage: undefined, // chosen from the key type below
    extKeyUsage: ['serverAuth'],
    altNames,
  });
}

const Oid = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  anyExtendedKeyUsage: '2.5.29.37.0',
  organizationalUnitName: '2.5.4.11',
} as const;

const KEY_USAGE_BIT: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

interface Defaults {
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength?: number };
  readonly keyUsage: readonly KeyUsageName[] | undefined;
  readonly extKeyUsage: readonly ExtKeyUsageName[] | null;
  readonly altNames: readonly Uint8Array[];
}

/** A key mint() certifies or signs with, whatever implements it. */
interface MintKey {
  readonly spki: Uint8Array;
  readonly keyPem: string;
  /** undefined for ML-DSA where node:crypto has none. */
  readonly keyObject: KeyObject | undefined;
  readonly isRsa: boolean;
  readonly curve: string | undefined;
  /** The signature's AlgorithmIdentifier (RFC 4055 §5 / RFC 5758 §3.2 / RFC 9881 §2). */
  algorithm(hash: SignatureHash): Uint8Array;
  sign(tbs: Uint8Array, hash: SignatureHash): Uint8Array;
}

/** The keys of certificates minted here, for when they issue others. */
const MINT_KEYS = new WeakMap<IssuedCertificate, MintKey>();

function nodeMintKey(key: KeyObject): MintKey {
  if (key.asymmetricKeyType?.startsWith('ml-dsa')) return mlDsaMintKey(mlDsaByName(key.asymmetricKeyType)!, new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })));
  return {
    spki: new Uint8Array(keyPublicSpki(key)),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyObject: key,
    isRsa: key.asymmetricKeyType === 'rsa',
    curve: curveOf(key),
    algorithm: (hash) => signatureAlgorithm(key, hash),
    sign: (tbs, hash) => sign(hash, tbs, key), // PKCS#1 v1.5 for RSA; DER Ecdsa-Sig-Value for EC
  };
}

function mlDsaMintKey(params: MlDsaParams, pkcs8: Uint8Array): MintKey {
  const signer = mlDsa.signer(parseMlDsaPkcs8(pkcs8)!);
  let keyObject: KeyObject | undefined;
  try {
    keyObject = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  } catch {
    keyObject = undefined; // Node 20/22: no ML-DSA in node:crypto
  }
  return {
    spki: encodeMlDsaSpki(params, signer.publicKey),
    keyPem: encodePem('PRIVATE KEY', pkcs8),
    keyObject,
    isRsa: false,
    curve: undefined,
    algorithm: () => der.sequence(der.oid(params.oid)), // parameters MUST be absent (RFC 9881 §2)
    sign: (tbs) => signer.sign(tbs), // pure ML-DSA, empty context (RFC 9881 §3)
  };
}

function mintKeyOf(issuer: IssuedCertificate): MintKey {
  return MINT_KEYS.get(issuer) ?? nodeMintKey(issuer.key);
}

function mint(options: CommonCertificateOptions, issuer: IssuedCertificate | undefined, defaults: Defaults): IssuedCertificate {
  const ml = options.privateKey === undefined ? mlDsaByName(options.keyType ?? '') : undefined;
  const mintKey = ml ? mlDsaMintKey(ml, mlDsa.generate(ml).pkcs8) : nodeMintKey(options.privateKey ?? generateKey(options));
  const spki = mintKey.spki;
  const subjectName = name(options);
  const ski = keyIdentifier(spki);

  let issuerName = subjectName;
  let issuerKeyId: Uint8Array | undefined = ski;
  const signingKey = issuer ? mintKeyOf(issuer) : mintKey;
  if (issuer) {
    const fields = parseCertificate(issuer.certDer);
    issuerName = fields.subject;
    issuerKeyId = subjectKeyIdentifierOf(fields);
  }

  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - 3600_000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 3600_000 + 365 * 86400_000);
  const hash = options.hash ?? (signingKey.curve === 'P-384' ? 'sha384' : 'sha256');
  const sigAlg = signingKey.algorithm(hash);

  const bc = options.basicConstraints === undefined ? defaults.basicConstraints : options.basicConstraints;
  const isRsa = mintKey.isRsa;
  const eku = options.extKeyUsage === undefined ? defaults.extKeyUsage : options.extKeyUsage;
  const leafKeyUsage: KeyUsageName[] =
    isRsa && (eku ?? []).includes('serverAuth') ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
  const ku = options.keyUsage === undefined ? (defaults.keyUsage ?? leafKeyUsage) : options.keyUsage;

  const extensions: Uint8Array[] = [];
  const add = (which: MintedExtension, oid: string, critical: boolean, value: Uint8Array): void => {
    const o = options.extensionOverrides?.[which];
    if (o === null) return;
    extensions.push(extension(oid, o?.critical ?? critical, o?.value ?? value));
  };
  if (bc) {
    // RFC 5280 §4.2.1.9: cA DEFAULT FALSE is omitted when false (DER).
    const body: Uint8Array[] = [];
    if (bc.ca) body.push(der.boolean(true));
    if (bc.pathLength !== undefined) body.push(der.integer(bc.pathLength));
    add('basicConstraints', ExtensionOid.basicConstraints, true, der.sequence(...body));
  }
  if (ku) add('keyUsage', ExtensionOid.keyUsage, true, der.namedBits(ku.map((u) => KEY_USAGE_BIT[u])));
  if (eku) add('extKeyUsage', ExtensionOid.extKeyUsage, false, der.sequence(...eku.map((u) => der.oid(Oid[u]))));
  if (defaults.altNames.length > 0) {
    // RFC 5280 §4.2.1.6: critical only when the subject is empty, which ours never is.
    add('subjectAltName', ExtensionOid.subjectAltName, false, der.sequence(...defaults.altNames));
  }
  add('subjectKeyIdentifier', ExtensionOid.subjectKeyIdentifier, false, der.octetString(ski));
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … }; none when the issuer has no
  // subjectKeyIdentifier, unless an override supplies the value.
  const akiValue = issuerKeyId ? der.sequence(der.implicitPrimitive(0, issuerKeyId)) : options.extensionOverrides?.authorityKeyIdentifier?.value;
  if (akiValue) add('authorityKeyIdentifier', ExtensionOid.authorityKeyIdentifier, false, akiValue);
  for (const e of options.extraExtensions ?? []) extensions.push(extension(e.oid, e.critical, e.value));

  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3
    options.rawSerialNumber ? der.tlv(Tag.INTEGER, options.rawSerialNumber) : der.integer(options.serialNumber ?? randomSerial()),
    sigAlg,
    issuerName,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subjectName,
    spki,
    der.explicit(3, der.sequence(...extensions)),
  );
  const certDer = der.sequence(tbs, sigAlg, der.bitString(signingKey.sign(tbs, hash)));
  const keyObject = mintKey.keyObject;
  const issued: IssuedCertificate = {
    certDer,
    certPem: encodePem('CERTIFICATE', certDer),
    get key(): KeyObject {
      if (keyObject === undefined) throw new Error(`node:crypto ${process.version} has no ML-DSA: use keyPem`);
      return keyObject;
    },
    keyPem: mintKey.keyPem,
  };
  MINT_KEYS.set(issued, mintKey);
  return issued;
}

/**
 * A fresh private key, taken out of the generator as PKCS#8 and re-imported: exporting a KeyObject
 * straight from generateKeyPairSync can deadlock in Node 20 (see X25519Share in
 * crypto/node/key-exchange.ts).
 */
function generateKey(options: CommonCertificateOptions): KeyObject {
  const privateKeyEncoding = { type: 'pkcs8', format: 'der' } as const;
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const der: Buffer =
    options.keyType === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: options.rsaBits ?? 2048, privateKeyEncoding, publicKeyEncoding }).privateKey
      : generateKeyPairSync('ec', { namedCurve: options.curve ?? 'P-256', privateKeyEncoding, publicKeyEncoding }).privateKey;
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** DER SubjectPublicKeyInfo of a private (or public) key. */
function keyPublicSpki(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

function curveOf(key: KeyObject): string | undefined {
  const c = key.asymmetricKeyDetails?.namedCurve;
  return c === 'prime256v1' ? 'P-256' : c === 'secp384r1' ? 'P-384' : c;
}

/** AlgorithmIdentifier for the signature (RFC 4055 §5 / RFC 5758 §3.2). */
function signatureAlgorithm(key: KeyObject, hash: SignatureHash): Uint8Array {
  if (key.asymmetricKeyType === 'rsa') {
    const id = {
      sha1: Oid.sha1WithRSAEncryption,
      sha256: Oid.sha256WithRSAEncryption,
      sha384: Oid.sha384WithRSAEncryption,
      sha512: Oid.sha512WithRSAEncryption,
    }[hash];
    return der.sequence(der.oid(id), der.nullValue()); // parameters MUST be NULL (RFC 4055 §5)
  }
  if (key.asymmetricKeyType === 'ec') {
    const id = { sha1: Oid.ecdsaWithSHA1, sha256: Oid.ecdsaWithSHA256, sha384: Oid.ecdsaWithSHA384, sha512: Oid.ecdsaWithSHA512 }[hash];
    return der.sequence(der.oid(id)); // parameters MUST be absent (RFC 5758 §3.2)
  }
  throw new RangeError(`issue: unsupported issuer key type ${key.asymmetricKeyType}`);
}

/** Name ::= RDNSequence, one attribute per RDN: O, OU (if any), then CN (RFC 5280 §4.1.2.4). */
function name(options: CommonCertificateOptions): Uint8Array {
  const rdns: Uint8Array[] = [];
  if (options.organization !== undefined) rdns.push(rdn(Oid.organizationName, options.organization));
  if (options.organizationalUnit !== undefined) rdns.push(rdn(Oid.organizationalUnitName, options.organizationalUnit));
  rdns.push(rdn(Oid.commonName, options.commonName));
  return der.sequence(...rdns);
}

function rdn(type: string, value: string): Uint8Array {
  return der.setOf(der.sequence(der.oid(type), der.utf8String(value)));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  // X.690 §11.5: critical DEFAULT FALSE is omitted when false.
  return critical
    ? der.sequence(der.oid(oid), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(oid), der.octetString(value));
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits (an identifier, not a security use). */
function keyIdentifier(spki: Uint8Array): Uint8Array {
  const r = new DerReader(readDer(spki, Tag.SEQUENCE, 'SubjectPublicKeyInfo').value);
  r.read(Tag.SEQUENCE, 'algorithm');
  const bits = r.read(Tag.BIT_STRING, 'subjectPublicKey').value.subarray(1);
  return new Uint8Array(createHash('sha1').update(bits).digest());
}

/** 16 random octets with the top bit clear and the next set: positive, always 16 octets (≤ 20, RFC 5280 §4.1.2.2). */
function randomSerial(): Uint8Array {
  const s = new Uint8Array(randomBytes(16));
  s[0] = (s[0]! & 0x7f) | 0x40;
  return s;
}

/** NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, excludedSubtrees [1] … } (IMPLICIT). */
function encodeNameConstraints(permitted: readonly string[] | undefined, excluded: readonly string[] | undefined): Uint8Array {
  const subtrees = (list: readonly string[]): Uint8Array[] => list.map((entry) => der.sequence(subtreeBase(entry)));
  const parts: Uint8Array[] = [];
  if (permitted?.length) parts.push(der.tlv(0xa0, ...subtrees(permitted)));
  if (excluded?.length) parts.push(der.tlv(0xa1, ...subtrees(excluded)));
  if (parts.length === 0) throw new RangeError('issue: nameConstraints needs a permitted or an excluded entry');
  return der.sequence(...parts);
}

/** "DNS:name" → dNSName [2]; "IP:addr/prefix" → iPAddress [7] with address ‖ mask; "DN:O=…,OU=…,CN=…" → directoryName [4]. */
function subtreeBase(entry: string): Uint8Array {
  if (entry.startsWith('DN:')) {
    const types: Record<string, string> = { O: Oid.organizationName, OU: Oid.organizationalUnitName, CN: Oid.commonName };
    const rdns = entry.slice(3).split(',').filter((a) => a !== '').map((a) => {
      const [k, v] = a.split('=', 2);
      const type = types[k!.trim()];
      if (!type || v === undefined) throw new RangeError(`issue: "${entry}": attributes are O=, OU= or CN=`);
      return rdn(type, v);
    });
    return der.tlv(0xa4, der.sequence(...rdns)); // directoryName [4] EXPLICIT Name (a CHOICE)
  }
  if (entry.startsWith('DNS:')) {
    const name = entry.slice(4);
    return der.implicitPrimitive(2, name === '' ? new Uint8Array(0) : ascii(name, 'dNSName constraint'));
  }
  const m = /^IP:(.+)\/(\d{1,3})$/.exec(entry);
  const address = m ? parseIpAddress(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : -1;
  if (!address || prefix > address.length * 8) throw new RangeError(`issue: "${entry}" is not DNS:name or IP:address/prefix`);
  const mask = new Uint8Array(address.length);
  for (let i = 0; i < prefix; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
  const out = new Uint8Array(address.length * 2);
  out.set(address, 0);
  out.set(mask, address.length);
  return der.implicitPrimitive(7, out);
}

function ascii(s: string, what: string): Uint8Array {
  if (!/^[\x21-\x7e]+$/.test(s)) throw new RangeError(`issue: ${what} "${s}" must be printable ASCII (use A-labels)`);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
