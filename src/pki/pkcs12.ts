/**
 * PKCS#12 (RFC 7292) as node:tls's `pfx` option reads it: PFX → AuthenticatedSafe (ContentInfo
 * data or encryptedData) → SafeContents → keyBag, pkcs8ShroudedKeyBag and certBag(x509Certificate),
 * with the integrity MAC checked first (§5, App. B) and the password-based encryptions of RFC 7292
 * App. C (pbeWithSHAAnd3-KeyTripleDES-CBC …) and RFC 8018 PBES2 (PBKDF2 + AES-CBC, OpenSSL 3's
 * default). The PKCS#12 key derivation (App. B.2) is here; hashing, HMAC, PBKDF2 and the block
 * ciphers come through `Pkcs12Crypto`, so this file stays free of any crypto backend.
 */
import { DecodeError } from '../codec/reader.js';
import { DerReader, Tag, contextConstructed, contextPrimitive, decodeOid, decodeSmallUnsigned, readDer } from './der-reader.js';

export type Pkcs12Hash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
/** OpenSSL's cipher names, as node:crypto's createDecipheriv takes them. */
export type Pkcs12Cipher = 'des-ede3-cbc' | 'des-ede-cbc' | 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc';

/** The primitives a PFX needs, from the crypto backend. */
export interface Pkcs12Crypto {
  digest(hash: Pkcs12Hash, data: Uint8Array): Uint8Array;
  hmac(hash: Pkcs12Hash, key: Uint8Array, data: Uint8Array): Uint8Array;
  pbkdf2(hash: Pkcs12Hash, password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array;
  /** CBC decryption with PKCS#7 padding removed; throws when the padding is wrong (a wrong password). */
  decrypt(cipher: Pkcs12Cipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Why a PFX cannot be read; `kind` says which of node:tls's errors it is. */
export class Pkcs12Error extends Error {
  constructor(
    message: string,
    /** 'mac': the MAC does not verify (a wrong or missing password); 'macAbsent': a password for a file without MAC; 'decrypt': a bag does not decrypt; 'unsupported': an algorithm we do not implement; 'malformed': not PKCS#12. */
    readonly kind: 'mac' | 'macAbsent' | 'decrypt' | 'unsupported' | 'malformed',
  ) {
    super(message);
  }
}

export interface Pkcs12Bag<T> {
  readonly value: T;
  /** The localKeyId attribute (PKCS#9), which pairs a key with its certificate. */
  readonly localKeyId: Uint8Array | undefined;
  readonly friendlyName: string | undefined;
}

export interface Pkcs12Contents {
  /** Unencrypted PKCS#8 PrivateKeyInfo (DER), in file order. */
  readonly keys: readonly Pkcs12Bag<Uint8Array>[];
  /** X.509 certificates (DER), in file order. */
  readonly certificates: readonly Pkcs12Bag<Uint8Array>[];
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
} as const;

const HASHES: Record<string, Pkcs12Hash> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** PBKDF2's PRF (RFC 8018 App. B.1). */
const HMACS: Record<string, Pkcs12Hash> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

/** PBES2 encryption schemes (RFC 8018 App. B.2, RFC 3565): cipher, key and IV lengths. */
const PBES2_CIPHERS: Record<string, [Pkcs12Cipher, number, number]> = {
  '2.16.840.1.101.3.4.1.2': ['aes-128-cbc', 16, 16],
  '2.16.840.1.101.3.4.1.22': ['aes-192-cbc', 24, 16],
  '2.16.840.1.101.3.4.1.42': ['aes-256-cbc', 32, 16],
  '1.2.840.113549.3.7': ['des-ede3-cbc', 24, 8],
};

/** RFC 7292 App. C: the PKCS#12 PBEs, SHA-1 based; key length and cipher (undefined: not implemented, with the name to report). */
const PKCS12_PBES: Record<string, { name: string; cipher?: Pkcs12Cipher; keyLength?: number }> = {
  '1.2.840.113549.1.12.1.1': { name: 'pbeWithSHAAnd128BitRC4' },
  '1.2.840.113549.1.12.1.2': { name: 'pbeWithSHAAnd40BitRC4' },
  '1.2.840.113549.1.12.1.3': { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', cipher: 'des-ede3-cbc', keyLength: 24 },
  '1.2.840.113549.1.12.1.4': { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', cipher: 'des-ede-cbc', keyLength: 16 },
  '1.2.840.113549.1.12.1.5': { name: 'pbeWithSHAAnd128BitRC2-CBC' },
  '1.2.840.113549.1.12.1.6': { name: 'pbewithSHAAnd40BitRC2-CBC' },
};

/** Block sizes in bytes (the `v` of RFC 7292 App. B.2). */
const BLOCK_BYTES: Record<Pkcs12Hash, number> = { sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 };

/**
 * The password as each derivation takes it: the PKCS#12 KDF takes a BMPString with a two-zero
 * terminator (App. B.1), PBES2 the UTF-8 bytes. An absent password (undefined) is the empty
 * string without terminator, as OpenSSL's NULL password, which it tries before "" (PKCS12_parse).
 */
interface Password {
  readonly bmp: Uint8Array;
  readonly utf8: Uint8Array;
}

function password(text: string | undefined): Password {
  if (text === undefined) return { bmp: new Uint8Array(0), utf8: new Uint8Array(0) };
  const bmp = new Uint8Array(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bmp[2 * i] = c >> 8;
    bmp[2 * i + 1] = c & 0xff;
  }
  return { bmp, utf8: new TextEncoder().encode(text) };
}

/** RFC 7292 App. B.2: `length` bytes for purpose `id` (1 key, 2 IV, 3 MAC key). */
export function pkcs12Kdf(crypto: Pkcs12Crypto, hash: Pkcs12Hash, bmpPassword: Uint8Array, salt: Uint8Array, id: 1 | 2 | 3, iterations: number, length: number): Uint8Array {
  const v = BLOCK_BYTES[hash];
  const repeat = (src: Uint8Array): Uint8Array => {
    const out = new Uint8Array(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const d = new Uint8Array(v).fill(id);
  const i = new Uint8Array([...repeat(salt), ...repeat(bmpPassword)]);
  const out = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    let a = crypto.digest(hash, new Uint8Array([...d, ...i]));
    for (let r = 1; r < iterations; r++) a = crypto.digest(hash, a);
    out.set(a.subarray(0, length - done), done);
    done += a.length;
    if (done >= length) break;
    // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k]! + a[k % a.length]! + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return out;
}

/** Iteration counts above this are refused: a hostile file must not cost seconds (OpenSSL writes 2048). */
const MAX_ITERATIONS = 1_000_000;

function iterationsOf(value: Uint8Array, what: string): number {
  const n = decodeSmallUnsigned(value, what);
  if (n < 1 || n > MAX_ITERATIONS) throw new DecodeError(`${what}: ${n} is outside 1..${MAX_ITERATIONS}`);
  return n;
}

function algorithm(tlv: Uint8Array, what: string): { oid: string; params: Uint8Array | undefined } {
  const r = new DerReader(readDer(tlv, Tag.SEQUENCE, what).value);
  const oid = decodeOid(r.read(Tag.OBJECT_IDENTIFIER, `${what} algorithm`).value);
  const params = r.done ? undefined : r.read(undefined, `${what} parameters`).raw;
  r.end(what);
  return { oid, params };
}

function required(params: Uint8Array | undefined, what: string): Uint8Array {
  if (params === undefined) throw new DecodeError(`${what}: parameters missing`);
  return params;
}

/**
 * Reads a PFX. `pass` undefined means none was given: as OpenSSL, the MAC is then tried with
 * no password and with the empty one. Throws Pkcs12Error (or DecodeError for broken DER, which
 * the caller reports as malformed).
 */
export function readPkcs12(der: Uint8Array, pass: string | undefined, crypto: Pkcs12Crypto): Pkcs12Contents {
  const pfx = new DerReader(readDer(der, Tag.SEQUENCE, 'PFX').value);
  const version = decodeSmallUnsigned(pfx.read(Tag.INTEGER, 'PFX version').value, 'PFX version');
  if (version !== 3) throw new DecodeError(`PFX version ${version}: only version 3 exists (RFC 7292 §4)`);
  const authSafe = contentInfo(pfx.read(Tag.SEQUENCE, 'PFX authSafe').raw, 'authSafe');
  if (authSafe.type !== OID.data) throw new Pkcs12Error(`the authSafe is ${authSafe.type === OID.encryptedData ? 'encrypted' : `of type ${authSafe.type}`}; only password integrity (a data ContentInfo with a MAC) is supported`, 'unsupported');
  const authSafeBytes = readDer(authSafe.content, Tag.OCTET_STRING, 'authSafe data').value;
  const macData = pfx.done ? undefined : pfx.read(Tag.SEQUENCE, 'PFX macData').value;
  pfx.end('PFX');

  let pw = password(pass);
  if (macData !== undefined) {
    const candidates = pass === undefined || pass === '' ? [password(undefined), password('')] : [pw];
    const ok = candidates.find((c) => macVerifies(macData, authSafeBytes, c, crypto));
    if (!ok) throw new Pkcs12Error(pass ? 'the MAC does not verify: wrong passphrase, or the file was altered' : 'the MAC does not verify without a passphrase: the file needs one', 'mac');
    pw = ok;
  } else if (pass) {
    // As OpenSSL's PKCS12_parse (node:tls): a password is checked against the MAC, and there is none.
    throw new Pkcs12Error('the file has no MAC to check the passphrase against (it was exported with -nomac); node:tls refuses such a file unless no passphrase is given', 'macAbsent');
  }

  const keys: Pkcs12Bag<Uint8Array>[] = [];
  const certificates: Pkcs12Bag<Uint8Array>[] = [];
  const safes = new DerReader(readDer(authSafeBytes, Tag.SEQUENCE, 'AuthenticatedSafe').value);
  while (!safes.done) {
    const info = contentInfo(safes.read(Tag.SEQUENCE, 'AuthenticatedSafe ContentInfo').raw, 'AuthenticatedSafe ContentInfo');
    let safeContents: Uint8Array;
    if (info.type === OID.data) safeContents = readDer(info.content, Tag.OCTET_STRING, 'SafeContents data').value;
    else if (info.type === OID.encryptedData) safeContents = decryptEncryptedData(info.content, pw, crypto);
    else throw new Pkcs12Error(`a ContentInfo of type ${info.type} (public-key privacy, RFC 7292 §3.1) is not supported`, 'unsupported');
    readSafeContents(safeContents, pw, crypto, keys, certificates, 0);
  }
  return { keys, certificates };
}

function contentInfo(raw: Uint8Array, what: string): { type: string; content: Uint8Array } {
  const r = new DerReader(readDer(raw, Tag.SEQUENCE, what).value);
  const type = decodeOid(r.read(Tag.OBJECT_IDENTIFIER, `${what} contentType`).value);
  const wrapper = r.read(contextConstructed(0), `${what} content`);
  r.end(what);
  const inner = new DerReader(wrapper.value);
  const content = inner.read(undefined, `${what} content`).raw;
  inner.end(`${what} content`);
  return { type, content };
}

/** RFC 7292 §5.2 (and App. B for the key); PBMAC1 (RFC 9579) is refused by name. */
function macVerifies(macData: Uint8Array, content: Uint8Array, pw: Password, crypto: Pkcs12Crypto): boolean {
  const r = new DerReader(macData);
  const digestInfo = new DerReader(r.read(Tag.SEQUENCE, 'MacData mac').value);
  const alg = algorithm(digestInfo.read(Tag.SEQUENCE, 'MAC algorithm').raw, 'MAC algorithm');
  const expected = digestInfo.read(Tag.OCTET_STRING, 'MAC digest').value;
  digestInfo.end('MAC DigestInfo');
  const salt = r.read(Tag.OCTET_STRING, 'MAC salt').value;
  const iterations = r.done ? 1 : iterationsOf(r.read(Tag.INTEGER, 'MAC iterations').value, 'MAC iterations');
  r.end('MacData');
  if (alg.oid === OID.pbmac1) throw new Pkcs12Error('the MAC is PBMAC1 (RFC 9579), which is not supported; re-export with -macalg sha256', 'unsupported');
  const hash = HASHES[alg.oid];
  if (hash === undefined) throw new Pkcs12Error(`the MAC's digest ${alg.oid} is not supported (SHA-1 and SHA-2 are)`, 'unsupported');
  const key = pkcs12Kdf(crypto, hash, pw.bmp, salt, 3, iterations, crypto.digest(hash, new Uint8Array(0)).length);
  const mac = crypto.hmac(hash, key, content);
  if (mac.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < mac.length; i++) diff |= mac[i]! ^ expected[i]!;
  return diff === 0;
}

/** EncryptedData (RFC 5652 §8) → the SafeContents it holds. */
function decryptEncryptedData(raw: Uint8Array, pw: Password, crypto: Pkcs12Crypto): Uint8Array {
  const r = new DerReader(readDer(raw, Tag.SEQUENCE, 'EncryptedData').value);
  r.read(Tag.INTEGER, 'EncryptedData version');
  const eci = new DerReader(r.read(Tag.SEQUENCE, 'EncryptedContentInfo').value);
  const type = decodeOid(eci.read(Tag.OBJECT_IDENTIFIER, 'EncryptedContentInfo contentType').value);
  if (type !== OID.data) throw new DecodeError(`EncryptedContentInfo: content type ${type}, expected data`);
  const alg = eci.read(Tag.SEQUENCE, 'contentEncryptionAlgorithm').raw;
  const content = eci.read(contextPrimitive(0), 'encryptedContent').value;
  return decrypt(alg, content, pw, crypto, 'the certificate bag');
}

/** Decrypts with a PKCS#12 PBE (App. C) or PBES2 (RFC 8018 §6.2). */
function decrypt(algorithmDer: Uint8Array, data: Uint8Array, pw: Password, crypto: Pkcs12Crypto, what: string): Uint8Array {
  const alg = algorithm(algorithmDer, 'encryption algorithm');
  let cipher: Pkcs12Cipher;
  let key: Uint8Array;
  let iv: Uint8Array;
  const pbe = PKCS12_PBES[alg.oid];
  if (pbe !== undefined) {
    if (pbe.cipher === undefined || pbe.keyLength === undefined) {
      throw new Pkcs12Error(`${what} is encrypted with ${pbe.name}, which node:crypto does not offer (OpenSSL 3 keeps it in its legacy provider); re-export the file: openssl pkcs12 -export -certpbe AES-256-CBC -keypbe AES-256-CBC -macalg sha256`, 'unsupported');
    }
    const p = new DerReader(readDer(required(alg.params, pbe.name), Tag.SEQUENCE, `${pbe.name} parameters`).value);
    const salt = p.read(Tag.OCTET_STRING, `${pbe.name} salt`).value;
    const iterations = iterationsOf(p.read(Tag.INTEGER, `${pbe.name} iterations`).value, `${pbe.name} iterations`);
    p.end(`${pbe.name} parameters`);
    cipher = pbe.cipher;
    key = pkcs12Kdf(crypto, 'sha1', pw.bmp, salt, 1, iterations, pbe.keyLength);
    iv = pkcs12Kdf(crypto, 'sha1', pw.bmp, salt, 2, iterations, 8);
  } else if (alg.oid === OID.pbes2) {
    const p = new DerReader(readDer(required(alg.params, 'PBES2'), Tag.SEQUENCE, 'PBES2 parameters').value);
    const kdf = algorithm(p.read(Tag.SEQUENCE, 'PBES2 keyDerivationFunc').raw, 'PBES2 keyDerivationFunc');
    const scheme = algorithm(p.read(Tag.SEQUENCE, 'PBES2 encryptionScheme').raw, 'PBES2 encryptionScheme');
    p.end('PBES2 parameters');
    if (kdf.oid !== OID.pbkdf2) throw new Pkcs12Error(`${what} uses the key derivation ${kdf.oid}; only PBKDF2 is supported`, 'unsupported');
    const c = PBES2_CIPHERS[scheme.oid];
    if (c === undefined) throw new Pkcs12Error(`${what} is encrypted with ${scheme.oid}; AES-CBC and DES-EDE3-CBC are supported`, 'unsupported');
    [cipher] = c;
    iv = readDer(required(scheme.params, 'PBES2 IV'), Tag.OCTET_STRING, 'PBES2 IV').value;
    if (iv.length !== c[2]) throw new DecodeError(`PBES2 IV: ${iv.length} bytes, ${cipher} takes ${c[2]}`);
    const k = new DerReader(readDer(required(kdf.params, 'PBKDF2'), Tag.SEQUENCE, 'PBKDF2 parameters').value);
    const salt = k.read(Tag.OCTET_STRING, 'PBKDF2 salt').value;
    const iterations = iterationsOf(k.read(Tag.INTEGER, 'PBKDF2 iterations').value, 'PBKDF2 iterations');
    const keyLength = k.peekTag() === Tag.INTEGER ? decodeSmallUnsigned(k.read(Tag.INTEGER, 'PBKDF2 keyLength').value, 'PBKDF2 keyLength') : c[1];
    if (keyLength !== c[1]) throw new DecodeError(`PBKDF2 keyLength ${keyLength} does not fit ${cipher} (${c[1]})`);
    const prf = k.done ? 'sha1' : HMACS[algorithm(k.read(Tag.SEQUENCE, 'PBKDF2 prf').raw, 'PBKDF2 prf').oid];
    k.end('PBKDF2 parameters');
    if (prf === undefined) throw new Pkcs12Error(`${what} uses a PBKDF2 PRF other than HMAC-SHA-1/SHA-2`, 'unsupported');
    key = crypto.pbkdf2(prf, pw.utf8, salt, iterations, keyLength);
  } else {
    throw new Pkcs12Error(`${what} is encrypted with ${alg.oid}, which is not supported (PBES2 and pbeWithSHAAnd3-KeyTripleDES-CBC are)`, 'unsupported');
  }
  try {
    return crypto.decrypt(cipher, key, iv, data);
  } catch {
    throw new Pkcs12Error(`${what} does not decrypt (bad padding): wrong passphrase, or the file is damaged`, 'decrypt');
  }
}

/** SafeContents (RFC 7292 §4.2): the bags we use, appended to `keys` and `certificates`; others are skipped. */
function readSafeContents(bytes: Uint8Array, pw: Password, crypto: Pkcs12Crypto, keys: Pkcs12Bag<Uint8Array>[], certificates: Pkcs12Bag<Uint8Array>[], depth: number): void {
  if (depth > 4) throw new DecodeError('SafeContents nested too deeply');
  const bags = new DerReader(readDer(bytes, Tag.SEQUENCE, 'SafeContents').value);
  while (!bags.done) {
    const bag = new DerReader(bags.read(Tag.SEQUENCE, 'SafeBag').value);
    const id = decodeOid(bag.read(Tag.OBJECT_IDENTIFIER, 'SafeBag bagId').value);
    const value = bag.read(contextConstructed(0), 'SafeBag bagValue').value;
    const attributes = bag.done ? undefined : bag.read(Tag.SET, 'SafeBag bagAttributes').value;
    bag.end('SafeBag');
    const bagOf = (v: Uint8Array): Pkcs12Bag<Uint8Array> => ({ value: v, ...readAttributes(attributes) });
    if (id === OID.keyBag) keys.push(bagOf(readDer(value, Tag.SEQUENCE, 'keyBag').raw));
    else if (id === OID.pkcs8ShroudedKeyBag) {
      const epki = new DerReader(readDer(value, Tag.SEQUENCE, 'EncryptedPrivateKeyInfo').value);
      const alg = epki.read(Tag.SEQUENCE, 'EncryptedPrivateKeyInfo algorithm').raw;
      const data = epki.read(Tag.OCTET_STRING, 'EncryptedPrivateKeyInfo encryptedData').value;
      epki.end('EncryptedPrivateKeyInfo');
      const pkcs8 = decrypt(alg, data, pw, crypto, 'the key bag');
      keys.push(bagOf(readDer(pkcs8, Tag.SEQUENCE, 'decrypted PrivateKeyInfo').raw));
    } else if (id === OID.certBag) {
      const cert = new DerReader(readDer(value, Tag.SEQUENCE, 'CertBag').value);
      const type = decodeOid(cert.read(Tag.OBJECT_IDENTIFIER, 'CertBag certId').value);
      const inner = cert.read(contextConstructed(0), 'CertBag certValue').value;
      cert.end('CertBag');
      if (type === OID.x509Certificate) certificates.push(bagOf(readDer(readDer(inner, Tag.OCTET_STRING, 'x509Certificate').value, Tag.SEQUENCE, 'x509Certificate').raw));
    } else if (id === OID.safeContentsBag) readSafeContents(readDer(value, Tag.SEQUENCE, 'safeContentsBag').raw, pw, crypto, keys, certificates, depth + 1);
    // crlBag, secretBag and unknown bags: nothing node:tls uses.
  }
}

function readAttributes(set: Uint8Array | undefined): { localKeyId: Uint8Array | undefined; friendlyName: string | undefined } {
  let localKeyId: Uint8Array | undefined;
  let friendlyName: string | undefined;
  const r = new DerReader(set ?? new Uint8Array(0));
  while (!r.done) {
    const attr = new DerReader(r.read(Tag.SEQUENCE, 'bag attribute').value);
    const oid = decodeOid(attr.read(Tag.OBJECT_IDENTIFIER, 'bag attribute type').value);
    const values = new DerReader(attr.read(Tag.SET, 'bag attribute values').value);
    attr.end('bag attribute');
    if (oid === OID.localKeyId && !values.done) localKeyId = values.read(Tag.OCTET_STRING, 'localKeyId').value;
    else if (oid === OID.friendlyName && !values.done) {
      const bmp = values.read(BMP_STRING, 'friendlyName').value;
      friendlyName = '';
      for (let i = 0; i + 1 < bmp.length; i += 2) friendlyName += String.fromCharCode((bmp[i]! << 8) | bmp[i + 1]!);
    }
  }
  return { localKeyId, friendlyName };
}

const BMP_STRING = 0x1e;
