/**
 * The cipher suites a scan offers, by IANA number and name (IANA TLS Cipher Suites registry),
 * including the legacy ones tlsglass never negotiates: a scanner only has to name them in a
 * ClientHello and read which one the server picks. What each suite is (key exchange, cipher,
 * why it is weak) is read from its IANA name, so the table is only numbers and names.
 */

/** TLS 1.3 suites (RFC 8446 §B.4): the key exchange is negotiated separately. */
export const TLS13_SUITES: ReadonlyMap<number, string> = new Map([
  [0x1301, 'TLS_AES_128_GCM_SHA256'],
  [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
  [0x1304, 'TLS_AES_128_CCM_SHA256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
]);

/** SSL 3.0 to TLS 1.2 suites, the modern first (a server in client order picks those). */
export const LEGACY_SUITES: ReadonlyMap<number, string> = new Map([
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xc09e, 'TLS_DHE_RSA_WITH_AES_128_CCM'],
  [0xc09f, 'TLS_DHE_RSA_WITH_AES_256_CCM'],
  [0x00a2, 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256'],
  [0x00a3, 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256'],
  [0x0040, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256'],
  [0x006a, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA'],
  [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA'],
  [0x0032, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA'],
  [0x0038, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA'],
  [0x0045, 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0088, 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  [0xc09c, 'TLS_RSA_WITH_AES_128_CCM'],
  [0xc09d, 'TLS_RSA_WITH_AES_256_CCM'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0x0041, 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0084, 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA'],
  [0x0096, 'TLS_RSA_WITH_SEED_CBC_SHA'],
  [0x0007, 'TLS_RSA_WITH_IDEA_CBC_SHA'],
  [0xc008, 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x0016, 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x0013, 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA'],
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc007, 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA'],
  [0xc011, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA'],
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA'],
  [0x0004, 'TLS_RSA_WITH_RC4_128_MD5'],
  [0x0015, 'TLS_DHE_RSA_WITH_DES_CBC_SHA'],
  [0x0012, 'TLS_DHE_DSS_WITH_DES_CBC_SHA'],
  [0x0009, 'TLS_RSA_WITH_DES_CBC_SHA'],
  [0x0014, 'TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA'],
  [0x0011, 'TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA'],
  [0x0008, 'TLS_RSA_EXPORT_WITH_DES40_CBC_SHA'],
  [0x0006, 'TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5'],
  [0x0003, 'TLS_RSA_EXPORT_WITH_RC4_40_MD5'],
  [0x00a6, 'TLS_DH_anon_WITH_AES_128_GCM_SHA256'],
  [0x00a7, 'TLS_DH_anon_WITH_AES_256_GCM_SHA384'],
  [0x006c, 'TLS_DH_anon_WITH_AES_128_CBC_SHA256'],
  [0x006d, 'TLS_DH_anon_WITH_AES_256_CBC_SHA256'],
  [0x0034, 'TLS_DH_anon_WITH_AES_128_CBC_SHA'],
  [0x003a, 'TLS_DH_anon_WITH_AES_256_CBC_SHA'],
  [0x001b, 'TLS_DH_anon_WITH_3DES_EDE_CBC_SHA'],
  [0x0018, 'TLS_DH_anon_WITH_RC4_128_MD5'],
  [0x001a, 'TLS_DH_anon_WITH_DES_CBC_SHA'],
  [0x0019, 'TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA'],
  [0x0017, 'TLS_DH_anon_EXPORT_WITH_RC4_40_MD5'],
  [0xc018, 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA'],
  [0xc019, 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA'],
  [0xc017, 'TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA'],
  [0xc016, 'TLS_ECDH_anon_WITH_RC4_128_SHA'],
  [0xc015, 'TLS_ECDH_anon_WITH_NULL_SHA'],
  [0xc006, 'TLS_ECDHE_ECDSA_WITH_NULL_SHA'],
  [0xc010, 'TLS_ECDHE_RSA_WITH_NULL_SHA'],
  [0x003b, 'TLS_RSA_WITH_NULL_SHA256'],
  [0x0002, 'TLS_RSA_WITH_NULL_SHA'],
  [0x0001, 'TLS_RSA_WITH_NULL_MD5'],
]);

export type Severity = 'high' | 'medium' | 'low' | 'info';

/** What a suite is, read from its IANA name. */
export interface SuiteInfo {
  readonly code: number;
  readonly name: string;
  /** Key exchange and authentication ('ECDHE_RSA', 'RSA', 'DH_anon', …); 'TLS13' for TLS 1.3 suites. */
  readonly keyExchange: string;
  readonly cbc: boolean;
  /** Why the suite is weak, most serious first; empty for a sound suite. */
  readonly weaknesses: readonly { readonly id: string; readonly severity: Severity; readonly why: string }[];
}

export function suiteName(code: number): string {
  return TLS13_SUITES.get(code) ?? LEGACY_SUITES.get(code) ?? `0x${code.toString(16).padStart(4, '0')}`;
}

export function suiteInfo(code: number): SuiteInfo {
  const name = suiteName(code);
  if (TLS13_SUITES.has(code)) return { code, name, keyExchange: 'TLS13', cbc: false, weaknesses: [] };
  const keyExchange = /^TLS_(.*)_WITH_/.exec(name)?.[1] ?? 'unknown';
  const cipher = name.slice(name.indexOf('_WITH_') + 6);
  const weaknesses: { id: string; severity: Severity; why: string }[] = [];
  if (/_NULL_/.test(`_${cipher}`)) weaknesses.push({ id: 'null', severity: 'high', why: 'no encryption (NULL cipher)' });
  if (keyExchange.includes('EXPORT')) weaknesses.push({ id: 'export', severity: 'high', why: 'export-grade (40-bit) cryptography (FREAK, Logjam)' });
  if (keyExchange.includes('anon')) weaknesses.push({ id: 'anon', severity: 'high', why: 'anonymous: no server authentication, open to any man in the middle' });
  if (cipher.startsWith('RC4')) weaknesses.push({ id: 'rc4', severity: 'high', why: 'RC4 (RFC 7465 prohibits it)' });
  if (/^(DES_|DES40_)/.test(cipher)) weaknesses.push({ id: 'des', severity: 'high', why: 'single DES (56-bit key)' });
  if (/^(3DES|IDEA|RC2)/.test(cipher)) weaknesses.push({ id: 'sweet32', severity: 'medium', why: '64-bit block cipher (Sweet32)' });
  if (keyExchange === 'RSA' || keyExchange.startsWith('RSA_')) weaknesses.push({ id: 'no-forward-secrecy', severity: 'low', why: 'RSA key exchange: no forward secrecy' });
  return { code, name, keyExchange, cbc: cipher.includes('_CBC_'), weaknesses };
}

/** Suites whose key exchange is ECDHE (they make the server choose a curve from supported_groups). */
export function isEcdheSuite(code: number): boolean {
  return suiteInfo(code).keyExchange.startsWith('ECDHE_');
}

/** Suites whose key exchange is finite-field DHE (signed, not anonymous). */
export function isDheSuite(code: number): boolean {
  return suiteInfo(code).keyExchange.startsWith('DHE_');
}
