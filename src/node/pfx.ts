/**
 * node:tls's `pfx` option: each PKCS#12 file (src/pki/pkcs12.ts reads it, with node:crypto's
 * hashes and ciphers) becomes a `key` and a `cert` chain (its leaf, then its other certificates,
 * as OpenSSL's SSL_CTX_use_certificate_chain), and its other certificates are trusted too, as
 * node:tls adds them to the context's store (Node's SecureContext::LoadPKCS12).
 */
import { createDecipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, X509Certificate, type KeyObject } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { DecodeError } from '../codec/reader.js';
import type { CommonOptions, KeyEntry, PemOrDer, PfxEntry } from '../config.js';
import { ConfigError } from '../errors.js';
import { encodePem } from '../pki/pem.js';
import { Pkcs12Error, readPkcs12, type Pkcs12Bag, type Pkcs12Crypto } from '../pki/pkcs12.js';

/** The PKCS#12 primitives from node:crypto. */
export const nodePkcs12Crypto: Pkcs12Crypto = {
  digest: (hash, data) => createHash(hash).update(data).digest(),
  hmac: (hash, key, data) => createHmac(hash, key).update(data).digest(),
  pbkdf2: (hash, password, salt, iterations, length) => pbkdf2Sync(password, salt, iterations, length, hash),
  decrypt: (cipher, key, iv, data) => {
    const d = createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  },
};

const CODES: Record<Pkcs12Error['kind'], string> = {
  mac: 'ERR_TLSGLASS_PFX_MAC_VERIFY',
  macAbsent: 'ERR_TLSGLASS_PFX_MAC_ABSENT',
  decrypt: 'ERR_TLSGLASS_PFX_DECRYPT',
  unsupported: 'ERR_TLSGLASS_PFX_UNSUPPORTED',
  malformed: 'ERR_TLSGLASS_BAD_PFX',
};

/** `options` with each `pfx` file turned into `key`, `cert` and `ca` entries; `pfx` removed. */
export function withPfx<T extends CommonOptions>(options: T): T {
  const { pfx, ...rest } = options;
  if (pfx === undefined) return options;
  if (pfx === null) return rest as T; // as node:tls: null is no pfx
  const array = Array.isArray(pfx);
  // As node:tls: an entry's own passphrase, else the common one; an empty one is none.
  const entries = (array ? (pfx as readonly unknown[]) : [pfx]).map((v) => {
    const own = typeof v === 'object' && v !== null && !(v instanceof Uint8Array) ? (v as PfxEntry) : undefined;
    return { buf: own ? own.buf : v, passphrase: (own?.passphrase || options.passphrase) || undefined };
  });
  const keys: KeyEntry[] = [];
  const certs: string[] = [];
  const extras: string[] = [];
  entries.forEach(({ buf, passphrase }, i) => {
    const index = array ? i : undefined;
    const fail = (code: string, text: string, cause?: unknown): ConfigError => new ConfigError(code, 'pfx', (name) => `${name('pfx', index)} ${text}`, { cause });
    if (typeof buf !== 'string' && !(buf instanceof Uint8Array)) throw fail('ERR_TLSGLASS_PFX_TYPE', 'must be a Buffer or a string (the PKCS#12 file), or an array of them or of { buf, passphrase } objects');
    let contents;
    try {
      contents = readPkcs12(typeof buf === 'string' ? Buffer.from(buf) : buf, passphrase, nodePkcs12Crypto);
    } catch (e) {
      if (e instanceof Pkcs12Error) throw fail(CODES[e.kind], `cannot be read: ${e.message}`, e);
      if (e instanceof DecodeError) throw fail(CODES.malformed, `is not a PKCS#12 (PFX) file: ${e.message}`, e);
      throw e;
    }
    const keyBag = contents.keys[0]; // as OpenSSL's PKCS12_parse: the first key
    if (keyBag === undefined) throw fail('ERR_TLSGLASS_PFX_NO_KEY', 'holds no private key (node:tls needs one per pfx; give certificates alone with `ca` or `cert`)');
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: Buffer.from(keyBag.value), format: 'der', type: 'pkcs8' });
    } catch (e) {
      throw fail('ERR_TLSGLASS_PFX_NO_KEY', `holds a private key node:crypto cannot read (${(e as Error).message})`, e);
    }
    const leaf = pairedCertificate(keyBag, contents.certificates, key);
    if (leaf === undefined) throw fail('ERR_TLSGLASS_PFX_NO_CERT', contents.certificates.length === 0 ? 'holds no certificate' : "holds no certificate for its private key (none has the key's localKeyId or public key)");
    const others = contents.certificates.filter((c) => c !== leaf).map((c) => encodePem('CERTIFICATE', c.value));
    keys.push({ pem: keyBag.value });
    certs.push([encodePem('CERTIFICATE', leaf.value), ...others].join(''));
    extras.push(...others);
  });
  const list = <V>(v: V | readonly V[] | undefined): V[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as readonly V[])] : [v as V]);
  const result: CommonOptions = { ...rest, key: [...list(options.key), ...keys], cert: [...list<PemOrDer>(options.cert), ...certs] };
  if (extras.length > 0) result.ca = [...(options.ca === undefined ? rootCertificates : list<PemOrDer>(options.ca)), ...extras];
  return result as T;
}

/** The certificate with the key's localKeyId, else the first whose public key is the key's (as OpenSSL's X509_check_private_key). */
function pairedCertificate(key: Pkcs12Bag<Uint8Array>, certificates: readonly Pkcs12Bag<Uint8Array>[], keyObject: KeyObject): Pkcs12Bag<Uint8Array> | undefined {
  const id = key.localKeyId;
  const byId = id && certificates.find((c) => c.localKeyId !== undefined && Buffer.compare(c.localKeyId, id) === 0);
  const fits = (c: Pkcs12Bag<Uint8Array>): boolean => {
    try {
      return new X509Certificate(c.value).checkPrivateKey(keyObject);
    } catch {
      return false;
    }
  };
  return byId && fits(byId) ? byId : certificates.find(fits);
}
