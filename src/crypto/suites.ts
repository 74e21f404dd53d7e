import type { AeadAlgorithm, HashAlgorithm } from './provider.js';
import { ConfigError } from '../errors.js';
import { CipherSuite, nameOf } from '../messages/enums.js';

/** How the premaster secret is agreed in TLS 1.2 (PSK: RFC 4279 §2; ECDHE_PSK: RFC 5489 §2). */
export type KeyExchangeAlgorithm = 'ECDHE' | 'DHE' | 'RSA' | 'PSK' | 'ECDHE_PSK';
/** Which certificate key authenticates the server, or a pre-shared key (no certificate). */
export type AuthAlgorithm = 'RSA' | 'ECDSA' | 'PSK';

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
  // External PSKs (node:tls pskCallback), offered and chosen only when a PSK callback is set.
  suite(S.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, 'ECDHE-PSK-CHACHA20-POLY1305', 'ECDHE_PSK', 'PSK', 'chacha20-poly1305', 'sha256'),
  suite(S.TLS_PSK_WITH_AES_128_GCM_SHA256, 'PSK-AES128-GCM-SHA256', 'PSK', 'PSK', 'aes-128-gcm', 'sha256'),
  suite(S.TLS_PSK_WITH_AES_256_GCM_SHA384, 'PSK-AES256-GCM-SHA384', 'PSK', 'PSK', 'aes-256-gcm', 'sha384'),
  suite(S.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, 'PSK-CHACHA20-POLY1305', 'PSK', 'PSK', 'chacha20-poly1305', 'sha256'),
];

/** Suites authenticated by a pre-shared key: usable only with a PSK callback. */
export function isPskSuite(suite: Tls12Suite): boolean {
  return suite.auth === 'PSK';
}

/** The default offer: forward-secret ECDHE only. DHE and RSA key exchange are opt-in via `ciphers`. */
export const DEFAULT_TLS12_SUITES: readonly Tls12Suite[] = TLS12_SUITES.filter((s) => s.kx === 'ECDHE');

const byId = new Map(TLS12_SUITES.map((s) => [s.id as number, s]));

export function tls12SuiteById(id: number): Tls12Suite | undefined {
  return byId.get(id);
}

/**
 * Parses an OpenSSL-style cipher list (`ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384`,
 * IANA names, the keywords `ECDHE`, `DHE`, `kRSA`/`RSA`, `ALL`, `DEFAULT`, `HIGH`, `A+B`, `!X`) into
 * our suites, in the order given. Names of suites OpenSSL has and we do not (CBC, RC4, …) are
 * skipped, as OpenSSL skips them, so that lists written for it (node's default) still work. A name
 * nobody knows (a typo), or a list that leaves no suite, throws ERR_SSL_NO_CIPHER_MATCH (node's
 * code) naming the unknown and the unsupported names, and why. `allowEmpty`: the list also named
 * TLS 1.3 suites, so TLS 1.2 may be left with none.
 */
export function parseCipherList(list: string, options: { allowEmpty?: boolean } = {}): Tls12Suite[] {
  const out: Tls12Suite[] = [];
  const removed = new Set<Tls12Suite>();
  const unknown: string[] = [];
  const refused: string[] = [];
  for (const raw of list.split(/[:, ]+/).filter(Boolean)) {
    const negate = raw.startsWith('!') || raw.startsWith('-');
    const token = negate ? raw.slice(1) : raw.replace(/^\+/, '');
    if (token.startsWith('@')) continue; // @STRENGTH, @SECLEVEL=n: OpenSSL's ordering and policy
    const matches = matchToken(token);
    if (negate) {
      for (const s of matches) {
        removed.add(s);
        const i = out.indexOf(s);
        if (i >= 0) out.splice(i, 1);
      }
      continue;
    }
    for (const s of matches) if (!out.includes(s) && !removed.has(s)) out.push(s);
    const parts = token.toUpperCase().split('+');
    if (parts.every((part) => KEYWORDS.has(part) || matchToken(part).length > 0)) continue;
    const why = REFUSED.find(([pattern]) => parts.some((part) => pattern.test(part)));
    if (why) refused.push(`${token}: ${why[1]}`);
    else unknown.push(token);
  }
  if (unknown.length > 0 || (out.length === 0 && !options.allowEmpty)) {
    const problems = [...(unknown.length > 0 ? [`unknown ${unknown.map((n) => `"${n}"`).join(', ')}`] : []), ...refused];
    const why = problems.length > 0 ? problems.join('; ') : 'the list leaves no suite';
    throw new ConfigError(
      'ERR_SSL_NO_CIPHER_MATCH',
      'ciphers',
      (name) =>
        `${name('ciphers')} "${list}": ${why}. TLS 1.2 suites: ${TLS12_SUITES.map((s) => s.openssl).join(', ')} (or IANA names; keywords ECDHE, DHE, RSA, PSK, ALL); ` +
        `TLS 1.3: ${TLS13_SUITES.map((s) => s.name).join(', ')}`,
    );
  }
  return out;
}

/** OpenSSL keywords that may select none of our suites without being a mistake. */
const KEYWORDS = new Set(['COMPLEMENTOFDEFAULT', 'COMPLEMENTOFALL', 'SHA256', 'SHA384', 'TLSV1.2']);

/** Names OpenSSL knows that select nothing here, and why (README, "Record protection"). */
const REFUSED: readonly (readonly [RegExp, string])[] = [
  [/RC4/, 'RC4 is broken and forbidden in TLS (RFC 7465)'],
  [/NULL|^EXP|EXPORT|^ADH|^AECDH|_ANON_/, 'no encryption, export-grade or anonymous (RFC 7525 §4.1 forbids them)'],
  [/DES|CBC3|IDEA|RC2|SEED|MD5|^SHA1?$|^LOW$|^MEDIUM$/, 'a 64-bit block cipher or a weak hash'],
  [/DHE-PSK|RSA-PSK|SRP|CCM|CAMELLIA|ARIA|GOST|DSS|SUITEB|KECDH$|KDH$/, 'not implemented here'],
  [/^(?!.*(GCM|CHACHA)).*(-SHA(256|384)?$|_CBC_)/, 'a CBC suite (MAC-then-encrypt, open to padding oracles such as Lucky Thirteen); tlsglass has AEAD suites only, as TLS 1.3'],
];

function matchToken(token: string): Tls12Suite[] {
  const t = token.toUpperCase();
  if (t.includes('+')) {
    // OpenSSL's "A+B": the suites both select.
    return t.split('+').map(matchToken).reduce((a, b) => a.filter((s) => b.includes(s)));
  }
  switch (t) {
    case 'ALL':
    case 'HIGH':
      return [...TLS12_SUITES];
    case 'DEFAULT':
      return [...DEFAULT_TLS12_SUITES];
    case 'ECDHE':
    case 'EECDH':
    case 'KECDHE':
    case 'KEECDH':
    case 'ECDH':
      return TLS12_SUITES.filter((s) => s.kx === 'ECDHE');
    case 'DHE':
    case 'EDH':
    case 'KDHE':
    case 'KEDH':
      return TLS12_SUITES.filter((s) => s.kx === 'DHE');
    case 'RSA':
    case 'KRSA':
      return TLS12_SUITES.filter((s) => s.kx === 'RSA');
    case 'PSK':
    case 'APSK':
      return TLS12_SUITES.filter((s) => s.auth === 'PSK');
    case 'KPSK':
      return TLS12_SUITES.filter((s) => s.kx === 'PSK');
    case 'KECDHEPSK':
    case 'ECDHEPSK':
      return TLS12_SUITES.filter((s) => s.kx === 'ECDHE_PSK');
    case 'AESGCM':
    case 'AES':
      return TLS12_SUITES.filter((s) => s.aead !== 'chacha20-poly1305');
    case 'AES128':
      return TLS12_SUITES.filter((s) => s.aead === 'aes-128-gcm');
    case 'AES256':
      return TLS12_SUITES.filter((s) => s.aead === 'aes-256-gcm');
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
