import type { AeadAlgorithm, HashAlgorithm } from './provider.js';
import { CipherSuite, nameOf } from '../messages/enums.js';

/** How the premaster secret is agreed in TLS 1.2. */
export type KeyExchangeAlgorithm = 'ECDHE' | 'DHE' | 'RSA';
/** Which certificate key authenticates the server. */
export type AuthAlgorithm = 'RSA' | 'ECDSA';

/** A TLS 1.2 cipher suite as data (RFC 5246 §A.5, RFC 5288, RFC 8422, RFC 7905). */
export interface Tls12Suite {
  readonly id: CipherSuite;
  /** The IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  readonly name: string;
  /** The OpenSSL name, e.g. ECDHE-RSA-AES128-GCM-SHA256 (what node:tls getCipher() reports). */
  readonly openssl: string;
  readonly kx: KeyExchangeAlgorithm;
  readonly auth: AuthAlgorithm;
  readonly aead: AeadAlgorithm;
  /** The PRF hash (and the Finished hash). */
  readonly hash: HashAlgorithm;
  /** RFC 5288 GCM: 4-byte implicit salt + 8-byte explicit nonce; RFC 7905 ChaCha: 12-byte IV, nonce = iv ⊕ seq. */
  readonly fixedIvLength: 4 | 12;
  readonly explicitNonceLength: 8 | 0;
}

function suite(
  id: CipherSuite,
  openssl: string,
  kx: KeyExchangeAlgorithm,
  auth: AuthAlgorithm,
  aead: AeadAlgorithm,
  hash: HashAlgorithm,
): Tls12Suite {
  const gcm = aead !== 'chacha20-poly1305';
  return {
    id,
    name: nameOf(CipherSuite, id),
    openssl,
    kx,
    auth,
    aead,
    hash,
    fixedIvLength: gcm ? 4 : 12,
    explicitNonceLength: gcm ? 8 : 0,
  };
}

const S = CipherSuite;

/** Every TLS 1.2 suite we implement, in our default preference order. */
export const TLS12_SUITES: readonly Tls12Suite[] = [
  suite(S.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE', 'ECDSA', 'aes-128-gcm', 'sha256'),
  suite(S.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE', 'RSA', 'aes-128-gcm', 'sha256'),
  suite(S.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE', 'ECDSA', 'aes-256-gcm', 'sha384'),
  suite(S.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE', 'RSA', 'aes-256-gcm', 'sha384'),
  suite(S.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE', 'ECDSA', 'chacha20-poly1305', 'sha256'),
  suite(S.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE', 'RSA', 'chacha20-poly1305', 'sha256'),
  suite(S.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 'DHE-RSA-AES128-GCM-SHA256', 'DHE', 'RSA', 'aes-128-gcm', 'sha256'),
  suite(S.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, 'DHE-RSA-AES256-GCM-SHA384', 'DHE', 'RSA', 'aes-256-gcm', 'sha384'),
  suite(S.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 'DHE-RSA-CHACHA20-POLY1305', 'DHE', 'RSA', 'chacha20-poly1305', 'sha256'),
  suite(S.TLS_RSA_WITH_AES_128_GCM_SHA256, 'AES128-GCM-SHA256', 'RSA', 'RSA', 'aes-128-gcm', 'sha256'),
  suite(S.TLS_RSA_WITH_AES_256_GCM_SHA384, 'AES256-GCM-SHA384', 'RSA', 'RSA', 'aes-256-gcm', 'sha384'),
];

/** The default offer: forward-secret ECDHE only. DHE and RSA key exchange are opt-in via `ciphers`. */
export const DEFAULT_TLS12_SUITES: readonly Tls12Suite[] = TLS12_SUITES.filter((s) => s.kx === 'ECDHE');

const byId = new Map(TLS12_SUITES.map((s) => [s.id as number, s]));

export function tls12SuiteById(id: number): Tls12Suite | undefined {
  return byId.get(id);
}

/**
 * Parses an OpenSSL-style cipher list (`ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384`,
 * IANA names, or the keywords `ECDHE`, `DHE`, `kRSA`/`RSA`, `ALL`, `DEFAULT`, `HIGH`, `!X`) into our
 * suites, in the order given. Names of suites we do not implement (CBC, …) are skipped, as
 * OpenSSL skips unknown names; an empty result is an error.
 */
export function parseCipherList(list: string): Tls12Suite[] {
  const out: Tls12Suite[] = [];
  const removed = new Set<Tls12Suite>();
  const add = (s: Tls12Suite): void => {
    if (!out.includes(s) && !removed.has(s)) out.push(s);
  };
  for (const raw of list.split(/[:, ]+/).filter(Boolean)) {
    const negate = raw.startsWith('!') || raw.startsWith('-');
    const token = negate ? raw.slice(1) : raw.replace(/^\+/, '');
    const matches = matchToken(token);
    if (negate) {
      for (const s of matches) {
        removed.add(s);
        const i = out.indexOf(s);
        if (i >= 0) out.splice(i, 1);
      }
    } else {
      matches.forEach(add);
    }
  }
  if (out.length === 0) throw new Error(`no supported cipher suite in "${list}"`);
  return out;
}

function matchToken(token: string): Tls12Suite[] {
  const t = token.toUpperCase();
  switch (t) {
    case 'ALL':
    case 'HIGH':
    case 'AESGCM+HIGH':
      return [...TLS12_SUITES];
    case 'DEFAULT':
      return [...DEFAULT_TLS12_SUITES];
    case 'ECDHE':
    case 'EECDH':
    case 'KECDHE':
      return TLS12_SUITES.filter((s) => s.kx === 'ECDHE');
    case 'DHE':
    case 'EDH':
    case 'KDHE':
    case 'KEDH':
      return TLS12_SUITES.filter((s) => s.kx === 'DHE');
    case 'RSA':
    case 'KRSA':
      return TLS12_SUITES.filter((s) => s.kx === 'RSA');
    case 'AESGCM':
      return TLS12_SUITES.filter((s) => s.aead !== 'chacha20-poly1305');
    case 'CHACHA20':
      return TLS12_SUITES.filter((s) => s.aead === 'chacha20-poly1305');
    case 'ECDSA':
    case 'AECDSA':
      return TLS12_SUITES.filter((s) => s.auth === 'ECDSA');
    case 'ARSA':
      return TLS12_SUITES.filter((s) => s.auth === 'RSA');
    default:
      return TLS12_SUITES.filter((s) => s.openssl === t || s.name === t);
  }
}

/** A TLS 1.3 cipher suite: only the AEAD and the hash (RFC 8446 §B.4). */
export interface Tls13Suite {
  readonly id: CipherSuite;
  /** The IANA name, which is also what OpenSSL and node:tls report. */
  readonly name: string;
  readonly aead: AeadAlgorithm;
  readonly hash: HashAlgorithm;
}

function suite13(id: CipherSuite, aead: AeadAlgorithm, hash: HashAlgorithm): Tls13Suite {
  return { id, name: nameOf(CipherSuite, id), aead, hash };
}

/** TLS 1.3 suites in our default preference order. */
export const TLS13_SUITES: readonly Tls13Suite[] = [
  suite13(S.TLS_AES_128_GCM_SHA256, 'aes-128-gcm', 'sha256'),
  suite13(S.TLS_AES_256_GCM_SHA384, 'aes-256-gcm', 'sha384'),
  suite13(S.TLS_CHACHA20_POLY1305_SHA256, 'chacha20-poly1305', 'sha256'),
];

const byId13 = new Map(TLS13_SUITES.map((s) => [s.id as number, s]));

export function tls13SuiteById(id: number): Tls13Suite | undefined {
  return byId13.get(id);
}
