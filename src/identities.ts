/**
 * Our certificate chains with their keys, and the trust anchors, from the `cert`, `key`,
 * `passphrase` and `ca` options: refused when they are resolved, not at the first handshake,
 * with node:tls's codes and a message that says what is wrong with which option.
 */
import { DecodeError } from './codec/reader.js';
import type { CommonOptions, Identity, KeyEntry, PemOrDer } from './config.js';
import type { CryptoProvider, PrivateKey, PublicKeyInfo } from './crypto/provider.js';
import { ConfigError, type OptionNamer } from './errors.js';
import { parseCertificate } from './pki/certificate.js';
import { parseCrl, type CertificateList } from './pki/crl.js';
import { parseCertificateCached } from './pki/parsed-certificate.js';
import { certificatesFrom, decodePem, PemError, pemContent, pemText } from './pki/pem.js';

function list<T>(v: T | readonly T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

/**
 * Each `cert` entry with its `key`: refused when a file holds no certificate or no usable key, or
 * a key is no certificate's. Keys pair with certificates by public key, not by
 * position, as node:tls (OpenSSL) pairs them: `key: [ecKey, rsaKey], cert: [rsaCert, ecCert]` is two
 * identities. As node:tls, a certificate without a key (or a key without a certificate) is
 * accepted and is no identity: a server that has none fails each handshake that needs one.
 */
export function loadIdentities(options: CommonOptions, provider: CryptoProvider): Identity[] {
  const certs = list(options.cert);
  const keys = list(options.key);
  const at = (i: number): { cert: number | undefined; key: number | undefined } => ({ cert: Array.isArray(options.cert) ? i : undefined, key: Array.isArray(options.key) ? i : undefined });
  const chains = certs.map((cert, i) => {
    try {
      return certificatesOf(cert, 'cert', at(i).cert);
    } catch (e) {
      if (keys[i] !== undefined && !isKeyEntry(keys[i]!) && holdsCertificate(keys[i] as PemOrDer) && holdsPrivateKey(cert)) {
        throw new ConfigError('ERR_OSSL_PEM_NO_START_LINE', 'cert', (name) => `${name('cert', at(i).cert)} holds a private key and ${name('key', at(i).key)} a certificate: swap them`);
      }
      throw e;
    }
  });
  // As node:tls, a key may be `{ pem, passphrase }`, its own passphrase before the common one.
  const loaded = keys.map((key, i) => (isKeyEntry(key) ? loadKey(key.pem, key.passphrase ?? options.passphrase, provider, at(i).key) : loadKey(key, options.passphrase, provider, at(i).key)));
  const spkis = chains.map((chain) => parseCertificateCached(chain[0]!, 'certificate 1').fields.subjectPublicKeyInfo);
  const fits = (k: number, c: number): boolean => loaded[k]!.matches?.(spkis[c]!) ?? k === c; // a provider that cannot tell pairs by position
  // Each certificate takes its own position's key when that fits, else the first unused key that does.
  const unused = new Set(loaded.keys());
  const pairs = chains.map((_, c) => {
    const k = unused.has(c) && fits(c, c) ? c : [...unused].find((k) => fits(k, c));
    if (k !== undefined) unused.delete(k);
    return k;
  });
  const c = pairs.indexOf(undefined);
  // A certificate without a key is taken, as node:tls takes it; with a key left over, that key is not the certificate's.
  if (c >= 0 && unused.size > 0) {
    const k = [...unused].sort((a, b) => Math.abs(a - c) - Math.abs(b - c))[0]!; // the unpaired key nearest the certificate (its own, usually)
    const theirs = describeKey(() => provider.signatures.publicKeyFromSpki(spkis[c]!));
    const ours = describeKey(() => loaded[k]!);
    const how = theirs === ours ? `both are ${ours}, but not the same key` : `the certificate's public key is ${theirs}, the key is ${ours}`;
    throw new ConfigError('ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'key', (name) => `${name('key', at(k).key)} does not match the certificate in ${name('cert', at(c).cert)} (${how})`);
  }
  return chains.flatMap((chain, c) => (pairs[c] === undefined ? [] : [{ chain, key: loaded[pairs[c]!]! }]));
}

function isKeyEntry(key: PemOrDer | KeyEntry): key is KeyEntry {
  return typeof key === 'object' && key !== null && !(key instanceof Uint8Array) && 'pem' in key;
}

/** A string option that holds a file name rather than the file (`cert: 'server.pem'`). */
function fileNameHint(input: PemOrDer): string {
  return typeof input === 'string' && input.length < 256 && !input.includes('\n') ? ` ("${input}" looks like a file name: pass the file's contents, e.g. fs.readFileSync("${input}"))` : '';
}

function holdsCertificate(input: PemOrDer): boolean {
  try {
    return pemText(input) !== undefined && certificatesFrom(input).length > 0;
  } catch {
    return false;
  }
}

function holdsPrivateKey(input: PemOrDer): boolean {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pemText(input) ?? '');
}

/** "RSA 2048", "EC P-256", "Ed25519". */
function describeKey(get: () => PublicKeyInfo): string {
  try {
    const k = get();
    if (k.type === 'ed25519') return 'Ed25519';
    return k.type.startsWith('ml-dsa') ? k.type.toUpperCase() : `${k.type.toUpperCase()} ${k.curve ?? k.bits}`;
  } catch {
    return 'of a type tlsglass does not support';
  }
}

/** The certificates in one `cert` or `ca` entry, each of which must parse as X.509. */
function certificatesOf(input: PemOrDer, option: string, index: number | undefined): Uint8Array[] {
  let ders: Uint8Array[];
  try {
    ders = certificatesFrom(input);
  } catch (e) {
    if (!(e instanceof PemError)) throw e;
    throw new ConfigError(e.code, option, (name) => `${name(option, index)} ${e.problem}${fileNameHint(input)}`);
  }
  ders.forEach((der, n) => {
    const what = ders.length > 1 ? `certificate ${n + 1} of ${ders.length}` : 'the certificate';
    try {
      parseCertificate(der); // first, for its messages: node's X509Certificate gives OpenSSL's
      parseCertificateCached(der, what);
    } catch (e) {
      const message = e instanceof DecodeError ? `${what} is not a valid X.509 certificate: ${e.message}` : (e as Error).message;
      throw new ConfigError('ERR_TLSGLASS_BAD_CERTIFICATE', option, (name) => `${name(option, index)}: ${message}`);
    }
  });
  return ders;
}

/** The provider's key, or why it cannot be one, read from the PEM (the provider's own message is OpenSSL's). */
function loadKey(key: PemOrDer, passphrase: string | undefined, provider: CryptoProvider, index: number | undefined): PrivateKey {
  try {
    return provider.signatures.loadPrivateKey(key, passphrase);
  } catch (cause) {
    const [code, problem] = keyProblem(key, passphrase, cause);
    throw new ConfigError(code, 'key', (name) => `${name('key', index)} ${problem(name)}`, { cause });
  }
}

/** node:tls's code for a key it cannot load, and what is wrong; the passphrase is named as `name` spells it. */
function keyProblem(key: PemOrDer, passphrase: string | undefined, cause: unknown): [string, (name: OptionNamer) => string] {
  const text = pemText(key);
  if (text === undefined) {
    const der = typeof key !== 'string' && key[0] === 0x30;
    return ['ERR_OSSL_UNSUPPORTED', () => (der ? `is not a DER PKCS#8 private key we can read (${(cause as Error).message})` : `holds no private key (no "-----BEGIN PRIVATE KEY-----" line, and it is not DER)${fileNameHint(key)}`)];
  }
  let label: string | undefined;
  try {
    const labels = decodePem(text).map((b) => b.label);
    label = labels.find((l) => l.endsWith('PRIVATE KEY')) ?? labels[0];
  } catch (e) {
    if (e instanceof PemError) return ['ERR_OSSL_UNSUPPORTED', () => e.problem];
    throw e;
  }
  if (label === undefined || !label.endsWith('PRIVATE KEY')) {
    return ['ERR_OSSL_UNSUPPORTED', () => `holds ${label ? pemContent(label) : 'no PEM block'}, not a private key (a key file begins "-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN EC PRIVATE KEY-----")`];
  }
  if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    if (passphrase === undefined) return ['ERR_OSSL_BAD_DECRYPT', (name) => `is encrypted and no passphrase was given (give it with ${name('passphrase')})`];
    return ['ERR_OSSL_BAD_DECRYPT', (name) => `cannot be decrypted with the passphrase given (wrong ${name('passphrase')}?)`];
  }
  return ['ERR_OSSL_UNSUPPORTED', () => `cannot be used: ${(cause as Error).message.replace(/^cannot load private key: /, '')}`];
}

export function trustAnchors(ca: CommonOptions['ca']): Uint8Array[] | undefined {
  if (ca === undefined) return undefined;
  return list(ca).flatMap((c, i) => certificatesOf(c, 'ca', Array.isArray(ca) ? i : undefined));
}

/**
 * The `crl` option as node:tls reads it: each entry (PEM text or bytes) gives its first
 * "X509 CRL" block (PEM_read_bio_X509_CRL; DER is not taken); an empty option is no CRL at all.
 * An entry without one, or one that is not a CRL, throws node's ERR_CRYPTO_OPERATION_FAILED
 * ("Failed to parse CRL") when the options are resolved.
 */
export function revocationLists(crl: CommonOptions['crl']): CertificateList[] {
  if (!crl || (typeof crl !== 'string' && !Array.isArray(crl) && (crl as Uint8Array).length === 0)) return [];
  return list<PemOrDer>(crl).map((entry, i) => {
    const index = Array.isArray(crl) ? i : undefined;
    const refuse = (problem: string): ConfigError => new ConfigError('ERR_CRYPTO_OPERATION_FAILED', 'crl', (name) => `${name('crl', index)} ${problem}`);
    let blocks: ReturnType<typeof decodePem>;
    try {
      blocks = decodePem(pemText(entry) ?? '');
    } catch (e) {
      if (e instanceof PemError) throw refuse(e.problem);
      throw e;
    }
    const block = blocks.find((b) => b.label === 'X509 CRL');
    if (!block) throw refuse('holds no CRL (no "-----BEGIN X509 CRL-----" block; DER is not taken, as in node:tls)');
    try {
      return parseCrl(block.der);
    } catch (e) {
      if (e instanceof DecodeError) throw refuse(`is not a valid CRL: ${e.message}`);
      throw e;
    }
  });
}
